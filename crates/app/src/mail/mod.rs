//! Delivers the outbox by SMTP (lettre). Runs as a background task of `serve`; each pass sends
//! what is due and records failures for a later retry. Mail never carries photos or internal
//! comments: the messages are written by `crate::report` from shared fields only.

pub mod digest;

use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};
use maillage_store::Store;
use std::time::Duration;

/// A queued message as sent: its text, and its iCalendar object beside it when it has one
/// (iMIP, RFC 6047: `text/calendar` with the object's METHOD, so that a calendar applies an
/// invitation, an update or a cancellation).
fn message(from: Mailbox, to: Mailbox, m: &maillage_store::mail::QueuedMail) -> Result<Message, lettre::error::Error> {
    let builder = Message::builder().from(from).to(to).subject(m.subject.clone());
    let Some(ics) = &m.calendar else {
        return builder.header(ContentType::TEXT_PLAIN).body(m.body.clone());
    };
    let method = if ics.contains("\r\nMETHOD:CANCEL\r\n") { "CANCEL" } else { "REQUEST" };
    let calendar = ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}")).unwrap_or(ContentType::TEXT_PLAIN);
    builder.multipart(
        MultiPart::mixed()
            .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(m.body.clone()))
            .singlepart(Attachment::new("invitation.ics".into()).body(ics.clone(), calendar)),
    )
}

#[derive(Clone, Debug)]
pub struct MailConfig {
    /// `smtp://[user:password@]host[:port]`: a relay on the server or the local network (port 25
    /// by default). TLS to a remote provider goes through such a relay (see the README).
    pub smtp_url: String,
    pub from: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("adresse du serveur SMTP invalide : {0}")]
    Url(String),
    #[error("adresse d'expédition invalide : {0}")]
    From(String),
}

type Credentials = Option<(String, String)>;

/// `smtp://[user:password@]host[:port]` → (credentials, host, port).
pub fn parse_smtp_url(url: &str) -> Option<(Credentials, String, u16)> {
    let rest = url.strip_prefix("smtp://")?;
    let (creds, hostport) = match rest.rsplit_once('@') {
        Some((c, h)) => {
            let (u, p) = c.split_once(':')?;
            let decode = |s: &str| form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned());
            (Some((decode(u)?, decode(p)?)), h)
        }
        None => (None, rest),
    };
    let hostport = hostport.trim_end_matches('/');
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().ok()?),
        None => (hostport, 25),
    };
    if host.is_empty() {
        return None;
    }
    Some((creds, host.to_string(), port))
}

/// Messages one pass of the outbox takes.
const PASS: usize = 50;
/// A message and what its sending gave.
type Sent = (maillage_store::mail::QueuedMail, Result<(), String>);

/// Messages sent at once (the transport pools its connections, ten at most).
const IN_FLIGHT: usize = 8;

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(c: &MailConfig) -> Result<Mailer, MailError> {
        let (credentials, host, port) = parse_smtp_url(&c.smtp_url).ok_or_else(|| MailError::Url(maillage_store::mask_url(&c.smtp_url)))?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(port).timeout(Some(Duration::from_secs(20)));
        if let Some((user, password)) = credentials {
            builder = builder.credentials(lettre::transport::smtp::authentication::Credentials::new(user, password));
        }
        let transport = builder.build();
        let from: Mailbox = c.from.parse().map_err(|e: lettre::address::AddressError| MailError::From(e.to_string()))?;
        Ok(Mailer { transport, from })
    }

    /// Sends what is due; returns how many went out.
    pub async fn send_due(&self, store: &Store) -> Result<usize, maillage_store::StoreError> {
        let mut sent = 0;
        // Several messages at once over the transport's pooled connections: an alert's
        // thousand messages do not queue behind one another's round trips.
        let mut sends = tokio::task::JoinSet::new();
        for m in store.due_mail(PASS as i64).await? {
            let (transport, from) = (self.transport.clone(), self.from.clone());
            sends.spawn(async move {
                let outcome = match m.recipient.parse::<Mailbox>() {
                    Err(e) => Err(format!("destinataire invalide : {e}")),
                    Ok(to) => match message(from, to, &m) {
                        Err(e) => Err(e.to_string()),
                        Ok(msg) => transport.send(msg).await.map(|_| ()).map_err(|e| e.to_string()),
                    },
                };
                (m, outcome)
            });
            if sends.len() >= IN_FLIGHT {
                sent += Self::record(store, sends.join_next().await).await?;
            }
        }
        while let Some(done) = sends.join_next().await {
            sent += Self::record(store, Some(done)).await?;
        }
        Ok(sent)
    }

    /// Records one send's outcome; gives 1 if it went.
    async fn record(store: &Store, done: Option<Result<Sent, tokio::task::JoinError>>) -> Result<usize, maillage_store::StoreError> {
        let Some(Ok((m, outcome))) = done else { return Ok(0) };
        match outcome {
            Ok(()) => {
                store.mark_mail_sent(m.id).await?;
                Ok(1)
            }
            Err(e) => {
                tracing::warn!(mail = m.id, error = %e, "mail not sent, will retry");
                store.mark_mail_failed(m.id, m.attempts, &e).await?;
                Ok(0)
            }
        }
    }

    /// Sends every `period`, or at once when `wake` says so (an alert), until the process ends;
    /// a full pass goes on at once (an alert to a thousand recipients does not wait twenty
    /// periods).
    pub async fn run(self, store: Store, period: Duration, wake: std::sync::Arc<crate::Wake>) {
        loop {
            match self.send_due(&store).await {
                Ok(n) if n >= PASS => continue,
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "outbox pass failed"),
            }
            tokio::select! {
                () = tokio::time::sleep(period) => {}
                () = wake.mail.notified() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_smtp_url;

    #[test]
    fn smtp_urls() {
        assert_eq!(parse_smtp_url("smtp://127.0.0.1:2525"), Some((None, "127.0.0.1".into(), 2525)));
        assert_eq!(parse_smtp_url("smtp://relay.local"), Some((None, "relay.local".into(), 25)));
        assert_eq!(
            parse_smtp_url("smtp://clspd:p%40ss@relay.local:587"),
            Some((Some(("clspd".into(), "p@ss".into())), "relay.local".into(), 587))
        );
        assert_eq!(parse_smtp_url("http://x"), None);
        assert_eq!(parse_smtp_url("smtp://host:abc"), None);
    }
}
