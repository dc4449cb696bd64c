//! Test harness: starts the real `frontdesk` binary on an ephemeral port
//! with its own temporary data folder, and talks HTTP to it.
#![allow(dead_code)]

pub mod live;
pub mod principals;
pub mod samples;
pub mod smtp;
pub mod who;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub data: tempfile::TempDir,
    child: Child,
    launch: Launch,
}

/// How a test server is started, so it can be started again.
struct Launch {
    kb: PathBuf,
    config: bool,
    demo: bool,
    /// Wait for the embeddings (false: a server without the model).
    hybrid: bool,
}

impl Launch {
    fn start(&self, data: &Path, bind: &str) -> (Child, String) {
        let mut cmd = frontdesk_command(data);
        if self.config {
            cmd.arg("--config").arg(data.join("frontdesk.toml"));
        }
        cmd.arg("--kb")
            .arg(&self.kb)
            .args(["serve", "--bind", bind]);
        if self.demo {
            cmd.arg("--demo");
        }
        // Without the model the test reads the log: it goes to a file.
        let stderr = if self.hybrid {
            Stdio::inherit()
        } else {
            std::fs::File::create(data.join("server.log"))
                .expect("the log file")
                .into()
        };
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("the frontdesk binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(url) => (child, url),
            Err(_) => {
                let _ = child.kill();
                panic!("the server did not report `listening on` within 120 s");
            }
        }
    }
}

/// The bundled knowledge base of the repository.
pub fn bundled_kb() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base")
}

/// An embedding cache shared by every test server: entries are keyed by
/// content, so sharing is safe, and it spares each server from embedding
/// every section again (about a minute on a small machine).
pub fn shared_embedding_cache() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("embeddings")
}

/// Fills the shared cache for the bundled knowledge base once per test
/// binary (test binaries run one after the other, so later ones find it warm).
pub fn warm_embedding_cache() {
    static WARM: std::sync::Once = std::sync::Once::new();
    WARM.call_once(|| {
        let data = tempfile::tempdir().expect("temporary data folder");
        let out = Command::new(env!("CARGO_BIN_EXE_frontdesk"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("--data")
            .arg(data.path())
            .arg("--embedding-cache")
            .arg(shared_embedding_cache())
            .arg("index")
            .env("FRONTDESK_LOG", "warn")
            .output()
            .expect("frontdesk index runs");
        assert!(
            out.status.success(),
            "frontdesk index failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
}

/// A `frontdesk` command in the crate root using the shared embedding cache.
pub fn frontdesk_command(data: &Path) -> Command {
    warm_embedding_cache();
    let mut c = Command::new(env!("CARGO_BIN_EXE_frontdesk"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--data")
        .arg(data)
        .env("FRONTDESK_EMBEDDING_CACHE", shared_embedding_cache())
        .env("FRONTDESK_LOG", "warn");
    c
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with_kb(&bundled_kb()).await
    }

    pub async fn spawn_with_kb(kb: &Path) -> TestApp {
        Self::spawn_with(kb, None, false).await
    }

    /// A demo server (accounts admin@, operator@, user@demo.test) with
    /// extra `frontdesk.toml` lines.
    /// The demo accounts on an otherwise empty desk (the demo's past
    /// activity only when `config` asks for it with `demo_activity`).
    pub async fn spawn_demo(config: &str) -> TestApp {
        let config = if config.contains("demo_activity") {
            config.to_string()
        } else {
            format!("demo_activity = false\n{config}")
        };
        Self::spawn_with(&bundled_kb(), Some(&config), true).await
    }

    pub async fn spawn_with(kb: &Path, config: Option<&str>, demo: bool) -> TestApp {
        Self::launch(kb, config, demo, true).await
    }

    /// A server whose `frontdesk.toml` (`config`) points it at a missing or
    /// broken model: it answers by keyword; its log is in `server.log`.
    pub async fn spawn_keyword_only(config: &str) -> TestApp {
        Self::launch(&bundled_kb(), Some(config), false, false).await
    }

    async fn launch(kb: &Path, config: Option<&str>, demo: bool, hybrid: bool) -> TestApp {
        let data = tempfile::tempdir().expect("temporary data folder");
        if let Some(text) = config {
            std::fs::write(data.path().join("frontdesk.toml"), text)
                .expect("write the config file");
        }
        let launch = Launch {
            kb: kb.to_path_buf(),
            config: config.is_some(),
            demo,
            hybrid,
        };
        let (child, base) = launch.start(data.path(), "127.0.0.1:0");
        let app = TestApp {
            base,
            client: reqwest::Client::new(),
            data,
            child,
            launch,
        };
        if hybrid {
            app.wait_for_hybrid_retrieval().await;
        }
        app
    }

    /// Stops the server (as a crash would: SIGKILL) and starts it again on
    /// the same address with the same data folder.
    pub async fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let bind = self.base.trim_start_matches("http://").to_string();
        let (child, base) = self.launch.start(self.data.path(), &bind);
        self.child = child;
        self.base = base;
        if self.launch.hybrid {
            self.wait_for_hybrid_retrieval().await;
        }
    }

    /// The server answers by keyword at once and swaps in the embeddings
    /// when they are ready; tests want the full bot.
    async fn wait_for_hybrid_retrieval(&self) {
        let ready = eventually(Duration::from_secs(300), || async {
            match self.client.get(self.url("/healthz")).send().await {
                Ok(r) => r
                    .json::<serde_json::Value>()
                    .await
                    .is_ok_and(|h| h["retrieval"] == "hybrid"),
                Err(_) => false,
            }
        })
        .await;
        assert!(
            ready,
            "the server never reached hybrid retrieval: is the model fetched (models/fetch)?"
        );
    }

    /// The emails written to the data folder's outbox (no SMTP configured),
    /// decoded from quoted-printable enough to read links and codes.
    pub fn outbox(&self) -> Vec<String> {
        let dir = self.data.path().join("outbox");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .map(|t| t.replace("=\r\n", "").replace("=3D", "="))
            .collect()
    }

    /// Waits for an outbox email to `to` containing `needle`.
    pub async fn wait_for_email(&self, to: &str, needle: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(m) = self.outbox().into_iter().find(|m| {
                m.lines().any(|l| l.starts_with("To:") && l.contains(to)) && m.contains(needle)
            }) {
                return m;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no email to {to} containing {needle:?}; outbox: {:#?}",
                self.outbox()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// A client logged in with email and password, and its CSRF token.
    pub async fn log_in(&self, email: &str, password: &str) -> (reqwest::Client, String) {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("client");
        let r = client
            .post(self.url("/api/session"))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("POST /api/session");
        assert_eq!(r.status(), 200, "log in as {email}");
        let body: serde_json::Value = r.json().await.expect("JSON");
        let csrf = body["csrf_token"].as_str().expect("csrf token").to_string();
        (client, csrf)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("GET request")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        (status, r.text().await.expect("body"))
    }

    pub async fn ask(&self, body: serde_json::Value) -> (u16, serde_json::Value) {
        let r = self
            .client
            .post(self.url("/api/bot/ask"))
            .json(&body)
            .send()
            .await
            .expect("POST /api/bot/ask");
        let status = r.status().as_u16();
        let json = r.json().await.expect("JSON body");
        (status, json)
    }

    pub async fn ask_question(&self, question: &str) -> serde_json::Value {
        let (status, body) = self.ask(serde_json::json!({ "question": question })).await;
        assert_eq!(status, 200, "asking {question:?} gave {body}");
        body
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first source URL of an answer.
pub fn top_source(answer: &serde_json::Value) -> String {
    answer["sources"][0]["url"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Copies a folder recursively (a knowledge base the test may change).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read folder") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// Polls `check` until it returns true or `timeout` passes.
pub async fn eventually<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if check().await {
            return true;
        }
        if std::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A help vault with other conventions: no front matter, wiki links,
/// callouts, a French folder, spaces in names.
pub fn foreign_vault(dir: &Path) {
    let write = |rel: &str, text: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write(
        "en/Sync/Set up sync.md",
        "---\naliases: [sync]\npermalink: sync-setup\ncssclasses: wide\n---\nSync keeps your notes the same on every device.\n\n## Connect a phone\n\nTo sync notes to your phone, install the mobile app, open **Settings → Sync** and sign in. See [[Troubleshoot sync#Conflicts|conflicts]].\n\n> [!warning] Keep a backup\n> Sync is not a backup.\n",
    );
    write(
        "en/Sync/Troubleshoot sync.md",
        "# Troubleshoot sync\n\n## Conflicts\n\nWhen the same note changes on two devices, both versions are kept and the newer one wins.\n",
    );
    write(
        "fr/Synchronisation/Configurer la synchronisation.md",
        "---\npermalink: sync-setup\n---\nLa synchronisation garde vos notes identiques sur tous vos appareils.\n\n## Connecter un téléphone\n\nPour synchroniser vos notes sur votre téléphone, installez l'application mobile et connectez-vous dans **Réglages → Synchronisation**.\n",
    );
}
