//! `maillage-bench alerts [PATH-TO-MAILLAGE] [RECIPIENTS] [POSTGRES-ADMIN-URL]`: the rapid
//! alert's fan-out. Puts RECIPIENTS (1 000 by default) on call, each with a mobile, starts a real
//! SMTP server (aiosmtpd, `tests/smtp/`), an SMS gateway on loopback (a bare HTTP responder) and
//! `maillage serve` on them, raises one alert through the API and prints the time from the
//! request to the last e-mail received and to the last SMS received; then, as the baseline in
//! the same run, a bare loop of the same sends: the same messages by SMTP, 8 at a time over
//! pooled connections (as the outbox sends them) and the same signed requests to the gateway, 16 at a time (as the
//! alert's job posts them).
//!
//! A benchmark prints figures; it asserts nothing.

use crate::ms;
use anyhow::{Context, bail};
use maillage_core::alert::{ALL_DAYS, OnCall};
use maillage_store::account::NewUser;
use maillage_store::organisation::OrganisationInput;
use maillage_store::{Author, Store};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PASSWORD: &str = "Banc-Essai-Alerte-2026!";
const COORDINATOR: &str = "coordination@bench.example";
const SECRET: &str = "banc-essai-secret-partage-passerelle-sms";

/// An SMS gateway that answers 200 to every request, counting them and noting the last one's
/// arrival.
struct Gateway {
    url: String,
    received: Arc<AtomicUsize>,
    last: Arc<std::sync::Mutex<Option<Instant>>>,
}

async fn gateway() -> anyhow::Result<Gateway> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/sms", listener.local_addr()?);
    let (received, last): (Arc<AtomicUsize>, Arc<std::sync::Mutex<Option<Instant>>>) = (Arc::default(), Arc::default());
    let (count, at) = (received.clone(), last.clone());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (count, at) = (count.clone(), at.clone());
            tokio::spawn(async move {
                // Keep-alive: one request after the other on the connection, each read whole
                // (headers, then the body its Content-Length announces).
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
                    let length: usize =
                        head.lines().find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0))).unwrap_or(0);
                    while buffer.len() < end + 4 + length {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                    }
                    buffer.drain(..end + 4 + length);
                    count.fetch_add(1, Ordering::SeqCst);
                    if let Ok(mut last) = at.lock() {
                        *last = Some(Instant::now());
                    }
                    if socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    Ok(Gateway { url, received, last })
}

/// The real SMTP server of the tests, storing what it receives in `maildir`.
fn smtp_server(maildir: &std::path::Path) -> anyhow::Result<(std::process::Child, u16)> {
    use std::io::BufRead;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/smtp/smtp_server.py");
    // Debian's Python, which has aiosmtpd (another `python3` on the PATH may not).
    let python = if std::path::Path::new("/usr/bin/python3").exists() { "/usr/bin/python3" } else { "python3" };
    let mut child = std::process::Command::new(python)
        .arg(script)
        .arg(maildir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .context("python3 et aiosmtpd (paquet Debian python3-aiosmtpd)")?;
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().context("stdout")?).read_line(&mut line)?;
    Ok((child, line.trim().parse().context("port du serveur SMTP")?))
}

fn received_mail(maildir: &std::path::Path) -> usize {
    ["new", "cur"].iter().map(|d| std::fs::read_dir(maildir.join(d)).map_or(0, Iterator::count)).sum()
}

async fn setup(store: &Store, recipients: usize) -> anyhow::Result<i64> {
    use crate::reports::{TERRITORY, cell, collection, square};
    use maillage_core::place::{AreaKind, parse_geojson};
    let by = Author::system();
    let org = store
        .create_organisation(
            &by,
            &OrganisationInput { code: "astreinte".into(), name: "Astreinte".into(), kind: "city_service".into(), ..Default::default() },
        )
        .await?;
    store.add_areas(&by, AreaKind::Territory, None, false, &parse_geojson(&collection(&[square("Commune", TERRITORY)]))?).await?;
    let district =
        store.add_areas(&by, AreaKind::District, None, false, &parse_geojson(&collection(&[square("Quartier", cell(0))]))?).await?[0];
    let hash = maillage_core::account::password::hash(PASSWORD)?;
    let user = |email: String, role| NewUser {
        email,
        display_name: "Banc d'essai".into(),
        organisation_id: Some(org),
        roles: vec![role],
        password_hash: hash.clone(),
    };
    store.create_user(&by, &user(COORDINATOR.into(), maillage_core::authz::Role::Coordinator)).await?;
    for i in 0..recipients {
        let id = store.create_user(&by, &user(format!("astreinte-{i}@bench.example"), maillage_core::authz::Role::Partner)).await?;
        let line = OnCall {
            user_id: id,
            kinds: vec![],
            district_id: None,
            days: ALL_DAYS,
            starts: time::Time::MIDNIGHT,
            ends: time::Time::MIDNIGHT,
            level: 1,
            phone: format!("+3363998{:04}", i % 10_000),
        };
        store.add_on_call(&by, &line).await?;
    }
    Ok(district)
}

pub async fn run(args: &[String]) -> anyhow::Result<()> {
    let bin = args.first().cloned().unwrap_or_else(|| "target/release/maillage".into());
    let recipients: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(1_000);
    let db = crate::Scratch::new("alerts", args.get(2).map(String::as_str)).await?;
    println!("maillage-bench alerts — {}, one alert to {recipients} recipients on call, by e-mail and SMS gateway", db.backend);
    let store = Store::connect(&db.url).await?;
    let district = setup(&store, recipients).await?;
    db.settle().await?;
    let maildir = db.data.join("maildir");
    let (mut smtp, smtp_port) = smtp_server(&maildir)?;
    let gw = gateway().await?;
    let smtp_url = format!("smtp://127.0.0.1:{smtp_port}");
    let env: [(&str, &std::ffi::OsStr); 3] = [
        ("MAILLAGE_SMTP_URL", smtp_url.as_ref()),
        ("MAILLAGE_SMS_GATEWAY_URL", gw.url.as_ref()),
        ("MAILLAGE_SMS_GATEWAY_SECRET", SECRET.as_ref()),
    ];
    let (mut child, base) = db.serve(&bin, &env)?;
    let outcome = measure(&base, district, recipients, &maildir, &gw, smtp_port).await;
    crate::stop(&mut child);
    if let Err(e) = smtp.kill().and_then(|()| smtp.wait().map(drop)) {
        eprintln!("arrêt du serveur SMTP : {e}");
    }
    store.close().await;
    db.remove().await?;
    outcome
}

async fn measure(
    base: &str,
    district: i64,
    recipients: usize,
    maildir: &std::path::Path,
    gw: &Gateway,
    smtp_port: u16,
) -> anyhow::Result<()> {
    let client = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
    let r = client.post(format!("{base}/connexion")).form(&[("email", COORDINATOR), ("password", PASSWORD)]).send().await?;
    if r.status() != 303 {
        bail!("connexion refusée ({})", r.status());
    }
    let started = Instant::now();
    let r = client
        .post(format!("{base}/api/v1/alertes"))
        .json(&serde_json::json!({ "kind": "rixe", "place": "Parvis de la gare", "district_id": district, "estimated_count": 20 }))
        .send()
        .await?;
    if r.status() != 201 {
        bail!("alerte refusée ({}) : {}", r.status(), r.text().await.unwrap_or_default());
    }
    let raised = started.elapsed();
    let (mut last_mail, deadline) = (None, Instant::now() + Duration::from_secs(600));
    while last_mail.is_none() || gw.received.load(Ordering::SeqCst) < recipients {
        if last_mail.is_none() && received_mail(maildir) >= recipients {
            last_mail = Some(started.elapsed());
        }
        if Instant::now() > deadline {
            bail!(
                "après 10 minutes : {} courriels, {} SMS reçus sur {recipients}",
                received_mail(maildir),
                gw.received.load(Ordering::SeqCst)
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let last_sms = gw.last.lock().ok().and_then(|l| *l).map(|t| t - started).unwrap_or_default();
    let last_mail = last_mail.unwrap_or_default();

    // The baseline: the same sends, bare.
    let bare_mail = {
        use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1").port(smtp_port).build();
        let t = Instant::now();
        for chunk in (0..recipients).collect::<Vec<_>>().chunks(8) {
            let mut sends = tokio::task::JoinSet::new();
            for i in chunk {
                let m = Message::builder()
                    .from("Maillage <banc@bench.example>".parse()?)
                    .to(format!("astreinte-{i}@bench.example").parse()?)
                    .subject("Alerte CLSPD : Rixe entre groupes de jeunes (Quartier)")
                    .body(format!(
                        "Alerte du CLSPD : Rixe entre groupes de jeunes\nLieu : Parvis de la gare\n{base}/alertes/accuse/{i:048}\n"
                    ))?;
                let transport = transport.clone();
                sends.spawn(async move { transport.send(m).await.map(drop) });
            }
            while let Some(done) = sends.join_next().await {
                done??;
            }
        }
        t.elapsed()
    };
    let bare_sms = {
        let c = reqwest::Client::new();
        let t = Instant::now();
        for chunk in (0..recipients).collect::<Vec<_>>().chunks(16) {
            let mut posts = tokio::task::JoinSet::new();
            for i in chunk {
                let (c, url) = (c.clone(), gw.url.clone());
                let body = serde_json::json!({ "alerte": 1, "envoi": i, "niveau": 1, "destinataire": format!("+3363998{:04}", i % 10_000),
                    "message": format!("Alerte CLSPD : Rixe, Quartier, Parvis de la gare. Confirmez : {base}/alertes/accuse/{i:048}") })
                .to_string();
                posts.spawn(async move {
                    let ts = time::OffsetDateTime::now_utc().unix_timestamp();
                    let sig = maillage_app::alert::signature(SECRET, ts, body.as_bytes());
                    c.post(url)
                        .header("content-type", "application/json")
                        .header("x-maillage-timestamp", ts.to_string())
                        .header("x-maillage-signature", format!("sha256={sig}"))
                        .body(body)
                        .send()
                        .await
                        .map(drop)
                });
            }
            while let Some(done) = posts.join_next().await {
                done??;
            }
        }
        t.elapsed()
    };
    println!("alert raised through the API: {:.1} ms (answer to the field worker)", ms(raised));
    println!(
        "e-mail: last of {recipients} received {:.0} ms after the request | bare loop of the same sends {:.0} ms | ratio {:.2}",
        ms(last_mail),
        ms(bare_mail),
        ms(last_mail) / ms(bare_mail).max(f64::EPSILON)
    );
    println!(
        "SMS gateway: last of {recipients} received {:.0} ms after the request | bare loop of the same posts (16 at a time) {:.0} ms | ratio {:.2}",
        ms(last_sms),
        ms(bare_sms),
        ms(last_sms) / ms(bare_sms).max(f64::EPSILON)
    );
    Ok(())
}
