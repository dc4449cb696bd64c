//! Configuration: defaults that just work, overridden by `frontdesk.toml`,
//! then by `FRONTDESK_*` environment variables and command-line options.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::bot::DEFAULT_THRESHOLD;

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
    pub log: Option<String>,
    pub model_dir: Option<PathBuf>,
    pub embedding_cache: Option<PathBuf>,
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
    /// Log filter (`info`, `debug`, `frontdesk=debug,tower_http=info`, …).
    pub log: String,
    /// Folder of the embedding model (fetched by `models/fetch`).
    pub model_dir: PathBuf,
    /// Folder of the embedding cache (default: `<data>/embeddings`); it may
    /// be shared by several data folders, as entries are keyed by content.
    pub embedding_cache: PathBuf,
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
        let data = overrides
            .data
            .or(file_config.data)
            .unwrap_or_else(|| PathBuf::from("data"));
        Ok(Config {
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
            log: overrides
                .log
                .or(file_config.log)
                .unwrap_or_else(|| "info".to_string()),
            model_dir: overrides
                .model_dir
                .or(file_config.model_dir)
                .unwrap_or_else(crate::embed::default_model_dir),
        })
    }

    pub fn index_dir(&self) -> PathBuf {
        self.data.join("index")
    }

    pub fn database_path(&self) -> PathBuf {
        self.data.join("frontdesk.db")
    }
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
    }
}
