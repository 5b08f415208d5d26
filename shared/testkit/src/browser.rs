//! A real headless Chromium for the page tests: Debian's `chromium` driven through
//! `chromedriver` on a free port (fantoccini over plain HTTP on 127.0.0.1, so no TLS provider).
//! Absent tools fail the test with a clear message — a browser test never passes silently.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use fantoccini::ClientBuilder;
use serde_json::{Value, json};

use crate::{eventually, free_port, unique};

/// How long chromedriver may take to answer.
const START: std::time::Duration = std::time::Duration::from_secs(30);

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// A directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A new empty directory under the system's temp dir, named `kummerer-<label>-<unique>`.
    pub fn new(label: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("kummerer-{label}-{}", unique()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running chromedriver (killed on drop) and its URL.
pub struct Driver {
    pub child: tokio::process::Child,
    pub url: String,
}

/// Starts chromedriver on a free port and waits until it answers.
pub async fn chromedriver() -> Driver {
    assert!(
        Path::new(CHROMEDRIVER).exists(),
        "{CHROMEDRIVER} is absent: `bash .ci/run` installs Debian's chromium and chromium-driver"
    );
    let port = free_port();
    let child = tokio::process::Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let status = format!("{url}/status");
    eventually("chromedriver up", START, || {
        let status = status.clone();
        async move {
            reqwest::get(&status)
                .await
                .ok()
                .filter(|r| r.status().is_success())
                .map(|_| ())
        }
    })
    .await;
    Driver { child, url }
}

impl Driver {
    /// A headless Chromium session with its own profile directory and a `width`×`height`
    /// window; `extra` is merged into `goog:chromeOptions` (e.g. `mobileEmulation`).
    pub async fn session(
        &self,
        profile: &Path,
        (width, height): (u32, u32),
        extra: Value,
    ) -> fantoccini::Client {
        let mut options = json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", profile.display()),
            ],
        });
        if let (Some(o), Value::Object(more)) = (options.as_object_mut(), extra) {
            o.extend(more);
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".to_owned(), options);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&self.url)
            .await
            .unwrap()
    }
}
