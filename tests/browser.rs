//! Browser test of the embeddable widget: starts the real `frontdesk` server
//! and a `chromedriver`, and drives headless Chromium through the W3C
//! WebDriver HTTP protocol on the demo host product ("Examly").
//!
//! Needs Chromium and its driver: `apt-get install -y chromium chromium-driver`.
//! A screenshot of the open widget is saved to `target/screenshots/` for
//! humans to look at (and one per failing test, to see what went wrong).

use std::future::Future;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod common;

/// Polls `$body` (an expression giving an `Option`) until it is `Some`, or
/// panics with `$what` after `$secs` seconds.
macro_rules! wait_until {
    ($what:expr, $secs:expr, $body:expr) => {{
        let deadline = Instant::now() + Duration::from_secs($secs);
        loop {
            if let Some(found) = $body {
                break found;
            }
            if Instant::now() > deadline {
                panic!("timed out after {} s waiting for {}", $secs, $what);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }};
}

// ---------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------

/// Kills the child process when dropped, also when a test panics.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free local port")
        .port()
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn chromedriver_path() -> PathBuf {
    let usual = Path::new("/usr/bin/chromedriver");
    if usual.is_file() {
        return usual.to_path_buf();
    }
    find_in_path("chromedriver")
        .expect("chromedriver not found: apt-get install -y chromium chromium-driver")
}

struct Driver {
    url: String,
    _child: ChildGuard,
}

async fn start_chromedriver(http: &reqwest::Client) -> Driver {
    let port = free_port();
    let child = Command::new(chromedriver_path())
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver {
        url: format!("http://127.0.0.1:{port}"),
        _child: ChildGuard(child),
    };
    wait_until!("chromedriver to be ready", 30, {
        match http.get(format!("{}/status", driver.url)).send().await {
            Ok(r) => match r.json::<Value>().await {
                Ok(v) if v["value"]["ready"] == json!(true) => Some(()),
                _ => None,
            },
            Err(_) => None,
        }
    });
    driver
}

// ---------------------------------------------------------------------------
// A tiny W3C WebDriver client
// ---------------------------------------------------------------------------

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";
const SHADOW_KEY: &str = "shadow-6066-11e4-a52e-4f735466cecf";

#[derive(Clone)]
struct WebDriver {
    http: reqwest::Client,
    session_url: String,
}

/// A WebDriver element reference (also valid inside shadow roots).
#[derive(Clone, Debug)]
struct Element(String);

impl Element {
    fn json(&self) -> Value {
        json!({ ELEMENT_KEY: self.0 })
    }
}

/// A WebDriver shadow root reference.
#[derive(Clone, Debug)]
struct ShadowRoot(String);

type WdResult<T> = Result<T, String>;

impl WebDriver {
    async fn new_session(http: reqwest::Client, driver_url: &str, window: (u32, u32)) -> WebDriver {
        let mut options = json!({
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                // phones have overlay scrollbars: do not let desktop ones eat the viewport
                "--hide-scrollbars",
                format!("--window-size={},{}", window.0, window.1),
            ]
        });
        if Path::new("/usr/bin/chromium").is_file() {
            options["binary"] = json!("/usr/bin/chromium");
        }
        let body = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": options,
                }
            }
        });
        let response = http
            .post(format!("{driver_url}/session"))
            .json(&body)
            .send()
            .await
            .expect("POST /session reaches chromedriver");
        let value: Value = response
            .json()
            .await
            .expect("a JSON answer to POST /session");
        let id = value["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("could not start a browser session: {value}"))
            .to_string();
        WebDriver {
            http,
            session_url: format!("{driver_url}/session/{id}"),
        }
    }

    async fn command(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> WdResult<Value> {
        let url = format!("{}{}", self.session_url, path);
        let mut request = self.http.request(method.clone(), &url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let status = response.status();
        let value: Value = response
            .json()
            .await
            .map_err(|e| format!("{method} {path}: bad JSON answer: {e}"))?;
        if status.is_success() {
            Ok(value["value"].clone())
        } else {
            Err(format!(
                "{method} {path}: {} ({})",
                value["value"]["error"].as_str().unwrap_or("error"),
                value["value"]["message"]
                    .as_str()
                    .unwrap_or("")
                    .lines()
                    .next()
                    .unwrap_or("")
            ))
        }
    }

    async fn get(&self, path: &str) -> WdResult<Value> {
        self.command(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> WdResult<Value> {
        self.command(reqwest::Method::POST, path, Some(body)).await
    }

    /// From the next page on, the page keeps the WebSockets it opens in
    /// `window.__fdSockets` (a script added through Chromium's DevTools
    /// protocol, which runs before the page's own).
    async fn record_sockets(&self) {
        const RECORD: &str = "(() => { const Native = window.WebSocket; window.__fdSockets = []; \
            const Recorded = function (url, protocols) { const ws = protocols === undefined ? new Native(url) : new Native(url, protocols); window.__fdSockets.push(ws); return ws; }; \
            Recorded.prototype = Native.prototype; Object.assign(Recorded, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 }); window.WebSocket = Recorded; })();";
        self.post(
            "/goog/cdp/execute",
            json!({ "cmd": "Page.addScriptToEvaluateOnNewDocument", "params": { "source": RECORD } }),
        )
        .await
        .expect("add the socket recorder");
    }

    /// How many of the recorded WebSockets are open.
    async fn open_sockets(&self) -> u64 {
        self.execute(
            "return (window.__fdSockets || []).filter(s => s.readyState === 1).length;",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_u64())
        .unwrap_or(0)
    }

    async fn delete_session(&self) {
        let _ = self.command(reqwest::Method::DELETE, "", None).await;
    }

    async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url }))
            .await
            .unwrap_or_else(|e| panic!("navigate to {url}: {e}"));
    }

    async fn refresh(&self) {
        self.post("/refresh", json!({}))
            .await
            .expect("refresh the page");
    }

    async fn set_window_size(&self, width: u32, height: u32) {
        self.post("/window/rect", json!({ "width": width, "height": height }))
            .await
            .expect("set the window size");
    }

    fn element_from(value: &Value) -> WdResult<Element> {
        value[ELEMENT_KEY]
            .as_str()
            .map(|id| Element(id.to_string()))
            .ok_or_else(|| format!("not an element: {value}"))
    }

    async fn find(&self, css: &str) -> WdResult<Element> {
        let v = self
            .post("/element", json!({ "using": "css selector", "value": css }))
            .await?;
        Self::element_from(&v)
    }

    async fn shadow_root(&self, host: &Element) -> WdResult<ShadowRoot> {
        let v = self.get(&format!("/element/{}/shadow", host.0)).await?;
        v[SHADOW_KEY]
            .as_str()
            .map(|id| ShadowRoot(id.to_string()))
            .ok_or_else(|| format!("not a shadow root: {v}"))
    }

    async fn find_in(&self, root: &ShadowRoot, css: &str) -> WdResult<Element> {
        let v = self
            .post(
                &format!("/shadow/{}/element", root.0),
                json!({ "using": "css selector", "value": css }),
            )
            .await?;
        Self::element_from(&v)
    }

    async fn find_all_in(&self, root: &ShadowRoot, css: &str) -> WdResult<Vec<Element>> {
        let v = self
            .post(
                &format!("/shadow/{}/elements", root.0),
                json!({ "using": "css selector", "value": css }),
            )
            .await?;
        v.as_array()
            .ok_or_else(|| format!("not a list: {v}"))?
            .iter()
            .map(Self::element_from)
            .collect()
    }

    async fn click(&self, element: &Element) -> WdResult<()> {
        self.post(&format!("/element/{}/click", element.0), json!({}))
            .await
            .map(|_| ())
    }

    async fn send_keys(&self, element: &Element, text: &str) -> WdResult<()> {
        self.post(
            &format!("/element/{}/value", element.0),
            json!({ "text": text }),
        )
        .await
        .map(|_| ())
    }

    async fn text(&self, element: &Element) -> WdResult<String> {
        let v = self.get(&format!("/element/{}/text", element.0)).await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    async fn property(&self, element: &Element, name: &str) -> WdResult<Value> {
        self.get(&format!("/element/{}/property/{name}", element.0))
            .await
    }

    async fn execute(&self, script: &str, args: Vec<Value>) -> WdResult<Value> {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    /// Rendered and not hidden (display, visibility, zero size).
    async fn is_visible(&self, element: &Element) -> bool {
        let script = "const e = arguments[0];
            if (!e.isConnected) return false;
            const r = e.getBoundingClientRect();
            const s = getComputedStyle(e);
            return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';";
        matches!(
            self.execute(script, vec![element.json()]).await,
            Ok(Value::Bool(true))
        )
    }

    async fn screenshot_png(&self) -> WdResult<Vec<u8>> {
        let v = self.get("/screenshot").await?;
        base64_decode(v.as_str().unwrap_or_default())
    }

    async fn save_screenshot(&self, name: &str) -> Option<PathBuf> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target")
            .join("screenshots");
        std::fs::create_dir_all(&dir).ok()?;
        let png = self.screenshot_png().await.ok()?;
        let path = dir.join(name);
        std::fs::write(&path, png).ok()?;
        Some(path)
    }
}

fn base64_decode(text: &str) -> WdResult<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        if c == b'=' {
            break;
        }
        if c.is_ascii_whitespace() {
            continue;
        }
        let v = value(c).ok_or("invalid base64")?;
        buffer = (buffer << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((buffer >> bits) & 0xff) as u8);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// The widget, seen from the test
// ---------------------------------------------------------------------------

/// Everything a test needs: the browser and the server's base URL.
#[derive(Clone)]
struct Browser {
    wd: WebDriver,
    base: String,
    /// The server's data folder (its outbox holds the emails it sent).
    data: PathBuf,
}

impl Browser {
    async fn open_page(&self, path: &str) {
        self.wd.goto(&format!("{}{}", self.base, path)).await;
    }

    /// The widget's shadow root (found again after each page load).
    async fn widget(&self) -> ShadowRoot {
        wait_until!("the widget's host element and shadow root", 15, {
            match self.wd.find("#frontdesk-widget").await {
                Ok(host) => self.wd.shadow_root(&host).await.ok(),
                Err(_) => None,
            }
        })
    }

    /// Waits until an element of the widget matching `css` is visible.
    async fn visible(&self, root: &ShadowRoot, css: &str) -> Element {
        wait_until!(format!("`{css}` to be visible in the widget"), 15, {
            match self.wd.find_in(root, css).await {
                Ok(e) if self.wd.is_visible(&e).await => Some(e),
                _ => None,
            }
        })
    }

    /// Waits until the element matching `css` is hidden or gone.
    async fn hidden(&self, root: &ShadowRoot, css: &str) {
        wait_until!(format!("`{css}` to be hidden"), 15, {
            match self.wd.find_in(root, css).await {
                Ok(e) if self.wd.is_visible(&e).await => None,
                _ => Some(()),
            }
        })
    }

    async fn bot_messages(&self, root: &ShadowRoot) -> Vec<Element> {
        self.wd
            .find_all_in(root, "[data-testid=message-bot]")
            .await
            .unwrap_or_default()
    }

    /// Opens the panel with the launcher (unless it is already open) and
    /// waits until the question box has the focus.
    /// Waits for a widget element matching `css` whose text contains
    /// `needle`, and returns that text.
    async fn widget_text(&self, root: &ShadowRoot, css: &str, needle: &str) -> String {
        wait_until!(
            format!("`{css}` containing {needle:?} in the widget"),
            20,
            {
                let mut found = None;
                for e in self.wd.find_all_in(root, css).await.unwrap_or_default() {
                    let text = self.wd.text(&e).await.unwrap_or_default();
                    if text.contains(needle) {
                        found = Some(text);
                    }
                }
                found
            }
        )
    }

    async fn open_panel(&self, root: &ShadowRoot) -> Element {
        if let Ok(launcher) = self.wd.find_in(root, "[data-testid=launcher]").await
            && self.wd.is_visible(&launcher).await
        {
            self.wd.click(&launcher).await.expect("click the launcher");
        }
        self.visible(root, "[data-testid=panel]").await
    }

    /// Types a question, sends it (Send button or Enter key) and waits for
    /// the new bot message.
    async fn ask(&self, root: &ShadowRoot, question: &str, with_enter: bool) -> Element {
        let before = self.bot_messages(root).await.len();
        let input = self.visible(root, "[data-testid=input]").await;
        self.wd
            .send_keys(&input, question)
            .await
            .expect("type the question");
        if with_enter {
            self.wd
                .send_keys(&input, "\u{E007}")
                .await
                .expect("press Enter");
        } else {
            let send = self.visible(root, "[data-testid=send]").await;
            wait_until!("the Send button to be enabled", 5, {
                match self.wd.property(&send, "disabled").await {
                    Ok(Value::Bool(false)) => Some(()),
                    _ => None,
                }
            });
            self.wd.click(&send).await.expect("click Send");
        }
        wait_until!(format!("an answer to {question:?}"), 30, {
            let all = self.bot_messages(root).await;
            if all.len() > before {
                all.last().cloned()
            } else {
                // a 4xx/5xx or network problem is shown in the panel: fail with it
                if let Ok(error) = self.wd.find_in(root, "[data-testid=error]").await
                    && self.wd.is_visible(&error).await
                {
                    let text = self.wd.text(&error).await.unwrap_or_default();
                    panic!("the widget shows an error instead of an answer: {text}");
                }
                None
            }
        })
    }
}

/// Starts the server, chromedriver and a browser session, runs `test`, and
/// always closes the browser (taking a screenshot when the test failed).
async fn with_browser<F, Fut>(name: &str, window: (u32, u32), test: F)
where
    F: FnOnce(Browser) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    // Demo accounts (admin@, operator@, user@demo.test) for the ticket tests.
    with_browser_on(common::TestApp::spawn_demo("").await, name, window, test).await;
}

/// `with_browser` on a server the test started.
async fn with_browser_on<F, Fut>(server: common::TestApp, name: &str, window: (u32, u32), test: F)
where
    F: FnOnce(Browser) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("an HTTP client");
    let driver = start_chromedriver(&http).await;
    let wd = WebDriver::new_session(http, &driver.url, window).await;
    let browser = Browser {
        wd: wd.clone(),
        base: server.base.clone(),
        data: server.data.path().to_path_buf(),
    };
    let outcome = tokio::spawn(test(browser)).await;
    if outcome.is_err()
        && let Some(path) = wd.save_screenshot(&format!("failed-{name}.png")).await
    {
        eprintln!("screenshot of the failure: {}", path.display());
    }
    wd.delete_session().await;
    drop(driver);
    drop(server);
    if let Err(error) = outcome {
        if error.is_panic() {
            std::panic::resume_unwind(error.into_panic());
        }
        panic!("the test task failed: {error}");
    }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widget_answers_on_the_demo_exam_settings_page() {
    with_browser("exam-settings", (1280, 900), |b| async move {
        b.open_page("/demo/exams/42/settings").await;
        // The host page's own script runs under the Content-Security-Policy
        // (an inline handler would be refused): Save settings says so.
        let save = b.wd.find("form.settings button[type=submit]").await.expect("Save settings");
        b.wd.click(&save).await.expect("save");
        wait_until!("the demo's Settings saved", 5, {
            match b.wd.find("#saved").await {
                Ok(e) if b.wd.is_visible(&e).await => Some(()),
                _ => None,
            }
        });
        let root = b.widget().await;

        // The launcher is there; it opens the panel and the focus goes to the question box.
        let launcher = b.visible(&root, "[data-testid=launcher]").await;
        assert_eq!(
            b.wd.property(&launcher, "ariaLabel").await.ok(),
            Some(json!("Open help chat"))
        );
        b.wd.click(&launcher).await.expect("click the launcher");
        let panel = b.visible(&root, "[data-testid=panel]").await;
        assert_eq!(b.wd.property(&panel, "role").await.ok(), Some(json!("dialog")));
        wait_until!("the focus to be in the question box", 5, {
            let focused = b
                .wd
                .execute(
                    "return document.getElementById('frontdesk-widget').shadowRoot.activeElement?.dataset.testid ?? null",
                    vec![],
                )
                .await;
            (focused == Ok(json!("input"))).then_some(())
        });

        // "Suggested for this page" lists the exam settings article.
        let suggestions: Vec<String> = wait_until!("a suggestion about settings", 15, {
            let mut texts = Vec::new();
            for link in b
                .wd
                .find_all_in(&root, "[data-testid=suggestions] a")
                .await
                .unwrap_or_default()
            {
                texts.push(b.wd.text(&link).await.unwrap_or_default());
            }
            texts
                .iter()
                .any(|t| t.to_lowercase().contains("settings"))
                .then_some(texts)
        });
        assert!(!suggestions.is_empty());

        // A question gets an answer with sources from the help center.
        let answer = b
            .ask(&root, "How do I let students take the exam twice?", false)
            .await;
        let text = b
            .wd
            .execute(
                "return arguments[0].querySelector('[data-testid=answer] p, [data-testid=answer] li')?.textContent ?? ''",
                vec![answer.json()],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        assert!(!text.trim().is_empty(), "the answer is not empty");
        let source_links = b
            .wd
            .find_all_in(&root, "[data-testid=message-bot] [data-testid=sources] a")
            .await
            .unwrap_or_default();
        let mut hrefs = Vec::new();
        for link in &source_links {
            if let Ok(Value::String(href)) = b.wd.property(link, "href").await {
                hrefs.push(href);
            }
        }
        assert!(
            hrefs.iter().any(|h| h.contains("/help/")),
            "a source links to the help center: {hrefs:?}"
        );
        let user_messages = b
            .wd
            .find_all_in(&root, "[data-testid=message-user]")
            .await
            .unwrap_or_default();
        assert_eq!(user_messages.len(), 1, "the question is shown once");

        if let Some(path) = b.wd.save_screenshot("widget-open.png").await {
            eprintln!("screenshot of the open widget: {}", path.display());
        }

        // Minimise folds the panel back to the launcher...
        let minimise = b.visible(&root, "[data-testid=minimise]").await;
        b.wd.click(&minimise).await.expect("click minimise");
        b.hidden(&root, "[data-testid=panel]").await;
        let launcher = b.visible(&root, "[data-testid=launcher]").await;

        // ...and the launcher brings it back with the conversation intact.
        b.wd.click(&launcher).await.expect("click the launcher again");
        b.visible(&root, "[data-testid=panel]").await;
        let messages = b.bot_messages(&root).await;
        assert_eq!(messages.len(), 1, "the earlier answer is still there");
        // Both read (two failed reads would compare equal).
        assert_eq!(
            b.wd.text(&messages[0]).await.expect("the answer now"),
            b.wd.text(&answer).await.expect("the answer before")
        );

        // Escape minimises too, and gives the focus back to the launcher.
        let input = b.visible(&root, "[data-testid=input]").await;
        b.wd.send_keys(&input, "\u{E00C}").await.expect("press Escape");
        b.hidden(&root, "[data-testid=panel]").await;
        let focused = b
            .wd
            .execute(
                "return document.getElementById('frontdesk-widget').shadowRoot.activeElement?.dataset.testid ?? null",
                vec![],
            )
            .await;
        assert_eq!(focused, Ok(json!("launcher")), "Escape returns the focus to the launcher");

        // The conversation survives a page load.
        b.wd.refresh().await;
        let root = b.widget().await;
        b.open_panel(&root).await;
        let messages = wait_until!("the conversation to be restored", 10, {
            let m = b.bot_messages(&root).await;
            (!m.is_empty()).then_some(m)
        });
        assert_eq!(messages.len(), 1);
        let restored = b
            .wd
            .execute(
                "return arguments[0].querySelector('[data-testid=answer] p, [data-testid=answer] li')?.textContent ?? ''",
                vec![messages[0].json()],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        assert_eq!(restored, text, "the restored answer is the same");
        b.visible(&root, "[data-testid=message-bot] [data-testid=sources] a").await;

        // "Did this answer your question?" No: the widget asks what was
        // missing and offers a ticket; the vote and the comment are stored.
        let no = b.visible(&root, "[data-testid=message-bot] [data-testid=vote-no]").await;
        b.wd.click(&no).await.expect("vote no");
        b.visible(&root, "[data-testid=vote] [data-testid=create-ticket]").await;
        let comment = b.visible(&root, "[data-testid=vote-comment]").await;
        b.wd.send_keys(&comment, "It does not say how many attempts").await.expect("comment");
        let send = b.visible(&root, "[data-testid=vote-comment-send]").await;
        b.wd.click(&send).await.expect("send the comment");
        b.visible(&root, "[data-testid=vote-thanks]").await;
        let _ = b.wd.save_screenshot("widget-answer-vote.png").await;
        let db = frontdesk::store::open(&b.data.join("frontdesk.db")).await.expect("db");
        let stored = wait_until!("the vote with its comment", 10, {
            let all: Vec<(Option<bool>, Option<String>)> =
                sqlx::query_as("SELECT helpful, comment FROM feedback WHERE kind = 'answer'")
                    .fetch_all(&db)
                    .await
                    .unwrap_or_default();
            all.into_iter().find(|(_, c)| c.is_some())
        });
        assert_eq!(stored, (Some(false), Some("It does not say how many attempts".to_string())));

        // New conversation clears it.
        let new_conversation = b.visible(&root, "[data-testid=new-conversation]").await;
        b.wd.click(&new_conversation).await.expect("click New conversation");
        wait_until!("the conversation to be cleared", 5, {
            b.bot_messages(&root).await.is_empty().then_some(())
        });
    })
    .await;
}

/// The rectangle of an element and the visual viewport, in CSS pixels:
/// [left, top, right, bottom, viewport width, viewport height].
async fn rect_in_viewport(b: &Browser, e: &Element) -> Vec<f64> {
    let v = b
        .wd
        .execute(
            "const r = arguments[0].getBoundingClientRect(); const vv = window.visualViewport;
             return [r.left, r.top, r.right, r.bottom, vv ? vv.width : innerWidth, vv ? vv.height : innerHeight];",
            vec![e.json()],
        )
        .await
        .expect("a rectangle");
    let out: Vec<f64> = v
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    assert_eq!(out.len(), 6, "{v}");
    out
}

fn assert_inside(what: &str, r: &[f64]) {
    let (left, top, right, bottom, width, height) = (r[0], r[1], r[2], r[3], r[4], r[5]);
    assert!(
        left >= -0.5 && top >= -0.5 && right <= width + 0.5 && bottom <= height + 0.5,
        "{what} is inside the screen: {left},{top} to {right},{bottom} on {width}x{height}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widget_works_on_a_phone_on_a_host_page_wider_than_the_screen() {
    with_browser("phone", (390, 844), |b| async move {
        b.wd.set_window_size(390, 844).await;
        // The demo's exam settings page is wider than a phone's screen.
        b.open_page("/demo/exams/42/settings").await;
        let widths =
            b.wd.execute(
                "return [document.documentElement.scrollWidth, innerWidth];",
                vec![],
            )
            .await
            .expect("widths");
        let root = b.widget().await;
        let launcher = b.visible(&root, "[data-testid=launcher]").await;
        b.wd.click(&launcher).await.expect("click the launcher");
        let panel = b.visible(&root, "[data-testid=panel]").await;
        let r = rect_in_viewport(&b, &panel).await;
        assert!(
            r[4] <= 480.0,
            "the viewport is phone-sized: {r:?} (page and window {widths})"
        );
        assert_inside("the panel", &r);
        assert!(
            r[2] - r[0] >= r[4] - 1.0 && r[3] - r[1] >= r[5] - 1.0,
            "the panel covers the screen: {r:?}"
        );
        for testid in ["minimise", "input", "send", "new-conversation"] {
            let e = b.visible(&root, &format!("[data-testid={testid}]")).await;
            assert_inside(testid, &rect_in_viewport(&b, &e).await);
        }
        // The header's buttons stay on one row.
        let header = b.visible(&root, ".fd-header").await;
        let h = rect_in_viewport(&b, &header).await;
        assert!(h[3] - h[1] < 60.0, "the header is one row: {h:?}");
        // Sending works, and the answer is in view.
        let answer = b
            .ask(&root, "how many attempts can students have", false)
            .await;
        let _ = b.wd.save_screenshot("widget-phone.png").await;
        let a = rect_in_viewport(&b, &answer).await;
        assert!(
            a[0] >= -0.5 && a[2] <= a[4] + 0.5,
            "the answer fits the width: {a:?}"
        );
        // Scrolled sideways, the panel stays where the user looks.
        b.wd.execute("window.scrollTo(60, 0);", vec![])
            .await
            .expect("scroll");
        tokio::time::sleep(Duration::from_millis(300)).await;
        let minimise = b.visible(&root, "[data-testid=minimise]").await;
        assert_inside(
            "the minimise button after scrolling",
            &rect_in_viewport(&b, &minimise).await,
        );
        b.wd.click(&minimise).await.expect("minimise");
        b.visible(&root, "[data-testid=launcher]").await;
    })
    .await;
}

/// Logs a browser into the portal.
async fn portal_login(b: &Browser, email: &str) {
    b.open_page("/portal/login").await;
    let e = b.wd.find("#email").await.expect("email field");
    b.wd.send_keys(&e, email).await.expect("email");
    let p = b.wd.find("#password").await.expect("password field");
    b.wd.send_keys(&p, "demo-password\u{E007}")
        .await
        .expect("password");
    wait_until!("the portal home", 15, {
        match b.wd.find("h1").await {
            Ok(h) => b.wd.text(&h).await.ok().filter(|t| t.starts_with("Hello")),
            Err(_) => None,
        }
    });
}

/// Waits for an element of the page (not the widget) containing `text`.
async fn page_element_with(b: &Browser, css: &str, text: &str) -> Element {
    wait_until!(format!("`{css}` containing {text:?}"), 20, {
        let script = "const [css, text] = arguments; return [...document.querySelectorAll(css)].find(e => e.textContent.includes(text)) || null;";
        match b.wd.execute(script, vec![json!(css), json!(text)]).await {
            Ok(v) if !v.is_null() => WebDriver::element_from(&v).ok(),
            _ => None,
        }
    })
}

/// Runs `test` with two browser sessions on one demo server: the
/// operator's and the user's; screenshots are taken of both if it fails.
async fn with_two_browsers<F, Fut>(name: &str, test: F)
where
    F: FnOnce(Browser, Browser) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let server = common::TestApp::spawn_demo("").await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("an HTTP client");
    let driver = start_chromedriver(&http).await;
    let op_wd = WebDriver::new_session(http.clone(), &driver.url, (1280, 900)).await;
    let user_wd = WebDriver::new_session(http, &driver.url, (1280, 900)).await;
    let browser = |wd: &WebDriver| Browser {
        wd: wd.clone(),
        base: server.base.clone(),
        data: server.data.path().to_path_buf(),
    };
    let outcome = tokio::spawn(test(browser(&op_wd), browser(&user_wd))).await;
    if outcome.is_err() {
        let _ = op_wd
            .save_screenshot(&format!("failed-{name}-operator.png"))
            .await;
        let _ = user_wd
            .save_screenshot(&format!("failed-{name}-user.png"))
            .await;
    }
    op_wd.delete_session().await;
    user_wd.delete_session().await;
    drop(driver);
    drop(server);
    if let Err(error) = outcome {
        if error.is_panic() {
            std::panic::resume_unwind(error.into_panic());
        }
        panic!("the test task failed: {error}");
    }
}

/// A logged-in API client (cookie jar) and its CSRF token, next to the browser.
async fn api_session(base: &str, email: &str) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let login: Value = client
        .post(format!("{base}/api/session"))
        .json(&json!({ "email": email, "password": "demo-password" }))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    let csrf = login["csrf_token"].as_str().expect("csrf").to_string();
    (client, csrf)
}

/// The operator logs in, opens the console and becomes available.
async fn operator_available_in_console(op: &Browser) {
    portal_login(op, "operator@demo.test").await;
    op.open_page("/console").await;
    wait_until!(
        "the console",
        15,
        op.wd.find("[data-testid=availability]").await.ok()
    );
    op.wd
        .execute(
            "const s = document.querySelector('[data-testid=availability]'); s.value = 'available'; s.dispatchEvent(new Event('change'));",
            vec![],
        )
        .await
        .expect("set available");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_and_a_user_chat_live_through_console_and_widget() {
    with_two_browsers("live-chat", |op, user| async move {
        operator_available_in_console(&op).await;
        // The user, logged into the portal, asks the bot in the demo product.
        portal_login(&user, "user@demo.test").await;
        user.open_page("/demo/exams").await;
        let root = user.widget().await;
        user.open_panel(&root).await;
        // A signed-in user is greeted by name.
        user.widget_text(&root, ".fd-intro", "Hello, Uma").await;
        // A how-to question first (answered, with its article), then one for a person.
        user.ask(&root, "How do I let students take the exam twice?", true)
            .await;
        let escalated = "I was charged twice for my subscription this month, I want a refund";
        user.ask(&root, escalated, true).await;
        // An answer that introduces its articles ("…may also help:") has no
        // second "Sources" heading under it.
        let doubled = user
            .wd
            .execute(
                "const root = document.getElementById('frontdesk-widget').shadowRoot; return [...root.querySelectorAll('[data-testid=message-bot]')].filter(m => { const a = m.querySelector('[data-testid=answer]'); const sources = a.querySelector('.fd-sources'); const before = sources ? sources.previousElementSibling : null; const text = (before ? before.textContent : '').trim(); return text.endsWith(':') && m.querySelector('.fd-sources-title'); }).length;",
                vec![],
            )
            .await
            .expect("the answers");
        assert_eq!(doubled, json!(0), "a lead-in ending with ':' is followed by its articles, not a heading");
        let suggested = user
            .visible(&root, "[data-testid=message-bot] [data-testid=create-ticket]")
            .await;
        let suggested_type = user
            .wd
            .execute("return arguments[0].getAttribute('data-ticket-type');", vec![suggested.json()])
            .await
            .expect("the suggested type");
        let chat = user
            .visible(
                &root,
                "[data-testid=message-bot] [data-testid=chat-with-person]",
            )
            .await;
        user.wd.click(&chat).await.expect("chat with a person");
        // The button is spent once the chat starts.
        wait_until!("the Chat with a person button to be disabled", 10, {
            match user.wd.property(&chat, "disabled").await {
                Ok(Value::Bool(true)) => Some(()),
                _ => None,
            }
        });
        // The operator is offered the chat and accepts it.
        let accept = wait_until!(
            "an offer in the queue",
            20,
            op.wd
                .find("[data-testid=queue-chat].offered [data-testid=accept]")
                .await
                .ok()
        );
        op.wd.click(&accept).await.expect("accept");
        let input = wait_until!(
            "the chat tab",
            15,
            op.wd.find("[data-testid=console-input]").await.ok()
        );
        // The operator starts typing: the user sees it before any message.
        op.wd.send_keys(&input, "Hello, I am Oscar.").await.expect("type");
        let typing = user
            .widget_text(&root, "[data-testid=operator-typing]", "is typing")
            .await;
        assert!(typing.contains("Oscar"), "the operator's name: {typing:?}");
        op.wd
            .send_keys(&input, " Let me look at your invoice.\u{E007}")
            .await
            .expect("type");
        // The user sees the operator join and answer, and answers back.
        user.visible(&root, "[data-testid=message-system]").await;
        user.widget_text(
            &root,
            "[data-testid=message-operator]",
            "Let me look at your invoice",
        )
        .await;
        user.hidden(&root, "[data-testid=operator-typing]").await;
        let box_ = user.visible(&root, "[data-testid=input]").await;
        let placeholder = user.wd.property(&box_, "placeholder").await.expect("placeholder");
        assert!(
            placeholder.as_str().is_some_and(|p| p.starts_with("Write to Oscar")),
            "the input says who the user writes to: {placeholder}"
        );
        // The user types; the operator sees it.
        user.wd
            .send_keys(&box_, "Thanks, it is invoice 2026-11")
            .await
            .expect("type");
        page_element_with(&op, ".typing", "is typing").await;
        user.wd.send_keys(&box_, "\u{E007}").await.expect("send");
        page_element_with(&op, "[data-testid=console-message]", "invoice 2026-11").await;
        // An internal note: the console marks it, the user never gets it.
        let toggle = op.wd.find("[data-testid=note-toggle]").await.expect("the note toggle");
        op.wd.click(&toggle).await.expect("note mode");
        op.wd
            .send_keys(&input, "Refund approved by billing\u{E007}")
            .await
            .expect("type a note");
        page_element_with(&op, ".msg.note", "Refund approved by billing").await;
        op.wd.click(&toggle).await.expect("back to the user");
        // A saved reply, from "/" in the composer, filled in for this user.
        let (staff, csrf) = api_session(&op.base, "operator@demo.test").await;
        let saved = staff
            .post(format!("{}/api/canned-responses", op.base))
            .header("X-CSRF-Token", &csrf)
            .json(&json!({ "shortcut": "thanks", "text": "Thanks {{user.first_name}}, anything else?" }))
            .send()
            .await
            .expect("save a reply");
        assert_eq!(saved.status().as_u16(), 201);
        op.wd.send_keys(&input, "/tha").await.expect("type a shortcut");
        page_element_with(&op, "[data-testid=canned-option]", "/thanks").await;
        let _ = op.wd.save_screenshot("console-saved-replies.png").await;
        op.wd.send_keys(&input, "\u{E007}").await.expect("pick it");
        wait_until!("the reply in the message box", 10, {
            match op.wd.property(&input, "value").await {
                Ok(Value::String(v)) if v == "Thanks Uma, anything else?" => Some(()),
                _ => None,
            }
        });
        op.wd.send_keys(&input, "\u{E007}").await.expect("send it");
        user.widget_text(&root, "[data-testid=message-operator]", "Thanks Uma, anything else?")
            .await;
        // Minimised, the widget counts what the operator writes meanwhile.
        let minimise = user.visible(&root, "[data-testid=minimise]").await;
        user.wd.click(&minimise).await.expect("minimise");
        op.wd
            .send_keys(&input, "Found it: the second charge was a mistake.\u{E007}")
            .await
            .expect("type");
        let badge = user.visible(&root, "[data-testid=unread]").await;
        assert_eq!(user.wd.text(&badge).await.ok().as_deref(), Some("1"));
        let title = wait_until!("the page title to flash", 10, {
            match user.wd.execute("return document.title;", vec![]).await {
                Ok(Value::String(t)) if t.contains("New message") => Some(t),
                _ => None,
            }
        });
        assert!(title.starts_with("(1)"), "{title}");
        let _ = user.wd.save_screenshot("widget-unread-badge.png").await;
        user.open_panel(&root).await;
        user.hidden(&root, "[data-testid=unread]").await;
        let shown = user
            .wd
            .find_all_in(&root, "[data-testid=message-operator]")
            .await
            .unwrap_or_default();
        for m in shown {
            let t = user.wd.text(&m).await.unwrap_or_default();
            assert!(!t.contains("Refund approved"), "an internal note reached the user: {t}");
        }
        wait_until!("the page title back", 5, {
            match user.wd.execute("return document.title;", vec![]).await {
                Ok(Value::String(t)) if !t.contains("New message") => Some(()),
                _ => None,
            }
        });
        // The operator sends an article the bot had suggested, in one click;
        // the user gets it as a link.
        let article = wait_until!(
            "an article to send",
            15,
            op.wd.find("[data-testid=send-article]").await.ok()
        );
        op.wd.click(&article).await.expect("send the article");
        user.visible(
            &root,
            "[data-testid=message-operator] [data-testid=article-card]",
        )
        .await;
        // The user sends a screenshot; the operator gets it as a file.
        let file_input = user
            .wd
            .find_in(&root, "[data-testid=chat-file-input]")
            .await
            .expect("the file input");
        let shot = user.data.join("screenshot.png");
        std::fs::write(&shot, common::samples::sample("png")).expect("a screenshot file");
        user.wd
            .send_keys(&file_input, &shot.to_string_lossy())
            .await
            .expect("attach the screenshot");
        page_element_with(&op, "[data-testid=console-file-link]", "screenshot.png").await;
        user.visible(&root, "[data-testid=chat-file]").await;
        // Both sides see the image itself, loaded through the access checks.
        let thumb = user.visible(&root, "[data-testid=chat-thumbnail]").await;
        wait_until!("the widget's thumbnail to load", 10, {
            match user.wd.execute("return arguments[0].naturalWidth;", vec![thumb.json()]).await {
                Ok(v) if v.as_f64().is_some_and(|w| w > 0.0) => Some(()),
                _ => None,
            }
        });
        wait_until!("the console's thumbnail to load", 10, {
            match op
                .wd
                .execute("const i = document.querySelector('[data-testid=console-thumbnail]'); return i ? i.naturalWidth : 0;", vec![])
                .await
            {
                Ok(v) if v.as_f64().is_some_and(|w| w > 0.0) => Some(()),
                _ => None,
            }
        });
        let _ = user.wd.save_screenshot("widget-live-chat.png").await;
        let _ = op.wd.save_screenshot("console-live-chat.png").await;
        // The operator ends the chat; the user is told.
        let end = op
            .wd
            .find("[data-testid=end-chat]")
            .await
            .expect("end button");
        op.wd.click(&end).await.expect("end");
        user.widget_text(&root, "[data-testid=message-system]", "The chat has ended")
            .await;
        // Ended reads as ended: in the console no composer, no End or
        // Transfer, and a tab to close; in the widget the bot is back.
        let ended = wait_until!(
            "the console to show the chat ended",
            10,
            match op.wd.find("[data-testid=chat-ended]").await {
                Ok(e) if op.wd.is_visible(&e).await => Some(e),
                _ => None,
            }
        );
        let _ = ended;
        for testid in ["end-chat", "transfer", "console-input"] {
            let e = op
                .wd
                .find(&format!("[data-testid={testid}]"))
                .await
                .expect("the control");
            assert_eq!(
                op.wd.property(&e, "disabled").await.ok(),
                Some(Value::Bool(true)),
                "{testid} is disabled once the chat ended"
            );
        }
        let composer = op.wd.find("[data-testid=console-input]").await.expect("input");
        assert!(!op.wd.is_visible(&composer).await, "no composer on an ended chat");
        let _ = op.wd.save_screenshot("console-chat-ended.png").await;
        let placeholder = user.wd.property(&box_, "placeholder").await.expect("placeholder");
        assert_eq!(placeholder, json!("Ask a question…"), "the bot answers again");
        // With Chats among them, the header's buttons still fit one row.
        user.visible(&root, "[data-testid=chat-history-button]").await;
        let rows = user
            .wd
            .execute(
                "const root = document.getElementById('frontdesk-widget').shadowRoot; const tops = [...root.querySelectorAll('.fd-header button')].filter(b => b.offsetParent).map(b => Math.round(b.getBoundingClientRect().top)); return new Set(tops).size;",
                vec![],
            )
            .await
            .expect("the header");
        assert_eq!(rows, json!(1), "the header's buttons are on one row");
        // The user rates the chat: four stars and a word.
        let four = user.visible(&root, "[data-testid=rate-chat] [data-testid=rate-4]").await;
        user.wd.click(&four).await.expect("four stars");
        let comment = user.visible(&root, "[data-testid=rate-comment]").await;
        user.wd.send_keys(&comment, "Quick and kind").await.expect("comment");
        let send = user.visible(&root, "[data-testid=rate-send]").await;
        user.wd.click(&send).await.expect("rate");
        user.visible(&root, "[data-testid=rate-thanks]").await;
        let db = frontdesk::store::open(&user.data.join("frontdesk.db")).await.expect("db");
        let rated: Vec<(i64, Option<String>)> =
            sqlx::query_as("SELECT rating, comment FROM feedback WHERE kind = 'chat'")
                .fetch_all(&db)
                .await
                .expect("ratings");
        assert_eq!(rated, [(4, Some("Quick and kind".to_string()))]);
        // The transcript, file included, is on the chat's ticket.
        let notice = user
            .widget_text(&root, "[data-testid=message-system]", "saved to ticket #")
            .await;
        let number: i64 = notice
            .split("saved to ticket #")
            .nth(1)
            .and_then(|rest| rest.trim_end_matches('.').trim().parse().ok())
            .expect("a ticket number");
        user.open_page(&format!("/portal/tickets/{number}")).await;
        page_element_with(&user, "article", "invoice 2026-11").await;
        page_element_with(&user, "article", "sent a file: screenshot.png").await;
        let _ = user.wd.save_screenshot("ticket-with-transcript.png").await;
        // The chat's ticket is titled with the question the bot escalated,
        // and has the type the bot suggested.
        let (api, _) = api_session(&user.base, "user@demo.test").await;
        let ticket: Value = api
            .get(format!("{}/api/tickets/{number}", user.base))
            .send()
            .await
            .expect("the ticket")
            .json()
            .await
            .expect("json");
        assert_eq!(ticket["ticket"]["summary"], json!(escalated), "{ticket}");
        assert_eq!(ticket["ticket"]["type"], suggested_type, "{ticket}");
        // The operator finds the chat again by the user's name, and its
        // ticket by number.
        let search = op.wd.find("[data-testid=console-search-input]").await.expect("search box");
        op.wd.send_keys(&search, "Uma\u{E007}").await.expect("search");
        page_element_with(&op, "[data-testid=search-chat]", "Uma User").await;
        op.wd
            .execute("arguments[0].value = '';", vec![search.json()])
            .await
            .expect("clear");
        op.wd
            .send_keys(&search, &format!("#{number}\u{E007}"))
            .await
            .expect("search a number");
        page_element_with(&op, "[data-testid=search-tickets] a", &format!("#{number}")).await;
        let _ = op.wd.save_screenshot("console-search.png").await;
        // The operator closes the ended chat's tab.
        let close = op.wd.find("[data-testid=close-chat]").await.expect("close");
        op.wd.click(&close).await.expect("close the tab");
        wait_until!("the tab gone", 5, {
            match op.wd.find("[data-testid=chat-tab]").await {
                Ok(_) => None,
                Err(_) => Some(()),
            }
        });
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_invites_a_ticket_user_who_accepts_in_the_widget() {
    with_two_browsers("invitation", |op, user| async move {
        // The user has a ticket (opened over the API).
        let (app_user, csrf) = api_session(&user.base, "user@demo.test").await;
        let form = reqwest::multipart::Form::new()
            .text("type", "bug_report")
            .text("priority", "high")
            .text("summary", "Grades do not export")
            .text("description", "The export button spins forever.");
        let created: Value = app_user
            .post(format!("{}/api/tickets", user.base))
            .header("X-CSRF-Token", &csrf)
            .multipart(form)
            .send()
            .await
            .expect("ticket")
            .json()
            .await
            .expect("json");
        let number = created["number"].as_i64().expect("number");

        // The user is on the demo product, signed in.
        portal_login(&user, "user@demo.test").await;
        user.wd.record_sockets().await;
        user.open_page("/demo/exams").await;
        let root = user.widget().await;
        // The operator asks to chat from the queue's ticket.
        operator_available_in_console(&op).await;
        // (Found and clicked in one step: the queue is redrawn as it changes.)
        wait_until!("the ticket in the queue", 20, {
            let script = "const n = arguments[0]; const li = [...document.querySelectorAll('#queue-tickets li')].find(l => l.textContent.includes('#' + n)); const b = li && li.querySelector('[data-testid=invite-to-chat]'); if (b) b.click(); return !!b;";
            match op.wd.execute(script, vec![json!(number)]).await {
                Ok(Value::Bool(true)) => Some(()),
                _ => None,
            }
        });
        page_element_with(&op, "[data-testid=connecting]", "Connecting").await;
        // A reload of the console keeps it.
        op.wd.refresh().await;
        page_element_with(&op, "[data-testid=connecting]", &format!("ticket #{number}")).await;
        // The widget opens with "Oscar Operator would like to chat"; the user accepts.
        let asked = user.visible(&root, "[data-testid=chat-invitation]").await;
        let text = user.wd.text(&asked).await.unwrap_or_default();
        assert!(text.contains("Oscar Operator would like to chat"), "{text}");
        assert!(text.contains(&format!("#{number}")), "{text}");
        let accept = user.visible(&root, "[data-testid=invitation-accept]").await;
        user.wd.click(&accept).await.expect("accept");
        // The console opens the chat; they talk.
        let input = wait_until!("the chat tab", 20, op.wd.find("[data-testid=console-input]").await.ok());
        op.wd
            .send_keys(&input, "Hi, I saw your export problem.\u{E007}")
            .await
            .expect("type");
        user.widget_text(&root, "[data-testid=message-operator]", "your export problem")
            .await;
        // The invitations and the chat share the widget's one socket.
        assert_eq!(user.wd.open_sockets().await, 1, "the widget's open sockets");
        // The operator renames the ticket and raises its priority from the chat.
        let summary = wait_until!("the chat's ticket", 15, op.wd.find("[data-testid=ticket-summary]").await.ok());
        op.wd
            .execute(
                "const [s] = arguments; s.value = 'Grade export hangs'; document.querySelector('[data-testid=ticket-priority]').value = 'urgent'; document.querySelector('[data-testid=ticket-save]').click();",
                vec![summary.json()],
            )
            .await
            .expect("save the ticket");
        page_element_with(&op, "[data-testid=ticket-saved]", "Saved").await;
        let ticket: Value = app_user
            .get(format!("{}/api/tickets/{number}", user.base))
            .send()
            .await
            .expect("ticket")
            .json()
            .await
            .expect("json");
        assert_eq!(ticket["ticket"]["summary"], "Grade export hangs");
        assert_eq!(ticket["ticket"]["priority"], "urgent");
        let _ = op.wd.save_screenshot("console-invited-chat.png").await;
        // The user finds the chat among their previous chats.
        let end = op.wd.find("[data-testid=end-chat]").await.expect("end button");
        op.wd.click(&end).await.expect("end");
        let history = user.visible(&root, "[data-testid=chat-history-button]").await;
        user.wd.click(&history).await.expect("open the history");
        let item = user.visible(&root, "[data-testid=chat-history-item] summary").await;
        let text = user.wd.text(&item).await.unwrap_or_default();
        assert!(text.contains("Oscar Operator") && text.contains(&format!("#{number}")), "{text}");
        user.wd.click(&item).await.expect("expand");
        user.widget_text(&root, "[data-testid=chat-history-item] p", "your export problem")
            .await;
        let _ = user.wd.save_screenshot("widget-chat-history.png").await;
    })
    .await;
}

/// The newest six-digit code emailed to `to` (from the outbox folder).
fn emailed_code(data: &Path, to: &str) -> Option<String> {
    let dir = data.join("outbox");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    files.iter().rev().find_map(|p| {
        let text = std::fs::read_to_string(p).ok()?;
        if !text.contains(to) {
            return None;
        }
        let b = text.as_bytes();
        (0..b.len().saturating_sub(6)).find_map(|i| {
            let w = &b[i..i + 6];
            let edge_before = i == 0 || !b[i - 1].is_ascii_digit();
            let edge_after = b.get(i + 6).is_none_or(|c| !c.is_ascii_digit());
            (edge_before && edge_after && w.iter().all(u8::is_ascii_digit))
                .then(|| String::from_utf8_lossy(w).to_string())
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widget_ticket_with_a_screenshot_then_the_portal_shows_it_new_in_pink() {
    with_browser("ticket", (1280, 900), |b| async move {
        b.open_page("/demo/exams").await;
        let root = b.widget().await;
        b.open_panel(&root).await;
        let question = "I was charged twice for my subscription this month, I want a refund";
        b.ask(&root, question, true).await;
        let button = b
            .visible(&root, "[data-testid=message-bot] [data-testid=create-ticket]")
            .await;
        // A screenshot of the page, as a user would attach one.
        let png = b.wd.screenshot_png().await.expect("a screenshot");
        let shot = b.data.join("my-screenshot.png");
        std::fs::write(&shot, &png).expect("save the screenshot");
        b.wd.click(&button).await.expect("click Create a ticket");

        let form = b.visible(&root, "[data-testid=ticket-form]").await;
        let _ = form;
        let kind = b.visible(&root, "[data-testid=fd-ticket-type]").await;
        assert_eq!(
            b.wd.property(&kind, "value").await.ok(),
            Some(json!("settings_help")),
            "the bot's suggested type is pre-selected"
        );
        let description = b.visible(&root, "[data-testid=fd-ticket-description]").await;
        assert_eq!(b.wd.property(&description, "value").await.ok(), Some(json!(question)));
        // More detail: the title stays the first sentence.
        b.wd
            .send_keys(&description, ". The two charges of 19 EUR are from 3 November, card ending 4242, please refund one of them as soon as you can.")
            .await
            .expect("add details");
        let files = b.wd.find_in(&root, "[data-testid=fd-ticket-files]").await.expect("file input");
        b.wd
            .send_keys(&files, &shot.display().to_string())
            .await
            .expect("attach the screenshot");
        // An anonymous visitor confirms their email with a code.
        let email = b.visible(&root, "[data-testid=fd-ticket-email]").await;
        b.wd.send_keys(&email, "user@demo.test").await.expect("type the email");
        let submit = b.visible(&root, "[data-testid=ticket-submit]").await;
        b.wd.click(&submit).await.expect("submit");
        let code_input = b.visible(&root, "[data-testid=fd-ticket-code]").await;
        let code = wait_until!("the emailed code", 20, emailed_code(&b.data, "user@demo.test"));
        b.wd.send_keys(&code_input, &code).await.expect("type the code");
        b.wd.click(&submit).await.expect("confirm and send");
        let created = b.visible(&root, "[data-testid=ticket-created]").await;
        let number = b
            .wd
            .execute("return arguments[0].getAttribute('data-ticket-number');", vec![created.json()])
            .await
            .expect("the ticket number");
        let number = number.as_str().expect("a number").to_string();
        assert!(number.parse::<i64>().is_ok_and(|n| n >= 1001), "{number}");
        // A visitor has no portal password: told how to follow the ticket.
        b.visible(&root, "[data-testid=ticket-by-email] [data-testid=set-password-link]").await;
        let _ = b.wd.save_screenshot("widget-ticket-created.png").await;

        // The portal, logged in as that user: the ticket is New, in pink.
        b.open_page("/portal/login").await;
        let email = b.wd.find("#email").await.expect("email field");
        b.wd.send_keys(&email, "user@demo.test").await.expect("email");
        let password = b.wd.find("#password").await.expect("password field");
        b.wd.send_keys(&password, "demo-password\u{E007}").await.expect("password");
        wait_until!("the portal home", 15, {
            match b.wd.find("h1").await {
                Ok(h) => b.wd.text(&h).await.ok().filter(|t| t.starts_with("Hello")),
                Err(_) => None,
            }
        });
        b.open_page("/portal/my-view").await;
        let link = wait_until!("the ticket in My view", 15, b
            .wd
            .find(&format!("td.summary a[href='/portal/tickets/{number}']"))
            .await
            .ok());
        let title = b.wd.text(&link).await.expect("the ticket's title");
        assert_eq!(title, format!("{question}."), "the first sentence is the title");
        let badge_colour = b
            .wd
            .execute(
                &format!("const row = document.querySelector(\"a[href='/portal/tickets/{number}']\").closest('tr'); const badge = row.querySelector('.status'); return [badge.dataset.status, getComputedStyle(badge).backgroundColor];"),
                vec![],
            )
            .await
            .expect("the badge");
        assert_eq!(badge_colour, json!(["new", "rgb(214, 51, 108)"]), "New, in pink");
        b.open_page(&format!("/portal/tickets/{number}")).await;
        let page = b.wd.find("main").await.expect("main");
        let text = b.wd.text(&page).await.expect("text");
        assert!(text.contains("my-screenshot.png"), "the screenshot is attached: {text}");
        wait_until!("the attachment's thumbnail", 10, {
            match b
                .wd
                .execute("const i = document.querySelector('[data-testid=thumbnail] img'); return i && i.complete ? i.naturalWidth : 0;", vec![])
                .await
            {
                Ok(v) if v.as_f64().is_some_and(|w| w > 0.0) => Some(()),
                _ => None,
            }
        });
        assert!(text.contains("Conversation with the bot"), "{text}");
        let _ = b.wd.save_screenshot("portal-ticket.png").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widget_offers_a_ticket_when_the_bot_escalates() {
    with_browser("escalation", (1280, 900), |b| async move {
        // Three chats taken at once give the desk a usual wait to show.
        let (user, user_csrf) = api_session(&b.base, "user@demo.test").await;
        let (op, op_csrf) = api_session(&b.base, "operator@demo.test").await;
        let put = op
            .put(format!("{}/api/operator/availability", b.base))
            .header("X-CSRF-Token", &op_csrf)
            .json(&json!({ "availability": "available" }))
            .send()
            .await
            .expect("available");
        assert_eq!(put.status().as_u16(), 200);
        for _ in 0..3 {
            let chat: Value = user
                .post(format!("{}/api/chats", b.base))
                .header("X-CSRF-Token", &user_csrf)
                .json(&json!({}))
                .send()
                .await
                .expect("start a chat")
                .json()
                .await
                .expect("json");
            let id = chat["id"].as_str().expect("a chat id");
            for (who, csrf, action) in [(&op, &op_csrf, "accept"), (&user, &user_csrf, "end")] {
                let r = who
                    .post(format!("{}/api/chats/{id}/{action}", b.base))
                    .header("X-CSRF-Token", csrf)
                    .json(&json!({}))
                    .send()
                    .await
                    .expect(action);
                assert!(r.status().is_success(), "{action}: {}", r.status());
            }
        }
        b.open_page("/demo").await;
        let root = b.widget().await;
        b.open_panel(&root).await;
        // Before asking, the widget's home searches the help center.
        let search = b.visible(&root, "[data-testid=widget-search]").await;
        b.wd.send_keys(&search, "attachment size\u{E007}")
            .await
            .expect("search");
        let card = b
            .visible(
                &root,
                "[data-testid=widget-search-results] [data-testid=article-card]",
            )
            .await;
        let text = b.wd.text(&card).await.expect("the card");
        assert!(text.to_lowercase().contains("attach"), "{text}");
        let _ = b.wd.save_screenshot("widget-home-search.png").await;
        b.ask(
            &root,
            "I was charged twice for my subscription this month, I want a refund",
            true,
        )
        .await;
        let button = b
            .visible(
                &root,
                "[data-testid=message-bot] [data-testid=create-ticket]",
            )
            .await;
        let label = b.wd.text(&button).await.expect("the button's label");
        assert!(
            label.starts_with("Create a ticket"),
            "the button says Create a ticket: {label:?}"
        );
        // Someone is available: the widget says how soon people reply.
        b.visible(
            &root,
            "[data-testid=message-bot] [data-testid=chat-with-person]",
        )
        .await;
        let soon = b
            .visible(&root, "[data-testid=message-bot] [data-testid=reply-time]")
            .await;
        assert_eq!(
            b.wd.text(&soon).await.ok().as_deref(),
            Some("Usually replies in under a minute")
        );
        let _ = b.wd.save_screenshot("widget-escalation.png").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_live_chat_and_teams_in_the_console() {
    with_browser("admin-console", (1280, 900), |b| async move {
        portal_login(&b, "admin@demo.test").await;
        b.open_page("/console").await;
        let settings = wait_until!("the admin settings", 15, b.wd.find("[data-testid=admin-settings] summary").await.ok());
        b.wd.click(&settings).await.expect("open the settings");
        // The form shows the current settings; the admin turns re-offering on.
        wait_until!("the settings loaded", 15, {
            match b.wd.execute("return document.querySelector('#live-settings [name=accept_timeout_secs]').value;", vec![]).await {
                Ok(Value::String(v)) if v == "120" => Some(()),
                _ => None,
            }
        });
        b.wd.execute(
            "const f = document.getElementById('live-settings'); f.reoffer_overdue.checked = true; f.idle_timeout_secs.value = '600';",
            vec![],
        )
        .await
        .expect("change the form");
        let save = b.wd.find("[data-testid=save-live-settings]").await.expect("save button");
        b.wd.click(&save).await.expect("save");
        page_element_with(&b, "#live-settings-status", "Saved.").await;
        // A team with the operator in it.
        let name = b.wd.find("[data-testid=new-team-name]").await.expect("team name");
        b.wd.send_keys(&name, "Billing\u{E007}").await.expect("create the team");
        let email = wait_until!("the new team", 15, b.wd.find("[data-team=Billing] [data-testid=member-email]").await.ok());
        b.wd.send_keys(&email, "operator@demo.test\u{E007}").await.expect("add the operator");
        page_element_with(&b, "[data-team=Billing] li", "operator@demo.test").await;
        let _ = b.wd.save_screenshot("console-admin.png").await;

        // What the page did is what the API says.
        let (api, _) = api_session(&b.base, "admin@demo.test").await;
        let s: Value = api
            .get(format!("{}/api/admin/live-settings", b.base))
            .send()
            .await
            .expect("settings")
            .json()
            .await
            .expect("json");
        assert_eq!((s["reoffer_overdue"].clone(), s["idle_timeout_secs"].clone()), (json!(true), json!(600)));
        let teams: Value = api
            .get(format!("{}/api/admin/teams", b.base))
            .send()
            .await
            .expect("teams")
            .json()
            .await
            .expect("json");
        assert_eq!(teams, json!([{ "name": "Billing", "members": ["operator@demo.test"] }]));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_visitor_confirms_an_email_then_chats_with_a_person() {
    with_browser("anonymous-chat", (1280, 900), |b| async move {
        // An operator is available (over the API).
        let (op, csrf) = api_session(&b.base, "operator@demo.test").await;
        let r = op
            .put(format!("{}/api/operator/availability", b.base))
            .header("X-CSRF-Token", &csrf)
            .json(&json!({ "availability": "available" }))
            .send()
            .await
            .expect("availability");
        assert_eq!(r.status(), 200);

        // A visitor nobody knows asks for a person.
        b.open_page("/demo/exams").await;
        let root = b.widget().await;
        b.open_panel(&root).await;
        b.ask(
            &root,
            "I was charged twice for my subscription this month, I want a refund",
            true,
        )
        .await;
        let chat = b.visible(&root, "[data-testid=chat-with-person]").await;
        b.wd.click(&chat).await.expect("chat with a person");
        // First, who they are: an email confirmed with a code.
        let email = b.visible(&root, "[data-testid=chat-who-email]").await;
        b.wd.send_keys(&email, "visitor@example.com\u{E007}")
            .await
            .expect("email");
        let code = wait_until!(
            "the emailed code",
            20,
            emailed_code(&b.data, "visitor@example.com")
        );
        let code_box = b.visible(&root, "[data-testid=chat-who-code]").await;
        b.wd.send_keys(&code_box, "000000")
            .await
            .expect("a wrong code");
        let go = b.visible(&root, "[data-testid=chat-who-submit]").await;
        b.wd.click(&go).await.expect("submit the wrong code");
        wait_until!("the wrong code refused", 15, {
            match b.wd.find_in(&root, "[data-testid=chat-who-status]").await {
                Ok(s) => {
                    b.wd.text(&s)
                        .await
                        .ok()
                        .filter(|t| !t.is_empty() && !t.contains("We emailed"))
                }
                Err(_) => None,
            }
        });
        b.wd.execute("arguments[0].value = '';", vec![code_box.json()])
            .await
            .expect("clear");
        b.wd.send_keys(&code_box, &format!("{code}\u{E007}"))
            .await
            .expect("the code");
        // Then the wait, and the operator takes the chat.
        b.visible(&root, "[data-testid=chat-waiting]").await;
        let id = wait_until!("the request in the queue", 20, {
            let q: Value = op
                .get(format!("{}/api/queue", b.base))
                .send()
                .await
                .expect("queue")
                .json()
                .await
                .expect("json");
            q["chats"][0]["id"].as_str().map(str::to_string)
        });
        let r = op
            .post(format!("{}/api/chats/{id}/accept", b.base))
            .header("X-CSRF-Token", &csrf)
            .send()
            .await
            .expect("accept");
        assert_eq!(r.status(), 200);
        b.widget_text(&root, "[data-testid=message-system]", "joined the chat")
            .await;
        let _ = b.wd.save_screenshot("widget-anonymous-chat.png").await;
    })
    .await;
}

/// Fails unless the page fits the window's width (no sideways scrolling).
async fn assert_fits(b: &Browser, path: &str) {
    let v = b
        .wd
        .execute(
            "return [document.documentElement.scrollWidth, innerWidth, [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1 && getComputedStyle(e).position !== 'fixed').slice(0, 3).map(e => e.tagName + '.' + e.className).join(' ')];",
            vec![],
        )
        .await
        .expect("the page's width");
    let (scroll, inner) = (v[0].as_f64().unwrap_or(0.0), v[1].as_f64().unwrap_or(0.0));
    assert!(
        scroll <= inner,
        "{path} is {scroll} px wide in a {inner} px window; too wide: {}",
        v[2]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_center_portal_and_console_fit_a_phone_and_a_desktop() {
    with_browser("fit", (1366, 800), |b| async move {
        // A ticket with the long words and addresses users paste.
        let (api, csrf) = api_session(&b.base, "user@demo.test").await;
        let form = reqwest::multipart::Form::new()
            .text("type", "bug_report")
            .text("priority", "high")
            .text("summary", "Export of https://examly.example/exams/42/results?format=csv&include=all-attempts fails")
            .text("description", "The export of https://examly.example/exams/42/results?format=csv&include=all-attempts&students=everyone-in-the-course gives an empty file. AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        let created: Value = api
            .post(format!("{}/api/tickets", b.base))
            .header("X-CSRF-Token", &csrf)
            .multipart(form)
            .send()
            .await
            .expect("create a ticket")
            .json()
            .await
            .expect("json");
        let number = created["number"].as_i64().expect("a ticket number");
        let help_pages = [
            "/help".to_string(),
            "/help/en/tickets".to_string(),
            "/help/en/tickets/create-a-ticket".to_string(),
            "/help/search?q=atachment+size+limit".to_string(),
            "/help/search?q=zzzz+qqqq".to_string(),
        ];
        let portal_pages = [
            "/portal".to_string(),
            "/portal/tickets".to_string(),
            "/portal/my-view".to_string(),
            format!("/portal/tickets/{number}"),
            "/portal/tickets/new".to_string(),
            "/portal/account".to_string(),
            "/portal/chats".to_string(),
            "/console".to_string(),
            "/portal/admin".to_string(),
            "/console/reports".to_string(),
            "/console/reports/gaps".to_string(),
            "/console/webhooks".to_string(),
            "/console/drafts".to_string(),
        ];
        portal_login(&b, "admin@demo.test").await;
        for (width, height) in [(1366, 800), (390, 844), (360, 740)] {
            b.wd.set_window_size(width, height).await;
            for path in help_pages.iter().chain(portal_pages.iter()) {
                b.open_page(path).await;
                wait_until!(format!("{path} loaded"), 15, b.wd.find("h1").await.ok());
                assert_fits(&b, path).await;
                if width == 390 {
                    let name = path.trim_matches('/').replace(['/', '?', '=', '&', '+'], "-");
                    let _ = b.wd.save_screenshot(&format!("phone-{name}.png")).await;
                }
            }
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_help_center_has_category_pages_spelling_and_a_way_to_ask() {
    with_browser("help-center", (1280, 900), |b| async move {
        // The home page's categories lead to their own pages.
        b.open_page("/help").await;
        let chip = page_element_with(&b, ".toc a", "Tickets").await;
        b.wd.click(&chip).await.expect("open the category");
        let h1 = wait_until!("the category page", 10, {
            match b.wd.find("h1").await {
                Ok(h) => b.wd.text(&h).await.ok().filter(|t| t == "Tickets"),
                Err(_) => None,
            }
        });
        let _ = h1;
        let url = b.wd.execute("return location.pathname;", vec![]).await.expect("url");
        assert_eq!(url, json!("/help/en/tickets"));
        let count = b.wd.find("[data-testid=category-count]").await.expect("count");
        let count = b.wd.text(&count).await.expect("text");
        let n = b
            .wd
            .execute("return document.querySelectorAll('[data-testid=category-articles] li').length;", vec![])
            .await
            .expect("articles")
            .as_i64()
            .expect("a number");
        assert!(n >= 2, "the category lists its articles: {n}");
        assert_eq!(count, format!("{n} articles"));
        // An article's breadcrumb leads back to its category.
        let article = page_element_with(&b, "[data-testid=category-articles] a", "Create a ticket").await;
        b.wd.click(&article).await.expect("open the article");
        let crumb = page_element_with(&b, ".breadcrumbs a", "Tickets").await;
        let href = b.wd.execute("return arguments[0].getAttribute('href');", vec![crumb.json()]).await.expect("href");
        assert_eq!(href, json!("/help/en/tickets"));
        // "Was this article helpful?", answered anonymously, then changed.
        for (vote, helpful) in [("yes", true), ("no", false)] {
            let button = page_element_with(&b, &format!("[data-testid=article-vote-{vote}]"), "").await;
            b.wd.click(&button).await.expect("vote");
            page_element_with(&b, ".article-feedback-status", "Thanks").await;
            let db = frontdesk::store::open(&b.data.join("frontdesk.db")).await.expect("db");
            let votes = wait_until!("the article's vote", 10, {
                let v = frontdesk::store::feedback::on(&db, frontdesk::store::feedback::Kind::Article, "/help/en/tickets/create-a-ticket")
                    .await
                    .unwrap_or_default();
                (v.len() == 1 && v[0].helpful == Some(helpful)).then_some(v)
            });
            assert!(votes[0].voter.starts_with("anon:"), "{votes:?}");
        }
        let _ = b.wd.save_screenshot("article-feedback.png").await;
        // A misspelt search says what it searched for, and counts right.
        b.open_page("/help/search?q=atachment+size+limit").await;
        let respelled = page_element_with(&b, "[data-testid=respelled]", "Showing results for").await;
        let text = b.wd.text(&respelled).await.expect("text");
        assert!(text.contains("attachment size limit"), "{text}");
        let count = page_element_with(&b, ".count", "found").await;
        let count = b.wd.text(&count).await.expect("text");
        let shown = b
            .wd
            .execute("return document.querySelectorAll('.results > li').length;", vec![])
            .await
            .expect("results")
            .as_i64()
            .expect("a number");
        let expected = if shown == 1 { "1 article found".to_string() } else { format!("{shown} articles found") };
        assert_eq!(count, expected);
        // Snippets start at a word.
        let snippets = b
            .wd
            .execute("return [...document.querySelectorAll('.snippet')].map(e => e.textContent.trim());", vec![])
            .await
            .expect("snippets");
        for s in snippets.as_array().into_iter().flatten().filter_map(Value::as_str) {
            let first = s.trim_start_matches('…').trim_start();
            assert!(
                first.chars().next().is_some_and(|c| c.is_uppercase() || !c.is_alphabetic()),
                "a snippet starts at a sentence: {s:?}"
            );
        }
        // No results: a real way to ask people, which opens the widget's form.
        b.open_page("/help/search?q=zzzz+qqqq").await;
        let ask = b.wd.find("[data-testid=no-results-request]").await.expect("the link");
        b.wd.click(&ask).await.expect("Submit a request");
        let root = b.widget().await;
        b.visible(&root, "[data-testid=ticket-form]").await;
        let _ = b.wd.save_screenshot("help-no-results-request.png").await;
        // The header has the same link on every page.
        b.open_page("/help/en/tickets").await;
        b.wd.find("[data-testid=submit-request]").await.expect("in the header");
        // The favicon exists.
        let icon = b
            .wd
            .execute("return fetch('/favicon.ico').then(r => [r.status, r.headers.get('content-type')]);", vec![])
            .await
            .expect("favicon");
        assert_eq!(icon, json!([200, "image/svg+xml"]));
    })
    .await;
}

/// axe-core's source (from the npm registry, installed into `target/axe`
/// on first use, as the test command does).
fn axe_source() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/axe");
    let file = dir.join("node_modules/axe-core/axe.min.js");
    if !file.exists() {
        let status = Command::new("npm")
            .args(["install", "--prefix"])
            .arg(&dir)
            .args(["axe-core@4.14.1", "--no-audit", "--no-fund", "--silent"])
            .status()
            .expect("npm, to install axe-core");
        assert!(status.success(), "npm could not install axe-core");
    }
    std::fs::read_to_string(&file).expect("axe.min.js")
}

/// Runs axe-core on the page and fails on any serious or critical violation.
async fn assert_accessible(b: &Browser, axe: &str, what: &str) {
    b.wd.execute(axe, vec![]).await.expect("load axe-core");
    b.wd.execute(
        "window.__axe = null; const host = document.getElementById('frontdesk-widget'); const moving = document.getAnimations().concat(host && host.shadowRoot ? host.shadowRoot.getAnimations() : []); Promise.all(moving.filter(a => !(a.effect && a.effect.getTiming().iterations === Infinity)).map(a => a.finished.catch(() => null))).then(() => axe.run(document, { resultTypes: ['violations'] })).then(r => { window.__axe = r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '').replace(/\\s+/g, ' ')).join(' | ')); }, e => { window.__axe = ['axe failed: ' + e]; });",
        vec![],
    )
    .await
    .expect("start axe");
    let violations = wait_until!(format!("axe on {what}"), 60, {
        match b.wd.execute("return window.__axe;", vec![]).await {
            Ok(v) if v.is_array() => Some(v),
            _ => None,
        }
    });
    assert_eq!(violations, json!([]), "accessibility of {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_the_widget_have_no_serious_accessibility_violations() {
    let axe = axe_source();
    with_browser("axe", (1366, 800), |b| async move {
        for (path, what) in [
            ("/help", "the help center"),
            ("/help/en/tickets/create-a-ticket", "an article"),
            ("/help/en/tickets", "a category"),
            ("/help/search?q=atachment", "a search"),
        ] {
            b.open_page(path).await;
            wait_until!(format!("{path} loaded"), 15, b.wd.find("h1").await.ok());
            assert_accessible(&b, &axe, what).await;
        }
        b.open_page("/demo/exams/42/settings").await;
        let root = b.widget().await;
        b.open_panel(&root).await;
        b.ask(&root, "how many attempts can students have", true)
            .await;
        assert_accessible(&b, &axe, "the widget open, with an answer").await;
        portal_login(&b, "operator@demo.test").await;
        for (path, what) in [
            ("/portal", "the portal's home"),
            ("/portal/tickets", "all tickets"),
            ("/portal/tickets/new", "a new ticket"),
            ("/console", "the console"),
        ] {
            b.open_page(path).await;
            wait_until!(format!("{path} loaded"), 15, b.wd.find("h1").await.ok());
            assert_accessible(&b, &axe, what).await;
        }
        // Log out (the portal's own form), then in as the admin.
        b.open_page("/portal").await;
        b.wd.execute("document.querySelector('form.logout').submit();", vec![]).await.expect("log out");
        wait_until!("the log-in page", 15, b.wd.find("#email").await.ok());
        portal_login(&b, "admin@demo.test").await;
        b.open_page("/console/reports?days=7").await;
        wait_until!("the reports", 15, b.wd.find("[data-testid=report-bot]").await.ok());
        assert_accessible(&b, &axe, "the reports").await;
        b.open_page("/console/reports/gaps?days=7").await;
        wait_until!("the content gaps", 15, b.wd.find("h1").await.ok());
        assert_accessible(&b, &axe, "the content gaps").await;
        b.open_page("/console/reports?days=7").await;
        wait_until!("the reports again", 15, b.wd.find("[data-testid=report-bot]").await.ok());
        // The chart, for a person to look at (the widget set aside).
        b.wd
            .execute("document.getElementById('frontdesk-widget').style.display = 'none'; document.querySelector('.chart-box').scrollIntoView();", vec![])
            .await
            .expect("scroll to the chart");
        let _ = b.wd.save_screenshot("reports.png").await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_drafts_an_article_from_a_content_gap_and_publishes_it() {
    let kb = tempfile::tempdir().expect("temp dir");
    common::copy_dir(&common::bundled_kb(), kb.path());
    let server = common::TestApp::spawn_with(kb.path(), Some("demo_activity = true"), true).await;
    with_browser_on(server, "draft", (1366, 900), |b| async move {
        portal_login(&b, "admin@demo.test").await;
        // The reports on the demo's two weeks, for the README's tour.
        b.open_page("/console/reports?days=30").await;
        wait_until!("the reports", 15, b.wd.find("[data-testid=backlog-chart]").await.ok());
        b.wd.execute("document.getElementById('frontdesk-widget').style.display = 'none';", vec![]).await.expect("hide the widget");
        let _ = b.wd.save_screenshot("tour-reports.png").await;
        b.open_page("/console/reports/gaps?days=30").await;
        wait_until!("the gaps", 20, b.wd.find("[data-testid=gap]").await.ok());
        b.wd.set_window_size(390, 844).await;
        assert_fits(&b, "the content gaps").await;
        let _ = b.wd.save_screenshot("tour-gaps-phone.png").await;
        b.wd.set_window_size(1366, 900).await;
        let button = wait_until!("a Draft an article button", 20, b.wd.find("[data-testid=draft-article]").await.ok());
        b.wd.click(&button).await.expect("draft");
        let h1 = page_element_with(&b, "h1", "Draft:").await;
        let title = b.wd.text(&h1).await.expect("title");
        let body = b.wd.find("#body").await.expect("the article's text");
        let text = b.wd.property(&body, "value").await.expect("value");
        assert!(text.as_str().is_some_and(|t| t.contains("Write the answer here.")), "{text}");
        let _ = b.wd.save_screenshot("draft.png").await;
        b.wd.set_window_size(390, 844).await;
        assert_fits(&b, "the draft editor").await;
        let _ = b.wd.save_screenshot("phone-draft.png").await;
        b.wd.set_window_size(1366, 900).await;

        // Publishing with the answer unwritten is refused, the text kept.
        let publish = b.wd.find("[data-testid=publish]").await.expect("publish");
        b.wd.click(&publish).await.expect("publish");
        page_element_with(&b, ".form-error", "write the answer").await;
        let h1 = b.wd.find("h1").await.expect("h1");
        assert_eq!(b.wd.text(&h1).await.expect("title"), title, "the draft stays");

        let answer = "Open **Grading**, choose *Export*, then pick the quizzlewhite format.";
        b.wd.execute(
            "const b = document.getElementById('body'); b.value = b.value.replace(/Write the answer here\\./, arguments[0]); document.getElementById('title').value = 'Export grades in quizzlewhite format';",
            vec![json!(answer)],
        )
        .await
        .expect("write the answer");
        let publish = b.wd.find("[data-testid=publish]").await.expect("publish");
        b.wd.click(&publish).await.expect("publish");
        let done = page_element_with(&b, "[data-testid=published]", "Published").await;
        let _ = b.wd.save_screenshot("published.png").await;
        let link = b.wd.text(&done).await.expect("text");
        assert!(link.contains("/help/en/"), "{link}");
        let a = b.wd.find("[data-testid=published] a").await.expect("the article's link");
        b.wd.click(&a).await.expect("open the article");
        page_element_with(&b, "h1", "Export grades in quizzlewhite format").await;
        page_element_with(&b, "main", "quizzlewhite format").await;
        let _ = b.wd.save_screenshot("published-article.png").await;

        // The webhooks page with an endpoint and its log, on both sizes.
        b.open_page("/console/webhooks").await;
        let url = b.wd.find("#url").await.expect("url");
        b.wd.send_keys(&url, "https://hooks.example.com/frontdesk").await.expect("url");
        b.wd.execute("document.querySelector('input[value=\"ticket.created\"]').click(); document.querySelector('input[value=\"chat.ended\"]').click();", vec![]).await.expect("events");
        let add = page_element_with(&b, "button", "Add the endpoint").await;
        b.wd.click(&add).await.expect("add");
        let secret = page_element_with(&b, "[data-testid=secret]", "whsec_").await;
        assert!(b.wd.text(&secret).await.expect("secret").contains("not shown again"));
        let test = b.wd.find("[data-testid=send-test]").await.expect("send test");
        b.wd.click(&test).await.expect("send a test event");
        page_element_with(&b, "[data-testid=deliveries]", "webhook.test").await;
        let _ = b.wd.save_screenshot("webhooks.png").await;
        b.wd.set_window_size(390, 844).await;
        assert_fits(&b, "/console/webhooks").await;
        let _ = b.wd.save_screenshot("phone-webhooks.png").await;
        drop(kb);
    })
    .await;
}
