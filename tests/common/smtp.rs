//! A minimal in-process SMTP server for integration tests: plain TCP on
//! 127.0.0.1, no TLS, no AUTH. Records every accepted message and can
//! simulate an outage (421 greeting) or refuse recipients with a chosen code.
#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// One message accepted by the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The MAIL FROM address, without angle brackets.
    pub from: String,
    /// The RCPT TO addresses, without angle brackets.
    pub to: Vec<String>,
    /// The DATA content, dot-unstuffed, with its CRLF line endings and
    /// without the terminating `.` line.
    pub data: String,
}

#[derive(Default)]
struct State {
    mails: Mutex<Vec<ReceivedMail>>,
    down: AtomicBool,
    /// When non-zero, every RCPT TO is answered with this code.
    rcpt_reply: AtomicU16,
}

pub struct SmtpServer {
    pub port: u16,
    state: Arc<State>,
    accept_loop: JoinHandle<()>,
}

impl SmtpServer {
    /// Binds 127.0.0.1 on a free port and starts accepting connections.
    pub async fn start() -> SmtpServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the test SMTP server");
        let port = listener.local_addr().expect("local address").port();
        let state = Arc::new(State::default());
        let shared = Arc::clone(&state);
        let accept_loop = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = Arc::clone(&shared);
                tokio::spawn(async move {
                    // A client that hangs up mid-session is not a test failure.
                    let _ = serve(stream, state).await;
                });
            }
        });
        SmtpServer {
            port,
            state,
            accept_loop,
        }
    }

    /// The messages accepted so far, oldest first.
    pub fn received(&self) -> Vec<ReceivedMail> {
        self.state.mails.lock().expect("mail list lock").clone()
    }

    /// Polls until at least `count` messages arrived or `timeout` passed,
    /// and returns what arrived either way.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let mails = self.received();
            if mails.len() >= count || Instant::now() >= deadline {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// While down, every new connection is greeted with 421 and closed.
    pub fn set_down(&self, down: bool) {
        self.state.down.store(down, Ordering::SeqCst);
    }

    /// While set, RCPT TO is answered with this code (e.g. 550 for a
    /// permanent refusal, 451 for a temporary one); `None` accepts again.
    pub fn reject_recipients(&self, code: Option<u16>) {
        self.state
            .rcpt_reply
            .store(code.unwrap_or(0), Ordering::SeqCst);
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

/// Text between the first `<` and the following `>` of a MAIL/RCPT argument.
fn angle_address(arg: &str) -> Option<String> {
    let start = arg.find('<')?;
    let end = arg[start..].find('>')? + start;
    Some(arg[start + 1..end].to_owned())
}

async fn serve(stream: TcpStream, state: Arc<State>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);

    if state.down.load(Ordering::SeqCst) {
        write
            .write_all(b"421 4.3.2 Service not available, closing channel\r\n")
            .await?;
        return write.shutdown().await;
    }
    write
        .write_all(b"220 localhost ESMTP test server\r\n")
        .await?;

    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\r', '\n']);
        let (verb, arg) = text.split_once(' ').unwrap_or((text, ""));
        let verb = verb.to_ascii_uppercase();
        let upper_arg = arg.to_ascii_uppercase();

        let reply: String = match verb.as_str() {
            "EHLO" => "250-localhost greets you\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n\
                       250-SIZE 10485760\r\n250 HELP\r\n"
                .into(),
            "HELO" => "250 localhost\r\n".into(),
            "MAIL" if upper_arg.starts_with("FROM:") => match angle_address(arg) {
                Some(address) => {
                    from = Some(address);
                    to.clear();
                    "250 2.1.0 Ok\r\n".into()
                }
                None => "501 5.5.4 Syntax: MAIL FROM:<address>\r\n".into(),
            },
            "RCPT" if upper_arg.starts_with("TO:") => {
                let forced = state.rcpt_reply.load(Ordering::SeqCst);
                match (&from, angle_address(arg)) {
                    (None, _) => "503 5.5.1 Error: need MAIL command\r\n".into(),
                    (_, None) => "501 5.5.4 Syntax: RCPT TO:<address>\r\n".into(),
                    _ if forced != 0 => format!("{forced} Recipient refused by test server\r\n"),
                    (Some(_), Some(address)) => {
                        to.push(address);
                        "250 2.1.5 Ok\r\n".into()
                    }
                }
            }
            "DATA" => {
                if from.is_none() || to.is_empty() {
                    "503 5.5.1 Error: need RCPT command\r\n".into()
                } else {
                    write
                        .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                        .await?;
                    let data = read_data(&mut reader).await?;
                    let mail = ReceivedMail {
                        from: from.take().unwrap_or_default(),
                        to: std::mem::take(&mut to),
                        data,
                    };
                    state.mails.lock().expect("mail list lock").push(mail);
                    "250 2.0.0 Ok: queued\r\n".into()
                }
            }
            "RSET" => {
                from = None;
                to.clear();
                "250 2.0.0 Ok\r\n".into()
            }
            "NOOP" => "250 2.0.0 Ok\r\n".into(),
            "QUIT" => {
                write.write_all(b"221 2.0.0 Bye\r\n").await?;
                return write.shutdown().await;
            }
            _ => "502 5.5.2 Error: command not recognized\r\n".into(),
        };
        write.write_all(reply.as_bytes()).await?;
    }
}

/// Reads DATA lines up to the lone `.` line, undoing dot-stuffing.
async fn read_data<R: AsyncBufReadExt + Unpin>(reader: &mut R) -> std::io::Result<String> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok(String::from_utf8_lossy(&data).into_owned());
        }
        let content = if line.starts_with(b"..") {
            &line[1..]
        } else {
            &line[..]
        };
        data.extend_from_slice(content);
    }
}
