//! Where messages go: an SMTP relay, or `.eml` files in an outbox directory
//! when no relay is configured (so a local install shows its mail without any
//! setup).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;
use tokio::io::AsyncWriteExt;

use super::MailError;

const DEFAULT_PORT: u16 = 587;
const DEFAULT_TIMEOUT_SECS: u64 = 30;

/// SMTP relay settings, as read from the configuration file.
#[derive(Clone, Deserialize)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    #[serde(default)]
    pub tls: TlsMode,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// Per network operation (connect, each reply); 0 means the default, 30.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
}

fn default_port() -> u16 {
    DEFAULT_PORT
}

fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_SECS
}

// Written by hand so that the password never reaches a log line.
impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("timeout_secs", &self.timeout_secs)
            .finish()
    }
}

/// How the SMTP connection is secured.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain text: only for a relay on localhost or a trusted network.
    None,
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl TlsMode {
    fn as_str(self) -> &'static str {
        match self {
            TlsMode::None => "none",
            TlsMode::Starttls => "starttls",
            TlsMode::Tls => "tls",
        }
    }
}

/// A configured SMTP relay.
pub struct SmtpRelay {
    inner: AsyncSmtpTransport<Tokio1Executor>,
    host: String,
    port: u16,
    tls: TlsMode,
}

/// The way out for messages.
pub enum Transport {
    Smtp(Box<SmtpRelay>),
    /// `.eml` files in this directory.
    Files(PathBuf),
}

impl Transport {
    /// SMTP when `smtp` is given, otherwise files in `outbox_dir` (created
    /// now, so that a permission problem shows at start-up).
    pub fn new(smtp: Option<&SmtpConfig>, outbox_dir: PathBuf) -> Result<Self, MailError> {
        match smtp {
            Some(config) => Ok(Transport::Smtp(Box::new(SmtpRelay::new(config)?))),
            None => {
                std::fs::create_dir_all(&outbox_dir)?;
                Ok(Transport::Files(outbox_dir))
            }
        }
    }

    /// Sends (or writes) one message. Errors say whether a retry may help:
    /// see [`MailError::is_retryable`].
    pub async fn send(&self, message: &Message) -> Result<(), MailError> {
        match self {
            Transport::Smtp(relay) => relay.send(message).await,
            Transport::Files(dir) => write_eml(dir, message).await,
        }
    }

    /// For the start-up log line.
    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(relay) => format!(
                "SMTP {}:{} ({})",
                relay.host,
                relay.port,
                relay.tls.as_str()
            ),
            Transport::Files(dir) => format!("files in {}", dir.display()),
        }
    }
}

impl SmtpRelay {
    fn new(config: &SmtpConfig) -> Result<Self, MailError> {
        let host = config.host.trim().to_owned();
        if host.is_empty() {
            return Err(MailError::Build("SMTP host is empty".into()));
        }
        let tls = match config.tls {
            TlsMode::None => Tls::None,
            TlsMode::Starttls => Tls::Required(tls_parameters(&host)?),
            TlsMode::Tls => Tls::Wrapper(tls_parameters(&host)?),
        };
        let timeout = match config.timeout_secs {
            0 => DEFAULT_TIMEOUT_SECS,
            secs => secs,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.as_str())
            .port(config.port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(timeout)));
        match (&config.username, &config.password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
            }
            (None, None) => {}
            // Half a login would fail on every message: refuse it up front.
            _ => {
                return Err(MailError::Build(
                    "SMTP username and password must be given together".into(),
                ));
            }
        }
        Ok(SmtpRelay {
            inner: builder.build(),
            host,
            port: config.port,
            tls: config.tls,
        })
    }

    async fn send(&self, message: &Message) -> Result<(), MailError> {
        self.inner
            .send_raw(message.envelope(), &message.formatted())
            .await
            .map(|_| ())
            .map_err(classify)
    }
}

fn tls_parameters(host: &str) -> Result<TlsParameters, MailError> {
    TlsParameters::new(host.to_owned()).map_err(|e| MailError::Build(format!("TLS setup: {e}")))
}

/// 5xx replies and client-side errors (a request the server can never
/// accept) are permanent; everything else — 4xx replies, refused or dropped
/// connections, timeouts, TLS handshakes that failed — may pass later. TLS
/// failures count as transient so that mail waits while a certificate or
/// setting is fixed instead of being dropped.
fn classify(e: lettre::transport::smtp::Error) -> MailError {
    if e.is_permanent() || e.is_client() {
        MailError::Permanent(e.to_string())
    } else {
        MailError::Transient(e.to_string())
    }
}

/// Serialises writers of the file outbox so that the "already written?"
/// check and the write happen as one step within the process.
static OUTBOX_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
/// Makes temporary file names unique within the process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `<dir>/<unix-millis>-<message id>.eml` through a temporary file and
/// a rename, so a reader never sees half a message. A message whose ID is
/// already in the outbox is not written again (a retried send).
async fn write_eml(dir: &Path, message: &Message) -> Result<(), MailError> {
    let _guard = OUTBOX_LOCK.lock().await;
    tokio::fs::create_dir_all(dir).await?;

    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    let key = match message.headers().get_raw("Message-ID") {
        Some(id) => file_key(id),
        // No ID, nothing to deduplicate on: make the name unique instead.
        None => format!("no-id-{}", TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)),
    };
    if let Some(existing) = find_existing(dir, &key).await? {
        tracing::debug!(file = %existing.display(), "message already in the outbox, not written again");
        return Ok(());
    }

    let final_path = dir.join(format!("{millis}-{key}.eml"));
    let temp_path = dir.join(format!(
        ".{key}.{}.{}.tmp",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = async {
        let mut file = tokio::fs::File::create(&temp_path).await?;
        file.write_all(&message.formatted()).await?;
        file.sync_all().await?;
        drop(file);
        tokio::fs::rename(&temp_path, &final_path).await
    }
    .await;
    if let Err(e) = result {
        // Best effort: a leftover temp file is harmless but untidy.
        let _ = tokio::fs::remove_file(&temp_path).await;
        return Err(e.into());
    }
    tracing::info!(file = %final_path.display(), "email written to the outbox");
    Ok(())
}

/// A file-name-safe, injective form of a Message-ID: angle brackets go,
/// letters, digits and `.`, `-`, `_`, `@` stay, every other byte becomes
/// `=XX`. Capped at 180 bytes to stay within file-name limits.
fn file_key(message_id: &str) -> String {
    let id = message_id.trim();
    let id = id
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .unwrap_or(id);
    let mut key = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'@') {
            key.push(char::from(b));
        } else {
            key.push_str(&format!("={b:02X}"));
        }
        if key.len() >= 180 {
            break;
        }
    }
    key
}

/// The outbox file already holding the message with this key, if any.
async fn find_existing(dir: &Path, key: &str) -> Result<Option<PathBuf>, MailError> {
    let suffix = format!("-{key}.eml");
    let mut entries = tokio::fs::read_dir(dir).await?;
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if let Some(prefix) = name.strip_suffix(&suffix)
            && !prefix.is_empty()
            && prefix.bytes().all(|b| b.is_ascii_digit())
        {
            return Ok(Some(entry.path()));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_key_is_safe_and_keeps_plain_ids() {
        assert_eq!(
            file_key("<outbox-42.abcd@frontdesk.local>"),
            "outbox-42.abcd@frontdesk.local"
        );
        assert_eq!(file_key("a/b c"), "a=2Fb=20c");
        assert_ne!(file_key("a/b"), file_key("a_b"));
    }

    #[test]
    fn describe_smtp_and_files() {
        let config = SmtpConfig {
            host: "smtp.example.com".into(),
            port: 587,
            tls: TlsMode::Starttls,
            username: Some("u".into()),
            password: Some("secret".into()),
            timeout_secs: 10,
        };
        let smtp = Transport::new(Some(&config), PathBuf::from("unused"));
        assert_eq!(
            smtp.map(|t| t.describe()).ok().as_deref(),
            Some("SMTP smtp.example.com:587 (starttls)")
        );
        assert!(!format!("{config:?}").contains("secret"));
    }

    #[test]
    fn half_credentials_are_refused() {
        let config = SmtpConfig {
            host: "smtp.example.com".into(),
            port: 465,
            tls: TlsMode::Tls,
            username: Some("u".into()),
            password: None,
            timeout_secs: 10,
        };
        assert!(matches!(
            Transport::new(Some(&config), PathBuf::from("unused")),
            Err(MailError::Build(_))
        ));
    }

    #[test]
    fn config_defaults_from_json() {
        let config: Result<SmtpConfig, _> = serde_json::from_str(r#"{"host":"mail.test"}"#);
        let config = config.ok();
        assert_eq!(
            config.as_ref().map(|c| (c.port, c.tls)),
            Some((587, TlsMode::Starttls))
        );
        let tls: Result<TlsMode, _> = serde_json::from_str(r#""tls""#);
        assert_eq!(tls.ok(), Some(TlsMode::Tls));
    }
}

#[cfg(test)]
mod file_tests {
    use super::*;
    use crate::mail::message::{Envelope, build_message};
    use crate::mail::notification::{Notification, render};

    fn message(id: &str) -> Message {
        let rendered = render(
            &Notification::PublicReply {
                number: 1001,
                summary: "Printer".into(),
                author: "Alex".into(),
                body: "<script>x</script>\nTry again.".into(),
                url: "https://help.example.test/r/1001".into(),
            },
            "fr",
            "Frontdesk",
        )
        .expect("renders");
        let env = Envelope {
            to: "dana@example.test",
            to_name: Some("Dana"),
            message_id: id,
            rendered: &rendered,
        };
        match build_message("Frontdesk <support@example.test>", &env) {
            Ok(m) => m,
            Err(e) => panic!("build failed: {e}"),
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    #[tokio::test]
    async fn writes_one_parseable_eml_per_message_id() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let outbox = tmp.path().join("data").join("outbox");
        let transport = Transport::new(None, outbox.clone()).expect("files transport");
        assert_eq!(
            transport.describe(),
            format!("files in {}", outbox.display())
        );

        let first = message("outbox-42.abcd@frontdesk.local");
        transport.send(&first).await.expect("first write");
        transport
            .send(&first)
            .await
            .expect("second write is a no-op");
        let files = names(&outbox);
        assert_eq!(files.len(), 1, "{files:?}");
        let (millis, rest) = files[0].split_once('-').expect("millis prefix");
        assert!(millis.parse::<u128>().is_ok(), "{files:?}");
        assert_eq!(rest, "outbox-42.abcd@frontdesk.local.eml");

        let raw = std::fs::read_to_string(outbox.join(&files[0])).expect("read eml");
        assert_eq!(raw.as_bytes(), first.formatted().as_slice());
        let (headers, body) = raw.split_once("\r\n\r\n").expect("header/body split");
        assert!(headers.contains("Message-ID: <outbox-42.abcd@frontdesk.local>"));
        assert!(headers.contains("To: Dana <dana@example.test>"));
        assert!(headers.contains("Content-Type: multipart/alternative;"));
        assert!(body.contains("Content-Type: text/plain; charset=utf-8"));
        assert!(body.contains("Content-Type: text/html; charset=utf-8"));

        transport
            .send(&message("outbox-43.beef@frontdesk.local"))
            .await
            .expect("another message");
        let files = names(&outbox);
        assert_eq!(files.len(), 2, "{files:?}");
        assert!(
            files.iter().all(|f| f.ends_with(".eml")),
            "no temp file left: {files:?}"
        );
    }

    #[tokio::test]
    async fn recreates_a_removed_outbox() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let outbox = tmp.path().join("outbox");
        let transport = Transport::new(None, outbox.clone()).expect("files transport");
        std::fs::remove_dir(&outbox).expect("remove outbox");
        transport
            .send(&message("x@y"))
            .await
            .expect("write after removal");
        assert_eq!(names(&outbox).len(), 1);
    }
}
