//! Configuration: defaults that just work, overridden by `frontdesk.toml`,
//! then by `FRONTDESK_*` environment variables and command-line options.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::help::bot::DEFAULT_THRESHOLD;

/// Settings that may each be given or not: the keys of `frontdesk.toml`
/// (each documented in the README), and the same values from the command
/// line and the environment.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub bind: Option<String>,
    pub data: Option<PathBuf>,
    pub kb: Option<PathBuf>,
    pub threshold: Option<f32>,
    pub watch: Option<bool>,
    /// With `--demo`: seed two weeks of activity for the reports (default true).
    pub demo_activity: Option<bool>,
    pub log: Option<String>,
    pub model_dir: Option<PathBuf>,
    pub embedding_cache: Option<PathBuf>,
    /// What runs the embedding model: `fastest` (the default) or `candle`.
    pub embedding_engine: Option<String>,
    /// The address users reach the server at (links in emails, secure cookies).
    pub public_url: Option<String>,
    /// Secret shared with host products for widget identity verification.
    pub widget_secret: Option<String>,
    /// Sender of notification emails, e.g. `Support <support@example.com>`.
    pub mail_from: Option<String>,
    /// SMTP server; without it emails are written to `<data>/outbox/`.
    pub smtp: Option<crate::mail::SmtpConfig>,
    /// Largest attachment, in MiB.
    pub attachment_max_mb: Option<u64>,
    /// Accepted attachment extensions.
    pub attachment_types: Option<Vec<String>>,
    /// Accept Windows installers (`.msi`) too; off unless set.
    pub attachment_allow_msi: Option<bool>,
    /// Response-time target per priority, e.g. `{ urgent = "1h", normal = "1bd" }`.
    pub response_targets: Option<TargetSettings>,
    /// When resolved tickets close: `end_of_month` or a delay such as `7d`.
    pub auto_close: Option<String>,
    /// How often (seconds) due tickets are closed and sessions cleaned.
    pub maintenance_secs: Option<u64>,
    /// First retry delay (seconds) of an email that could not be sent; it doubles each time.
    pub mail_retry_secs: Option<u64>,
    /// Addresses or CIDR ranges of reverse proxies whose `X-Forwarded-For`
    /// names the client (default: none; the direct peer is the client).
    pub trusted_proxies: Option<Vec<String>>,
    /// Questions to the bot a minute per client (user, else address); 0: no limit.
    pub asks_per_minute: Option<u32>,
    /// Widget identifications a minute per client address; 0: no limit.
    pub identify_per_minute: Option<u32>,
    /// Votes (answers, articles, chats) a minute per client; 0: no limit.
    pub votes_per_minute: Option<u32>,
    /// Webhook deliveries: addresses allowed, retries, time-out.
    pub webhooks: Option<WebhookSettings>,
    /// Serve `GET /metrics` (Prometheus's text format); off unless set.
    pub metrics: Option<bool>,
    /// The token `/metrics` asks for (`Authorization: Bearer …`); setting
    /// it turns the metrics on.
    pub metrics_token: Option<String>,
}

/// The `[webhooks]` table.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// Allow endpoints on private and loopback addresses, and plain
    /// `http://` (a receiver on the same machine or network). Off by default.
    pub allow_private: Option<bool>,
    /// Delay before the second attempt (seconds); it doubles each time.
    pub retry_base_secs: Option<u64>,
    /// Attempts before a delivery is given up.
    pub max_attempts: Option<u32>,
    /// Time-out of one attempt (seconds).
    pub timeout_secs: Option<u64>,
}

/// Who may read `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricsAccess {
    /// Not served (404).
    Off,
    /// Served to anyone who reaches the server (a private network).
    Open,
    /// Served with `Authorization: Bearer <token>` only.
    Token(String),
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSettings {
    pub urgent: Option<String>,
    pub high: Option<String>,
    pub normal: Option<String>,
    pub low: Option<String>,
}

/// The settled configuration the program runs with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address the server listens on.
    pub bind: SocketAddr,
    /// Folder for the database and the search index.
    pub data: PathBuf,
    /// Folder of Markdown help articles.
    pub kb: PathBuf,
    /// Bot confidence under which it escalates (0 to 1).
    pub threshold: f32,
    /// Re-index when an article file changes while serving.
    pub watch: bool,
    /// With `--demo`: seed past activity (questions, votes, tickets, a chat).
    pub demo_activity: bool,
    /// Log filter (`info`, `debug`, `frontdesk=debug,tower_http=info`, …).
    pub log: String,
    /// Folder of the embedding model (fetched by `models/fetch`).
    pub model_dir: PathBuf,
    pub embedding_engine: crate::help::embed::Engine,
    /// Folder of the embedding cache (default: `<data>/embeddings`); it may
    /// be shared by several data folders, as entries are keyed by content.
    pub embedding_cache: PathBuf,
    /// Tickets, accounts and email.
    pub desk: DeskConfig,
    /// Who the client is behind proxies, and the per-client limits.
    pub limits: Limits,
    pub webhooks: crate::webhooks::worker::Settings,
    pub metrics: MetricsAccess,
}

/// The settled client-address and rate-limit settings.
#[derive(Debug, Clone)]
pub struct Limits {
    pub trusted_proxies: Vec<IpRange>,
    /// 0: no limit.
    pub asks_per_minute: u32,
    /// 0: no limit.
    pub identify_per_minute: u32,
    /// 0: no limit.
    pub votes_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            trusted_proxies: Vec::new(),
            asks_per_minute: DEFAULT_ASKS_PER_MINUTE,
            identify_per_minute: DEFAULT_IDENTIFY_PER_MINUTE,
            votes_per_minute: DEFAULT_VOTES_PER_MINUTE,
        }
    }
}

/// Votes a client may give a minute: plenty for a person, little for a
/// script stuffing the figures.
pub const DEFAULT_VOTES_PER_MINUTE: u32 = 30;

/// One question a second on average, far more than anyone types, with
/// room for a school or office sharing one address.
pub const DEFAULT_ASKS_PER_MINUTE: u32 = 60;
/// A widget identifies its user once per page load at most.
pub const DEFAULT_IDENTIFY_PER_MINUTE: u32 = 60;

/// An address or a CIDR range (`10.0.0.0/8`, `2001:db8::/32`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    net: IpAddr,
    prefix: u8,
}

impl IpRange {
    pub fn parse(s: &str) -> Result<IpRange, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let net: IpAddr = addr
            .parse()
            .map_err(|_| format!("`{s}` is not an IP address or CIDR range"))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("`{s}`: the prefix length must be 0 to {max}"))?,
        };
        Ok(IpRange { net, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 peer may show as IPv4-mapped IPv6 on a dual-stack socket.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let bits = |a: IpAddr| -> (u128, u32) {
            match a {
                IpAddr::V4(v) => (u32::from(v) as u128, 32),
                IpAddr::V6(v) => (u128::from(v), 128),
            }
        };
        let ((n, width), (a, width_a)) = (bits(self.net), bits(ip));
        if width != width_a {
            return false;
        }
        let shift = width - u32::from(self.prefix);
        shift >= width || (n >> shift) == (a >> shift)
    }
}

/// The settled helpdesk settings.
#[derive(Debug, Clone)]
pub struct DeskConfig {
    /// Without a trailing slash.
    pub public_url: String,
    /// None: one is generated and kept in the data folder.
    pub widget_secret: Option<String>,
    pub mail_from: String,
    pub smtp: Option<crate::mail::SmtpConfig>,
    pub attachments: crate::tickets::attachments::Policy,
    pub targets: crate::tickets::ResponseTargets,
    pub auto_close: crate::tickets::AutoClose,
    pub maintenance_secs: u64,
    pub mail_retry_secs: u64,
}

impl DeskConfig {
    /// Cookies are marked Secure (and `__Host-` prefixed) behind HTTPS.
    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid value for {key}: {message}")]
    Invalid { key: &'static str, message: String },
}

/// Values given on the command line or in the environment (they win over the file).
pub type Overrides = Settings;

impl Config {
    /// Reads `file` (when given, it must exist; otherwise `./frontdesk.toml`
    /// is read if present) and applies `overrides`.
    pub fn load(file: Option<&Path>, overrides: Overrides) -> Result<Config, ConfigError> {
        let file_config = match file {
            Some(p) => read_file(p)?,
            None if Path::new("frontdesk.toml").is_file() => {
                read_file(Path::new("frontdesk.toml"))?
            }
            None => Settings::default(),
        };
        let desk_settings = overrides_desk(&overrides, &file_config);
        let limits = limits_config(&overrides, &file_config)?;
        let bind_raw = overrides
            .bind
            .or(file_config.bind)
            .unwrap_or_else(|| "127.0.0.1:8080".to_string());
        let bind = bind_raw.parse().map_err(|_| ConfigError::Invalid {
            key: "bind",
            message: format!("`{bind_raw}` is not an address such as 127.0.0.1:8080"),
        })?;
        let threshold = overrides
            .threshold
            .or(file_config.threshold)
            .unwrap_or(DEFAULT_THRESHOLD);
        if !(0.0..=1.0).contains(&threshold) {
            return Err(ConfigError::Invalid {
                key: "threshold",
                message: format!("{threshold} is outside 0 to 1"),
            });
        }
        let engine_raw = overrides
            .embedding_engine
            .or(file_config.embedding_engine)
            .unwrap_or_else(|| "fastest".to_string());
        let embedding_engine = engine_raw.parse().map_err(|message| ConfigError::Invalid {
            key: "embedding_engine",
            message,
        })?;
        let desk = desk_config(&bind, desk_settings)?;
        let webhooks = webhook_config(overrides.webhooks.or(file_config.webhooks))?;
        let metrics = match (
            overrides.metrics_token.or(file_config.metrics_token),
            overrides.metrics.or(file_config.metrics),
        ) {
            (Some(t), _) if t.trim().len() < 16 => {
                return Err(ConfigError::Invalid {
                    key: "metrics_token",
                    message: "use at least 16 characters".into(),
                });
            }
            (Some(_), Some(false)) => MetricsAccess::Off,
            (Some(t), _) => MetricsAccess::Token(t.trim().to_string()),
            (None, Some(true)) => MetricsAccess::Open,
            (None, _) => MetricsAccess::Off,
        };
        let data = overrides
            .data
            .or(file_config.data)
            .unwrap_or_else(|| PathBuf::from("data"));
        Ok(Config {
            desk,
            limits,
            webhooks,
            metrics,
            bind,
            embedding_cache: overrides
                .embedding_cache
                .or(file_config.embedding_cache)
                .unwrap_or_else(|| data.join("embeddings")),
            data,
            kb: overrides
                .kb
                .or(file_config.kb)
                .unwrap_or_else(|| PathBuf::from("knowledge-base")),
            threshold,
            watch: overrides.watch.or(file_config.watch).unwrap_or(true),
            demo_activity: file_config.demo_activity.unwrap_or(true),
            log: overrides
                .log
                .or(file_config.log)
                .unwrap_or_else(|| "info".to_string()),
            model_dir: overrides
                .model_dir
                .or(file_config.model_dir)
                .unwrap_or_else(crate::help::embed::default_model_dir),
            embedding_engine,
        })
    }

    pub fn index_dir(&self) -> PathBuf {
        self.data.join("index")
    }

    pub fn database_path(&self) -> PathBuf {
        self.data.join("frontdesk.db")
    }
}

fn webhook_config(
    s: Option<WebhookSettings>,
) -> Result<crate::webhooks::worker::Settings, ConfigError> {
    let mut out = crate::webhooks::worker::Settings::default();
    let Some(s) = s else {
        return Ok(out);
    };
    let invalid = |key: &'static str, message: String| ConfigError::Invalid { key, message };
    out.policy.allow_private = s.allow_private.unwrap_or(false);
    if let Some(secs) = s.retry_base_secs {
        if !(1..=86_400).contains(&secs) {
            return Err(invalid(
                "webhooks.retry_base_secs",
                format!("{secs} is outside 1 to 86400"),
            ));
        }
        out.retry_base_secs = secs as i64;
    }
    if let Some(n) = s.max_attempts {
        if !(1..=30).contains(&n) {
            return Err(invalid(
                "webhooks.max_attempts",
                format!("{n} is outside 1 to 30"),
            ));
        }
        out.max_attempts = i64::from(n);
    }
    if let Some(secs) = s.timeout_secs {
        if !(1..=120).contains(&secs) {
            return Err(invalid(
                "webhooks.timeout_secs",
                format!("{secs} is outside 1 to 120"),
            ));
        }
        out.timeout = std::time::Duration::from_secs(secs);
    }
    Ok(out)
}

/// The helpdesk keys, each from the overrides or else the file.
fn overrides_desk(o: &Settings, f: &Settings) -> Settings {
    Settings {
        public_url: o.public_url.clone().or(f.public_url.clone()),
        widget_secret: o.widget_secret.clone().or(f.widget_secret.clone()),
        mail_from: o.mail_from.clone().or(f.mail_from.clone()),
        smtp: o.smtp.clone().or(f.smtp.clone()),
        attachment_max_mb: o.attachment_max_mb.or(f.attachment_max_mb),
        attachment_types: o.attachment_types.clone().or(f.attachment_types.clone()),
        attachment_allow_msi: o.attachment_allow_msi.or(f.attachment_allow_msi),
        response_targets: o.response_targets.clone().or(f.response_targets.clone()),
        auto_close: o.auto_close.clone().or(f.auto_close.clone()),
        maintenance_secs: o.maintenance_secs.or(f.maintenance_secs),
        mail_retry_secs: o.mail_retry_secs.or(f.mail_retry_secs),
        ..Settings::default()
    }
}

fn desk_config(bind: &SocketAddr, s: Settings) -> Result<DeskConfig, ConfigError> {
    use crate::tickets::{AutoClose, ResponseTargets, Target};
    let invalid = |key: &'static str, message: String| ConfigError::Invalid { key, message };
    let public_url = s
        .public_url
        .unwrap_or_else(|| format!("http://{bind}"))
        .trim_end_matches('/')
        .to_string();
    if !(public_url.starts_with("http://") || public_url.starts_with("https://"))
        || public_url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(invalid(
            "public_url",
            format!("`{public_url}` is not an http:// or https:// address"),
        ));
    }
    if let Some(secret) = &s.widget_secret
        && secret.len() < 16
    {
        return Err(invalid(
            "widget_secret",
            "use at least 16 characters".to_string(),
        ));
    }
    let mut policy = crate::tickets::attachments::Policy::default();
    if let Some(mb) = s.attachment_max_mb {
        if mb == 0 || mb > 1024 {
            return Err(invalid(
                "attachment_max_mb",
                format!("{mb} is outside 1 to 1024"),
            ));
        }
        policy.max_file_bytes = mb * 1024 * 1024;
    }
    if let Some(types) = s.attachment_types {
        policy.allowed = types
            .iter()
            .map(|t| t.trim().trim_start_matches('.').to_lowercase())
            .collect();
        // An extension whose content cannot be checked (or SVG/HTML) would be
        // refused at every upload; say so at start-up instead.
        let unsupported = policy.unsupported();
        if !unsupported.is_empty() {
            return Err(invalid(
                "attachment_types",
                format!(
                    "{} cannot be accepted (no content check for it, or never safe); choose among: {}",
                    unsupported.join(", "),
                    crate::tickets::attachments::CONFIGURABLE.join(", ")
                ),
            ));
        }
    }
    // An installer runs code when opened: accepted only when said in so many words.
    let allow_msi = s.attachment_allow_msi.unwrap_or(false);
    for ext in crate::tickets::attachments::OPT_IN {
        let listed = policy.allowed.iter().any(|a| a == ext);
        if allow_msi && !listed {
            policy.allowed.push((*ext).to_owned());
        } else if !allow_msi && listed {
            return Err(invalid(
                "attachment_types",
                format!(
                    "{ext} (Windows installers) is accepted only with attachment_allow_msi = true"
                ),
            ));
        }
    }
    let mut targets = ResponseTargets::default();
    if let Some(t) = s.response_targets {
        let parse = |v: Option<String>, default: Target| -> Result<Target, ConfigError> {
            v.map(|v| Target::parse(&v).map_err(|e| invalid("response_targets", e.to_string())))
                .unwrap_or(Ok(default))
        };
        targets = ResponseTargets {
            urgent: parse(t.urgent, targets.urgent)?,
            high: parse(t.high, targets.high)?,
            normal: parse(t.normal, targets.normal)?,
            low: parse(t.low, targets.low)?,
        };
    }
    let auto_close = match s.auto_close {
        Some(v) => AutoClose::parse(&v).map_err(|e| invalid("auto_close", e.to_string()))?,
        None => AutoClose::EndOfMonth,
    };
    let mail_from = s
        .mail_from
        .unwrap_or_else(|| "Frontdesk <support@frontdesk.localhost>".to_string());
    if mail_from.contains(['\r', '\n']) {
        return Err(invalid("mail_from", "must be on one line".to_string()));
    }
    Ok(DeskConfig {
        public_url,
        widget_secret: s.widget_secret,
        mail_from,
        smtp: s.smtp,
        attachments: policy,
        targets,
        auto_close,
        maintenance_secs: s.maintenance_secs.unwrap_or(60).clamp(1, 86_400),
        mail_retry_secs: s.mail_retry_secs.unwrap_or(30).clamp(1, 86_400),
    })
}

fn limits_config(o: &Settings, f: &Settings) -> Result<Limits, ConfigError> {
    let trusted_proxies = o
        .trusted_proxies
        .clone()
        .or(f.trusted_proxies.clone())
        .unwrap_or_default()
        .iter()
        .map(|r| IpRange::parse(r))
        .collect::<Result<_, _>>()
        .map_err(|message| ConfigError::Invalid {
            key: "trusted_proxies",
            message,
        })?;
    Ok(Limits {
        trusted_proxies,
        asks_per_minute: o
            .asks_per_minute
            .or(f.asks_per_minute)
            .unwrap_or(DEFAULT_ASKS_PER_MINUTE),
        identify_per_minute: o
            .identify_per_minute
            .or(f.identify_per_minute)
            .unwrap_or(DEFAULT_IDENTIFY_PER_MINUTE),
        votes_per_minute: f.votes_per_minute.unwrap_or(DEFAULT_VOTES_PER_MINUTE),
    })
}

fn read_file(path: &Path) -> Result<Settings, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_just_work() {
        let c = Config::load(None, Overrides::default()).expect("defaults");
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.kb, PathBuf::from("knowledge-base"));
        assert!(c.watch);
        assert_eq!(c.embedding_engine, crate::help::embed::Engine::Fastest);
    }

    #[test]
    fn helpdesk_settings_are_checked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("frontdesk.toml");
        let load = |text: &str| {
            std::fs::write(&f, text).expect("write");
            Config::load(Some(&f), Overrides::default())
        };
        let c = load("auto_close = \"7d\"\n[response_targets]\nurgent = \"2h\"\n").expect("valid");
        assert_eq!(
            c.desk.auto_close,
            crate::tickets::AutoClose::After(7 * 86_400)
        );
        assert_eq!(c.desk.targets.urgent, crate::tickets::Target::Hours(2));
        assert!(!c.desk.https());
        for (text, key) in [
            (
                "attachment_types = [\"png\", \"svg\"]\n",
                "attachment_types",
            ),
            ("attachment_types = [\"webp\"]\n", "attachment_types"),
            (
                "attachment_types = [\"pdf\", \"msi\"]\n",
                "attachment_allow_msi",
            ),
            ("attachment_allow_msi = \"yes\"\n", "attachment_allow_msi"),
            ("attachment_max_mb = 0\n", "attachment_max_mb"),
            ("auto_close = \"soon\"\n", "auto_close"),
            ("public_url = \"ftp://x\"\n", "public_url"),
            ("widget_secret = \"short\"\n", "widget_secret"),
            ("[response_targets]\nlow = \"1w\"\n", "response_targets"),
            ("[smtp]\nhost = \"x\"\nport = \"many\"\n", "line 3"),
            ("trusted_proxies = [\"10.0.0.0/33\"]\n", "trusted_proxies"),
            ("trusted_proxies = [\"proxy.local\"]\n", "trusted_proxies"),
        ] {
            let err = load(text).expect_err(text);
            assert!(err.to_string().contains(key), "{text}: {err}");
        }
        let c = load("trusted_proxies = [\"10.0.0.0/8\", \"::1\"]\nasks_per_minute = 0\n")
            .expect("valid");
        assert_eq!(c.limits.asks_per_minute, 0);
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        let proxies = &c.limits.trusted_proxies;
        assert!(proxies[0].contains(ip("10.1.2.3")));
        assert!(proxies[0].contains(ip("::ffff:10.1.2.3")));
        assert!(!proxies[0].contains(ip("11.1.2.3")));
        assert!(proxies[1].contains(ip("::1")));
        assert!(!proxies[1].contains(ip("127.0.0.1")));
        assert!(
            IpRange::parse("0.0.0.0/0")
                .expect("all")
                .contains(ip("8.8.8.8"))
        );
        // Installers are opt-in, with or without a list of types.
        assert!(!load("").expect("valid").desk.attachments.accepts("msi"));
        let c = load("attachment_allow_msi = true\n").expect("valid");
        assert!(c.desk.attachments.accepts("msi"));
        assert!(c.desk.attachments.accepts("pdf"));
        let c = load("attachment_allow_msi = true\nattachment_types = [\"msi\", \"pptx\"]\n")
            .expect("valid");
        assert_eq!(c.desk.attachments.accepted_list(), "msi, pptx");
        let c = load("public_url = \"https://support.example.com/\"\n").expect("valid");
        assert!(c.desk.https());
        assert_eq!(c.desk.public_url, "https://support.example.com");
    }

    #[test]
    fn overrides_beat_the_file_and_bad_values_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("frontdesk.toml");
        std::fs::write(&f, "bind = \"0.0.0.0:9000\"\nthreshold = 0.4\n").expect("write");
        let c = Config::load(
            Some(&f),
            Overrides {
                threshold: Some(0.7),
                ..Overrides::default()
            },
        )
        .expect("valid");
        assert_eq!(c.bind.to_string(), "0.0.0.0:9000");
        assert!((c.threshold - 0.7).abs() < 1e-6);

        std::fs::write(&f, "colour = \"blue\"\n").expect("write");
        let err = Config::load(Some(&f), Overrides::default()).expect_err("unknown key");
        assert!(err.to_string().contains("colour"), "{err}");

        let err = Config::load(
            None,
            Overrides {
                bind: Some("nonsense".into()),
                ..Overrides::default()
            },
        )
        .expect_err("bad bind");
        assert!(err.to_string().contains("bind"));

        std::fs::write(&f, "embedding_engine = \"candle\"\n").expect("write");
        let c = Config::load(Some(&f), Overrides::default()).expect("valid");
        assert_eq!(c.embedding_engine, crate::help::embed::Engine::Candle);
        std::fs::write(&f, "embedding_engine = \"onnx\"\n").expect("write");
        let err = Config::load(Some(&f), Overrides::default()).expect_err("unknown engine");
        assert!(err.to_string().contains("embedding_engine"), "{err}");
        assert!(err.to_string().contains("onnx"), "{err}");
    }
}
