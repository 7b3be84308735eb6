//! The rapid alert's use cases: raise (checked, located, fanned out to the on-call lines that
//! cover it, by e-mail through the outbox and by SMS through the gateway), acknowledge (a link's
//! token or a click), escalate what nobody of an organisation acknowledged, send the SMS with
//! retries, close with a debrief. Messages carry no facts, only the kind, the place, the time
//! and the links: the facts are read on the page, behind the link.

use crate::App;
use hmac::{KeyInit, Mac};
use maillage_core::alert::{self as rules, AlertDraft, Debrief, Fault, KINDS, LINK_HOURS, OnCall, label};
use maillage_core::organisation::api_key;
use maillage_core::place::Coordinates;
use maillage_core::time_fmt;
use maillage_store::alert::{Acknowledged, DueSms, NewAlert, NewDelivery, OnCallEntry, TokenDelivery};
use maillage_store::mail::OutgoingMail;
use maillage_store::{Author, StoreError};
use std::time::Duration;
use time::OffsetDateTime;

/// The SMS gateway: an HTTP endpoint that takes a JSON message, signed with a shared secret
/// (HMAC-SHA256 of `timestamp.body`, hex, in `X-Maillage-Signature: sha256=…`).
#[derive(Clone, Debug)]
pub struct SmsGateway {
    pub url: String,
    pub secret: String,
}

#[derive(Clone, Debug)]
pub struct AlertConfig {
    /// Minutes without an acknowledgement of an organisation before its next level gets the alert.
    pub escalation_minutes: i64,
    pub sms: Option<SmsGateway>,
}

impl Default for AlertConfig {
    fn default() -> Self {
        AlertConfig { escalation_minutes: 10, sms: None }
    }
}

/// Attempts at the gateway before an SMS is given up (the delay doubles from 30 s: about 16
/// minutes in all); the escalation does not wait for them.
pub const SMS_ATTEMPTS: i64 = 6;

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("alerte refusée")]
    Invalid(Vec<Fault>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether an account holding `roles` may receive alerts: whoever may follow one it receives.
fn may_receive(user_id: i64, roles: &[maillage_core::authz::Role]) -> bool {
    let actor = maillage_core::authz::Actor { user_id, organisation_id: None, roles: roles.to_vec() };
    maillage_core::authz::authorize(Some(&actor), maillage_core::authz::Action::FollowAlert { concerned: true })
        == maillage_core::authz::Decision::Allow
}

/// The recipient lines of one chain (an organisation's), at the lowest level at or above
/// `from` where one covers the alert: one line a person (the one with a mobile first), none for
/// those `already` sent to, none for an account that may no longer follow alerts.
fn lowest_covering<'a>(
    lines: &'a [OnCallEntry],
    chain: i64,
    from: i64,
    kind: &str,
    district: Option<i64>,
    local: time::PrimitiveDateTime,
    already: &[i64],
) -> Vec<&'a OnCallEntry> {
    let covering: Vec<&OnCallEntry> = lines
        .iter()
        .filter(|l| {
            l.chain == chain
                && l.entry.level >= from
                && l.entry.covers(kind, district, local)
                && !already.contains(&l.entry.user_id)
                && may_receive(l.entry.user_id, &l.roles)
        })
        .collect();
    let Some(level) = covering.iter().map(|l| l.entry.level).min() else {
        return Vec::new();
    };
    let mut chosen: Vec<&OnCallEntry> = covering.into_iter().filter(|l| l.entry.level == level).collect();
    chosen.sort_by_key(|l| (l.entry.user_id, l.entry.phone.is_empty()));
    chosen.dedup_by_key(|l| l.entry.user_id);
    chosen
}

fn paris_local(t: OffsetDateTime) -> time::PrimitiveDateTime {
    let local = t.to_offset(time_fmt::paris_offset(t));
    time::PrimitiveDateTime::new(local.date(), local.time())
}

/// What tells a recipient: a token of its own (only its hash is kept), its link in the e-mail
/// and the SMS's text.
fn delivery(app: &App, a: &NewAlert, district: &str, alert_id: Option<i64>, line: &OnCallEntry, now: OffsetDateTime) -> NewDelivery {
    let token = api_key::random_hex(24);
    let link = format!("{}/alertes/accuse/{token}", app.public_url);
    let what = label(KINDS, &a.kind);
    let when = time_fmt::datetime_fr(a.occurred_at);
    let count = a.estimated_count.map(|n| format!("\nNombre estimé : {n}")).unwrap_or_default();
    let page = alert_id.map(|id| format!("\nL'alerte, ses faits et son fil : {}/alertes/{id}", app.public_url)).unwrap_or_default();
    let body = format!(
        "Alerte du CLSPD : {what}\nQuartier : {district}\nLieu : {}\nHeure des faits : {when}{count}\n\n\
         Confirmez que vous l'avez reçue (un clic, sans connexion) :\n{link}\n\
         Sans réponse de votre service dans le délai prévu, l'astreinte suivante est prévenue.{page}\n",
        a.place
    );
    let sms = format!("Alerte CLSPD : {what}, {district}, {}, {when}. Confirmez : {link}", a.place);
    NewDelivery {
        user_id: line.entry.user_id,
        chain: line.chain,
        level: line.entry.level,
        phone: line.entry.phone.clone(),
        token_hash: api_key::hash(&token),
        expires_at: now + time::Duration::hours(LINK_HOURS),
        mail: OutgoingMail { recipient: line.email.clone(), subject: format!("Alerte CLSPD : {what} ({district})"), body, report_id: None },
        sms_body: sms,
    }
}

fn district_name(app: &App, id: Option<i64>) -> String {
    id.and_then(|id| app.places().districts.iter().find(|d| d.0 == id).map(|d| d.1.clone())).unwrap_or_else(|| "hors quartier".into())
}

/// Every fault of a draft raised at `now` (the rules, the district, the point inside the
/// territory), and the district it lies in.
pub fn check(app: &App, d: &AlertDraft, now: OffsetDateTime) -> (Vec<Fault>, Option<i64>) {
    let mut faults = rules::check(d, now);
    let places = app.places();
    let mut district_id = d.district_id;
    if let Some(id) = district_id
        && !places.districts.iter().any(|x| x.0 == id)
    {
        faults.push(("district", "Ce quartier n'existe pas : choisissez-le dans la liste.".into()));
    }
    if let Some((lat, lon)) = d.point {
        match places.locate(Coordinates { lat, lon }) {
            Ok(l) => district_id = l.district_id.or(district_id),
            Err(_) => faults.push(("point", "Ce point est hors du territoire de la commune.".into())),
        }
    }
    (faults, district_id)
}

/// Checks, locates and records an alert raised by `raiser` for `organisation_id`, and sends it
/// to the first level of every organisation whose on-call lines cover it now.
pub async fn raise(app: &App, by: &Author, raiser: Option<i64>, organisation_id: Option<i64>, d: &AlertDraft) -> Result<i64, AlertError> {
    let now = time_fmt::now();
    let (faults, district_id) = check(app, d, now);
    let Some(occurred_at) = d.occurred_at.filter(|_| faults.is_empty()) else {
        return Err(AlertError::Invalid(faults));
    };
    let alert = NewAlert {
        kind: d.kind.clone(),
        district_id,
        point: d.point,
        place: d.place.trim().to_string(),
        occurred_at,
        estimated_count: d.estimated_count,
        facts: d.facts.trim().to_string(),
        raised_by: raiser,
        organisation_id,
    };
    let lines = app.store.on_call_entries().await?;
    let local = paris_local(now);
    let mut chains: Vec<i64> = lines.iter().map(|l| l.chain).collect();
    chains.sort_unstable();
    chains.dedup();
    let district = district_name(app, district_id);
    // The alert's number is not known before it is written: the first messages link the
    // acknowledgement only, and the page is reached from there.
    let deliveries: Vec<NewDelivery> = chains
        .into_iter()
        .flat_map(|chain| lowest_covering(&lines, chain, 1, &alert.kind, district_id, local, &[]))
        .map(|line| delivery(app, &alert, &district, None, line, now))
        .collect();
    let id = app.store.raise_alert(by, &alert, &deliveries).await?;
    app.wake.both();
    Ok(id)
}

/// Escalates, at `now`, every open alert's chains that nobody acknowledged within the delay;
/// gives how many recipients were sent to.
pub async fn escalate_due(app: &App, now: OffsetDateTime) -> Result<usize, StoreError> {
    let deliveries = app.store.open_alert_deliveries().await?;
    let mut alert_ids: Vec<i64> = deliveries.iter().map(|d| d.alert_id).collect();
    alert_ids.dedup();
    if alert_ids.is_empty() {
        return Ok(0);
    }
    let lines = app.store.on_call_entries().await?;
    let local = paris_local(now);
    let delay = time::Duration::minutes(app.alert.escalation_minutes);
    let mut sent = 0;
    for alert_id in alert_ids {
        let of: Vec<rules::Sent> = deliveries
            .iter()
            .filter(|d| d.alert_id == alert_id)
            .map(|d| rules::Sent { chain: d.chain, level: d.level, sent_at: d.sent_at, acknowledged: d.acknowledged_at.is_some() })
            .collect();
        let due = rules::escalations(&of, now, delay);
        if due.is_empty() {
            continue;
        }
        let Some(a) = app.store.alert(alert_id).await? else { continue };
        let new = NewAlert {
            kind: a.kind.clone(),
            district_id: a.district_id,
            point: a.point,
            place: a.place.clone(),
            occurred_at: a.occurred_at,
            estimated_count: a.estimated_count,
            facts: String::new(),
            raised_by: a.raised_by,
            organisation_id: a.organisation_id,
        };
        let district = district_name(app, a.district_id);
        let already: Vec<i64> = deliveries.iter().filter(|d| d.alert_id == alert_id).filter_map(|d| d.user_id).collect();
        for (chain, level) in due {
            let next: Vec<NewDelivery> = lowest_covering(&lines, chain, level, &a.kind, a.district_id, local, &already)
                .into_iter()
                .map(|line| delivery(app, &new, &district, Some(alert_id), line, now))
                .collect();
            sent += next.len();
            let organisation = app
                .catalog()
                .await?
                .organisations
                .iter()
                .find(|o| o.id == chain)
                .map_or_else(|| "les comptes sans organisation".to_string(), |o| o.name.clone());
            app.store.escalate_alert(alert_id, &organisation, &next).await?;
            if !next.is_empty() {
                app.wake.both();
            }
        }
    }
    Ok(sent)
}

/// The delivery of a well-formed token: 48 hexadecimal digits; anything else is no token and
/// is not looked up.
async fn by_token(app: &App, token: &str) -> Result<Option<TokenDelivery>, StoreError> {
    if token.len() != 48 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    app.store.delivery_by_token(&api_key::hash(&token.to_ascii_lowercase())).await
}

fn link_state(d: Option<&TokenDelivery>, now: OffsetDateTime) -> Acknowledged {
    match d {
        None => Acknowledged::Unknown,
        Some(d) => match d.acknowledged_at {
            Some(at) => Acknowledged::Already { alert_id: d.alert_id, at },
            None if d.expires_at <= now => Acknowledged::Expired { alert_id: d.alert_id },
            None => Acknowledged::Done { alert_id: d.alert_id },
        },
    }
}

/// The alert a link may show: while the link has not expired.
async fn shown(app: &App, d: Option<&TokenDelivery>, now: OffsetDateTime) -> Result<Option<maillage_store::alert::Alert>, StoreError> {
    match d {
        Some(d) if d.expires_at > now => app.store.alert(d.alert_id).await,
        _ => Ok(None),
    }
}

/// What acknowledging through this link would do at `now`, without doing it (`Done`: it can),
/// and the alert it may show: one look-up for the link's page.
pub async fn open_link(
    app: &App,
    token: &str,
    now: OffsetDateTime,
) -> Result<(Acknowledged, Option<maillage_store::alert::Alert>), StoreError> {
    let d = by_token(app, token).await?;
    Ok((link_state(d.as_ref(), now), shown(app, d.as_ref(), now).await?))
}

/// Acknowledges through a link's token: once, before it expires; with the alert it may show.
pub async fn acknowledge_link(
    app: &App,
    token: &str,
    now: OffsetDateTime,
) -> Result<(Acknowledged, Option<maillage_store::alert::Alert>), StoreError> {
    let d = by_token(app, token).await?;
    let alert = shown(app, d.as_ref(), now).await?;
    let outcome = match (link_state(d.as_ref(), now), d) {
        (Acknowledged::Done { alert_id }, Some(d)) => {
            app.store.acknowledge(d.id, alert_id, &Author { user_id: None, label: format!("{} (lien)", d.email) }, now).await?
        }
        (other, _) => other,
    };
    Ok((outcome, alert))
}

/// Closes an alert with its debrief, once.
pub async fn close(app: &App, by: &Author, alert_id: i64, d: &Debrief) -> Result<(), AlertError> {
    let mut faults = rules::check_debrief(d);
    if let Some(g) = d.working_group_id
        && app.store.group(g).await?.is_none()
    {
        faults.push(("working_group_id", "Ce groupe de travail n'existe pas : choisissez-le dans la liste.".into()));
    }
    if !faults.is_empty() {
        return Err(AlertError::Invalid(faults));
    }
    Ok(app.store.close_alert(by, alert_id, d).await?)
}

/// Adds an on-call line, checked.
pub async fn add_on_call(app: &App, by: &Author, o: &OnCall) -> Result<i64, AlertError> {
    let mut faults = rules::check_on_call(o);
    if let Some(id) = o.district_id
        && !app.places().districts.iter().any(|x| x.0 == id)
    {
        faults.push(("district", "Ce quartier n'existe pas : choisissez-le dans la liste.".into()));
    }
    match app.store.user(o.user_id).await? {
        Some(u) if !u.disabled && may_receive(u.id, &u.roles) => {}
        Some(u) if !u.disabled => {
            faults
                .push(("user", "Ce compte ne peut pas recevoir d'alertes : seuls la coordination et les partenaires les suivent.".into()));
        }
        _ => faults.push(("user", "Choisissez un compte actif dans la liste.".into())),
    }
    if !faults.is_empty() {
        return Err(AlertError::Invalid(faults));
    }
    Ok(app.store.add_on_call(by, o).await?)
}

/// Signs a gateway request: HMAC-SHA256 of `timestamp.body` under the shared secret, in hex.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// Posts one SMS to the gateway; `Err` says why it did not take it.
async fn post_sms(client: &reqwest::Client, gateway: &SmsGateway, sms: &DueSms, now: OffsetDateTime) -> Result<(), String> {
    let body = serde_json::json!({
        "alerte": sms.alert_id,
        "envoi": sms.delivery_id,
        "niveau": sms.level,
        "destinataire": sms.phone,
        "message": sms.body,
    })
    .to_string();
    let timestamp = now.unix_timestamp();
    let response = client
        .post(&gateway.url)
        .header("content-type", "application/json")
        .header("x-maillage-timestamp", timestamp.to_string())
        .header("x-maillage-signature", format!("sha256={}", signature(&gateway.secret, timestamp, body.as_bytes())))
        .body(body)
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() { "la passerelle n'a pas répondu à temps".to_string() } else { "passerelle injoignable".to_string() }
        })?;
    if response.status().is_success() { Ok(()) } else { Err(format!("la passerelle a répondu {}", response.status().as_u16())) }
}

/// Whether a gateway address may be used: `https://`, or `http://` on this machine only (the
/// message carries an acknowledgement link, which must not cross a network in clear).
pub fn gateway_url_ok(url: &str) -> bool {
    match reqwest::Url::parse(url) {
        Ok(u) => match u.scheme() {
            "https" => u.host().is_some(),
            "http" => matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")),
            _ => false,
        },
        Err(_) => false,
    }
}

/// The gateway's client: short timeouts, an alert does not wait.
pub fn sms_client() -> Result<reqwest::Client, reqwest::Error> {
    crate::report::address::install_tls_provider();
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Maillage/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// SMS posted to the gateway at once: an alert reaches its recipients together, not one after
/// the other behind a slow answer.
const SMS_IN_FLIGHT: usize = 16;

/// Sends the SMS due at `now`, [`SMS_IN_FLIGHT`] at a time; a failure is retried with a
/// doubling delay, then given up. Gives how many the gateway took.
pub async fn send_sms_due(app: &App, client: &reqwest::Client, gateway: &SmsGateway, now: OffsetDateTime) -> Result<usize, StoreError> {
    let mut taken = 0;
    // Each round takes what is due and sets it forward or done; bounded all the same.
    for _ in 0..50 {
        let due = app.store.due_sms(now, 200).await?;
        if due.is_empty() {
            break;
        }
        for batch in due.chunks(SMS_IN_FLIGHT) {
            let mut posts = tokio::task::JoinSet::new();
            for sms in batch {
                let (client, gateway, sms) = (client.clone(), gateway.clone(), sms.clone());
                posts.spawn(async move {
                    let outcome = post_sms(&client, &gateway, &sms, now).await;
                    (sms, outcome)
                });
            }
            while let Some(done) = posts.join_next().await {
                let Ok((sms, outcome)) = done else { continue };
                let retry_at = (sms.attempts + 1 < SMS_ATTEMPTS).then(|| now + time::Duration::seconds(30 << sms.attempts.clamp(0, 10)));
                match &outcome {
                    Ok(()) => taken += 1,
                    Err(e) => tracing::warn!(alert = sms.alert_id, delivery = sms.delivery_id, error = %e, "SMS not taken by the gateway"),
                }
                app.store.record_sms(&sms, outcome.as_ref().map(|_| ()).map_err(String::as_str), retry_at, now).await?;
            }
        }
    }
    Ok(taken)
}

#[cfg(test)]
mod tests {
    #[test]
    fn gateways_are_https_or_on_this_machine() {
        assert!(super::gateway_url_ok("https://sms.example.fr/envoi"));
        assert!(super::gateway_url_ok("http://127.0.0.1:9000/sms"));
        assert!(!super::gateway_url_ok("http://sms.example.fr/envoi"));
        assert!(!super::gateway_url_ok("ftp://127.0.0.1/"));
        assert!(!super::gateway_url_ok("pas une adresse"));
    }

    #[test]
    fn signatures_follow_the_documented_recipe() {
        // HMAC-SHA256 of "1700000000.{}" under "secret", as Python's hmac module gives it.
        let s = super::signature("secret", 1_700_000_000, b"{}");
        assert_eq!(s, "b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163");
        assert_ne!(s, super::signature("secret", 1_700_000_001, b"{}"));
        assert_ne!(s, super::signature("autre", 1_700_000_000, b"{}"));
    }
}
