//! Test harness: starts the real `frontdesk` binary on an ephemeral port
//! with its own temporary data folder, and talks HTTP to it.
#![allow(dead_code)]

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
}

/// The bundled knowledge base of the repository.
pub fn bundled_kb() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base")
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with_kb(&bundled_kb()).await
    }

    pub async fn spawn_with_kb(kb: &Path) -> TestApp {
        let data = tempfile::tempdir().expect("temporary data folder");
        let mut child = Command::new(env!("CARGO_BIN_EXE_frontdesk"))
            .arg("--data")
            .arg(data.path())
            .arg("--kb")
            .arg(kb)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("FRONTDESK_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
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
        let base = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                panic!("the server did not report `listening on` within 120 s");
            }
        };
        TestApp {
            base,
            client: reqwest::Client::new(),
            data,
            child,
        }
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
