//! `maillage-bench cases [PATH-TO-MAILLAGE] [SITUATIONS] [POSTGRES-ADMIN-URL]`: the working
//! groups at scale. It loads SITUATIONS situations (100 000 by default) with ten actions each
//! into one group, sealed with a fresh key file, starts `maillage serve` on them, logs a member
//! in with password and second factor, and prints:
//! - per page, under 16 concurrent clients on loopback, after a warm-up (and, on PostgreSQL, a
//!   vacuum of the load): p50 and p99 server round trip of the
//!   group's list and of a situation page (each read is written to the audit chain), and the
//!   same store calls without opening any sealed value, in the same run (the ratio is what
//!   sealing, rendering and logging cost);
//! - the keyed-hash look-up (hash and index), in process;
//! - a 100 000-word meeting document checked for the followed persons' names, in process;
//! - opening one sealed identity, in process;
//! - key rotation: values sealed again per second.
//!
//! A benchmark prints figures; it asserts nothing.

use crate::{CLIENTS, load, ms, percentile, row};
use anyhow::{Context, bail};
use maillage_app::keyring::Keyring;
use maillage_store::working_group::case::{BulkAction, BulkCase, identity_place};
use maillage_store::{Author, Store};
use std::time::Instant;

const REQUESTS: usize = 800;
const WARM_UP: usize = 20;
const SECRET: &str = "JBSWY3DPEHPK3PXPMFRGGZDFMZTWQ2LK";
const PASSWORD: &str = "Banc-Essai-Situations-2026!";
const MEMBER: &str = "membre@bench.example";

pub async fn run(args: &[String]) -> anyhow::Result<()> {
    let bin = args.first().cloned().unwrap_or_else(|| "target/release/maillage".into());
    let count: i64 = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(100_000);
    let db = crate::Scratch::new("cases", args.get(2).map(String::as_str)).await?;
    println!("maillage-bench cases — {}, {count} situations, {} actions, {CLIENTS} concurrent clients", db.backend, count * 10);
    let store = Store::connect(&db.url).await?;
    let key_file = db.data.join("maillage.key");
    Keyring::create(&key_file)?;
    let config = maillage_app::AppConfig {
        key_file: Some(key_file.clone()),
        data_dir: db.data.clone(),
        read_alert_threshold: 0,
        ..Default::default()
    };
    let app = maillage_app::App::new(store.clone(), &config).await?;
    let (group, member_id) = setup(&app, count).await?;
    db.settle().await?;
    let (mut child, base) =
        db.serve(&bin, &[("MAILLAGE_KEY_FILE", key_file.as_os_str()), ("MAILLAGE_CASE_READ_ALERT", std::ffi::OsStr::new("0"))])?;
    let outcome = measure(&app, group, member_id, count, &base, &key_file).await;
    crate::stop(&mut child);
    store.close().await;
    db.remove().await?;
    outcome
}

async fn setup(app: &maillage_app::App, count: i64) -> anyhow::Result<(i64, i64)> {
    use maillage_store::account::NewUser;
    use maillage_store::organisation::OrganisationInput;
    let by = Author::system();
    let s = &app.store;
    let org = s
        .create_organisation(
            &by,
            &OrganisationInput { code: "org".into(), name: "Institution".into(), kind: "education".into(), ..Default::default() },
        )
        .await?;
    let hash = maillage_core::account::password::hash(PASSWORD)?;
    let member = s
        .create_user(
            &by,
            &NewUser {
                email: MEMBER.into(),
                display_name: "Membre".into(),
                organisation_id: Some(org),
                roles: vec![maillage_core::authz::Role::Partner],
                password_hash: hash,
            },
        )
        .await?;
    maillage_app::account::second_factor::enrol_confirmed(app, &by, member, MEMBER, SECRET).await?;
    let group = s
        .create_group(
            &by,
            &maillage_store::working_group::NewGroup {
                kind: maillage_core::working_group::GroupKind::Cve,
                name: "CVE".into(),
                purpose: "Banc d'essai".into(),
                legal_basis: "L.132-5".into(),
                sheets: vec![],
                animator_id: None,
                charter: "Charte".into(),
            },
        )
        .await?;
    s.add_member(&by, group, member, "Membre").await?;
    s.record_signature(&by, group, 1, org, "Signataire", time::macros::date!(2026 - 01 - 01)).await?;
    s.accept_charter(&by, group, member, 1).await?;
    let ring = app.keyring.as_deref().context("clés")?;
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    let started = Instant::now();
    let batch = 2_000;
    let mut id = 0;
    while id < count {
        let mut cases = Vec::new();
        let mut actions = Vec::new();
        for _ in 0..batch.min(count - id) {
            id += 1;
            let birth = today - time::Duration::days(4_000 + id % 2_500);
            let identity = maillage_core::working_group::case::Identity {
                surname: format!("Nom{id}"),
                first_name: "Prénom".into(),
                sex: if id % 2 == 0 { "F" } else { "M" }.into(),
                birth_date: birth.to_string(),
                address: format!("{id} rue de l'Essai"),
                school_or_job: "college".into(),
                ..Default::default()
            };
            cases.push(BulkCase {
                id,
                group_id: group,
                identity: ring.seal(&serde_json::to_string(&identity)?, &identity_place(id)),
                lookup_hash: ring.lookup_hash(&maillage_core::working_group::lookup_text(group, &identity.surname, "Prénom", birth)),
                name_hashes: ring.lookup_hash(&maillage_core::working_group::name_text(group, &identity.surname, "Prénom")),
                opened_on: today - time::Duration::days(30),
                origin: "education".into(),
                programme: "cve".into(),
            });
            for k in 0..10 {
                actions.push(BulkAction {
                    case_id: id,
                    kind: "entretien".into(),
                    started_on: today - time::Duration::days(20 - k),
                    result: "en_cours".into(),
                });
            }
        }
        s.bulk_cases(&cases, &actions).await?;
    }
    println!("load: {count} situations and {} actions in {:.1} s", count * 10, started.elapsed().as_secs_f64());
    Ok((group, member))
}

/// The code the member's authenticator shows for the next time step (a step serves once).
fn totp_now() -> anyhow::Result<String> {
    let secret = totp_rs::Secret::try_from_base32(SECRET).map_err(|e| anyhow::anyhow!("secret : {e:?}"))?;
    let totp = totp_rs::Builder::new()
        .with_secret(secret)
        .with_account_name(MEMBER)
        .with_issuer(Some("Maillage"))
        .build()
        .map_err(|e| anyhow::anyhow!("totp : {e:?}"))?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    Ok(totp.generate(now + 30).to_string())
}

async fn measure(
    app: &maillage_app::App,
    group: i64,
    member: i64,
    count: i64,
    base: &str,
    key_file: &std::path::Path,
) -> anyhow::Result<()> {
    let client = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
    let r =
        client.post(format!("{base}/connexion")).form(&[("email", MEMBER), ("password", PASSWORD), ("suite", "/groupes")]).send().await?;
    if r.headers().get("location").and_then(|l| l.to_str().ok()) != Some("/connexion/code") {
        bail!("connexion du membre : {}", r.status());
    }
    let r = client.post(format!("{base}/connexion/code")).form(&[("code", totp_now()?)]).send().await?;
    if r.status() != 303 {
        bail!("code du membre refusé : {}", r.status());
    }
    println!("{:<44} {:>8} {:>8} {:>8} | {:>8} {:>8} | {:>6}", "page (ms)", "p50", "p99", "req/s", "base p50", "base p99", "ratio");
    let store = app.store.clone();
    let list_url = format!("{base}/groupes/{group}/situations");
    // Warm-up, not measured: the server opens its pool's connections and fills its caches.
    {
        let (c, u) = (client.clone(), list_url.clone());
        load(WARM_UP * CLIENTS, CLIENTS, move || {
            let (c, u) = (c.clone(), u.clone());
            async move {
                c.get(&u).send().await?.bytes().await?;
                Ok(())
            }
        })
        .await?;
    }
    let (lat, wall) = {
        let (c, u) = (client.clone(), list_url.clone());
        load(REQUESTS, CLIENTS, move || {
            let (c, u) = (c.clone(), u.clone());
            async move {
                let r = c.get(&u).send().await?;
                if r.status() != 200 {
                    bail!("{u} : {}", r.status());
                }
                r.bytes().await?;
                Ok(())
            }
        })
        .await?
    };
    let (blat, _) = {
        let s = store.clone();
        load(REQUESTS, CLIENTS, move || {
            let s = s.clone();
            async move {
                s.user(member).await?;
                s.standing(group, member).await?;
                s.cases(group, false, 50, 0).await?;
                s.case_counts(group).await?;
                Ok(())
            }
        })
        .await?
    };
    row("group's list (50 situations opened)", &lat, wall, &blat);
    let next = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(1));
    let (lat, wall) = {
        let (c, n) = (client.clone(), next.clone());
        let base = base.to_string();
        load(REQUESTS, CLIENTS, move || {
            let (c, n, base) = (c.clone(), n.clone(), base.clone());
            async move {
                let id = (n.fetch_add(7919, std::sync::atomic::Ordering::Relaxed) % count) + 1;
                let r = c.get(format!("{base}/groupes/{group}/situations/{id}")).send().await?;
                if r.status() != 200 {
                    bail!("situation {id} : {}", r.status());
                }
                r.bytes().await?;
                Ok(())
            }
        })
        .await?
    };
    let (blat, _) = {
        let (s, n) = (store.clone(), next.clone());
        load(REQUESTS, CLIENTS, move || {
            let (s, n) = (s.clone(), n.clone());
            async move {
                let id = (n.fetch_add(7919, std::sync::atomic::Ordering::Relaxed) % count) + 1;
                s.user(member).await?;
                s.standing(group, member).await?;
                s.case(group, id).await?;
                s.case_actions(id).await?;
                Ok(())
            }
        })
        .await?
    };
    row("situation page (10 actions, read logged)", &lat, wall, &blat);

    // The keyed-hash look-up, in process: hash, then the index.
    let today = maillage_core::time_fmt::paris_date(maillage_core::time_fmt::now());
    let mut lookups = Vec::new();
    for i in 0..500 {
        let id = (i * 97 % count) + 1;
        let t = Instant::now();
        let birth = today - time::Duration::days(4_000 + id % 2_500);
        let hash = maillage_app::working_group::lookup_hash(app, group, &format!("Nom{id}"), "Prénom", birth)?;
        let found = app.store.cases_by_lookup(group, &hash).await?;
        lookups.push(t.elapsed());
        if found != [id] {
            bail!("recherche de Nom{id} : {found:?}");
        }
    }
    lookups.sort();
    println!("keyed-hash look-up (in process): p50 {:.3} ms, p99 {:.3} ms", ms(percentile(&lookups, 0.5)), ms(percentile(&lookups, 0.99)));
    // A meeting's document checked for followed persons' names: a long one (about 200 pages),
    // read whole because none is there, then the same with a name in its last line; the
    // baseline is the same text cut into candidate names without hashing them.
    let paragraph = "Le comité de pilotage présente le bilan des actions de prévention menées dans les quartiers, \
                     avec les bailleurs, la police municipale et les associations, et propose les orientations de l'année. ";
    let words_per_paragraph = paragraph.split_whitespace().count();
    let document = paragraph.repeat(100_000 / words_per_paragraph);
    let words = document.split_whitespace().count();
    let named = format!("{document}\nPrésente : Prénom NOM{count}.");
    let t = Instant::now();
    let cut = maillage_core::working_group::name_candidates(&document, |_, _| false);
    let baseline = t.elapsed();
    for (what, text, expected) in [("no name in it", document.clone(), false), ("a name in its last line", named, true)] {
        let t = Instant::now();
        let found = maillage_app::working_group::names::names_a_followed_person(app, vec![text]).await?;
        let took = t.elapsed();
        if found != expected || cut {
            bail!("names check ({what}): {found}");
        }
        println!(
            "names check of a {words}-word document, {what} (in process): {:.0} ms; candidates alone {:.0} ms (×{:.1})",
            ms(took),
            ms(baseline),
            took.as_secs_f64() / baseline.as_secs_f64()
        );
    }
    let record = app.store.case(group, 1).await?.context("situation 1")?;
    let t = Instant::now();
    for _ in 0..1_000 {
        maillage_app::working_group::open_case(app, record.clone())?;
    }
    println!("opening one sealed identity (in process): {:.1} µs", t.elapsed().as_secs_f64() * 1e6 / 1_000.0);

    // Rotation: a new current key, every value sealed again.
    Keyring::add_key(key_file)?;
    let config = maillage_app::AppConfig { key_file: Some(key_file.to_path_buf()), read_alert_threshold: 0, ..Default::default() };
    let rotated = maillage_app::App::new(app.store.clone(), &config).await?;
    let t = Instant::now();
    let n = maillage_app::keyring::rotate(&rotated, &Author::system(), 1_000, &mut |_| {}).await?;
    let secs = t.elapsed().as_secs_f64();
    println!("key rotation: {n} values sealed again in {secs:.1} s ({:.0} values/s)", n as f64 / secs);
    Ok(())
}
