//! The customer's notifications, received for real: an SMTP server (Python's `aiosmtpd`, in
//! the venv `.ci/run` installs; never a mock of the mailer) and an HTTP SMS gateway, both on
//! 127.0.0.1, each recording what it received.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};

/// The Python of the venv with `aiosmtpd` (`$KUMMERER_SMTP_PYTHON`, else the one `.ci/run`
/// makes in `~/.cache/kummerer/smtp-venv`).
pub fn smtp_python() -> PathBuf {
    if let Ok(p) = std::env::var("KUMMERER_SMTP_PYTHON") {
        return PathBuf::from(p);
    }
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".to_owned());
    PathBuf::from(home).join(".cache/kummerer/smtp-venv/bin/python")
}

const SERVER: &str = r#"
import email, email.policy, json, os, sys, threading, uuid
from aiosmtpd.controller import Controller

port, out = int(sys.argv[1]), sys.argv[2]

class Handler:
    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        def part(kind):
            body = msg.get_body((kind,))
            return body.get_content() if body is not None else ""
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(msg["subject"] or ""),
            "message_id": str(msg["message-id"] or ""),
            "from": str(msg["from"] or ""),
            "to": str(msg["to"] or ""),
            "text": part("plain"),
            "html": part("html"),
        }
        name = os.path.join(out, "%s.json" % uuid.uuid4())
        with open(name + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(name + ".tmp", name)
        return "250 OK"

controller = Controller(Handler(), hostname="127.0.0.1", port=port)
controller.start()
print("ready", flush=True)
sys.stdout = open(os.devnull, "w")
threading.Event().wait()
"#;

/// A real SMTP server on 127.0.0.1 that keeps every message it accepts (decoded: subject,
/// text and HTML parts, `Message-ID`). Killed when dropped.
pub struct SmtpServer {
    pub port: u16,
    dir: PathBuf,
    child: Child,
    /// Kept open: the server wrote "ready" to it.
    _stdout: tokio::process::ChildStdout,
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        Self::start_on(crate::free_port()).await
    }

    /// On `port` (e.g. again after [`SmtpServer::stop`]: the same settings reach it).
    pub async fn start_on(port: u16) -> SmtpServer {
        let dir = std::env::temp_dir().join(format!("kummerer-smtp-{}", crate::unique()));
        std::fs::create_dir_all(&dir).expect("smtp dir");
        let script = dir.join("server.py");
        std::fs::write(&script, SERVER).expect("smtp script");
        let python = smtp_python();
        let mut child = Command::new(&python)
            .arg(&script)
            .arg(port.to_string())
            .arg(&dir)
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start the test SMTP server with {} ({e}): run .ci/run once, or set \
                     KUMMERER_SMTP_PYTHON to a python with aiosmtpd",
                    python.display()
                )
            });
        let mut out = child.stdout.take().expect("stdout");
        let mut buf = [0u8; 16];
        let n = tokio::time::timeout(Duration::from_secs(20), out.read(&mut buf))
            .await
            .expect("SMTP server ready in time")
            .expect("SMTP server output");
        assert!(
            String::from_utf8_lossy(&buf[..n]).contains("ready"),
            "SMTP server did not start"
        );
        SmtpServer {
            port,
            dir,
            child,
            _stdout: out,
        }
    }

    /// Every message received so far (JSON objects: `rcpt_tos`, `subject`, `message_id`,
    /// `text`, `html`, …).
    pub fn messages(&self) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return out;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json")
                && let Ok(text) = std::fs::read_to_string(&path)
                && let Ok(v) = serde_json::from_str(&text)
            {
                out.push(v);
            }
        }
        out
    }

    /// The settings that make the retailer send here (plain SMTP on localhost).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("KUMMERER_SMTP_HOST", "127.0.0.1".to_owned()),
            ("KUMMERER_SMTP_PORT", self.port.to_string()),
            ("KUMMERER_SMTP_TLS", "none".to_owned()),
            (
                "KUMMERER_SMTP_FROM",
                "Kümmerer <service@kummerer.test>".to_owned(),
            ),
        ]
    }

    /// Stops the server (the messages stay readable until drop); the port is free again.
    pub async fn stop(&mut self) {
        let _ = self.child.kill().await;
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One request the SMS gateway received.
#[derive(Debug, Clone)]
pub struct SmsRequest {
    pub idempotency_key: Option<String>,
    pub authorization: Option<String>,
    pub body: serde_json::Value,
}

/// A local HTTP SMS gateway: answers `POST` with 202 (or 503 for the first `fail_first`
/// requests; `usize::MAX`: always) and records every request it accepted, and how many it
/// refused.
pub struct SmsGateway {
    pub port: u16,
    received: Arc<Mutex<Vec<SmsRequest>>>,
    refused: Arc<Mutex<usize>>,
    task: tokio::task::JoinHandle<()>,
}

impl SmsGateway {
    pub async fn start(fail_first: usize) -> SmsGateway {
        let port = crate::free_port();
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("sms gateway bind");
        let received = Arc::new(Mutex::new(Vec::new()));
        let seen = received.clone();
        let refused = Arc::new(Mutex::new(0));
        let refusals = refused.clone();
        let failures = Arc::new(Mutex::new(fail_first));
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let seen = seen.clone();
                let refusals = refusals.clone();
                let failures = failures.clone();
                tokio::spawn(async move {
                    let Some(req) = read_request(&mut socket).await else {
                        return;
                    };
                    let fail = {
                        let mut left = failures.lock().unwrap();
                        let fail = *left > 0;
                        *left = left.saturating_sub(1);
                        fail
                    };
                    let status = if fail {
                        *refusals.lock().unwrap() += 1;
                        "503 Service Unavailable"
                    } else {
                        seen.lock().unwrap().push(req);
                        "202 Accepted"
                    };
                    let res = format!(
                        "HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    );
                    let _ = socket.write_all(res.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        SmsGateway {
            port,
            received,
            refused,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/sms", self.port)
    }

    pub fn received(&self) -> Vec<SmsRequest> {
        self.received.lock().unwrap().clone()
    }

    /// How many requests it answered with 503.
    pub fn refused(&self) -> usize {
        *self.refused.lock().unwrap()
    }

    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("KUMMERER_SMS_GATEWAY_URL", self.url()),
            ("KUMMERER_SMS_GATEWAY_TOKEN", "sms-test-token".to_owned()),
        ]
    }
}

impl Drop for SmsGateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<SmsRequest> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let header = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    };
    let len: usize = header("content-length")?.parse().ok()?;
    while buf.len() < head_end + len {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = serde_json::from_slice(&buf[head_end..head_end + len]).ok()?;
    Some(SmsRequest {
        idempotency_key: header("idempotency-key"),
        authorization: header("authorization"),
        body,
    })
}
