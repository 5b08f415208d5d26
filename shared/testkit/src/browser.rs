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

/// The desktop viewport the page checks use.
pub const DESKTOP: (u32, u32) = (1280, 800);
/// The phone viewport the page checks use (CSS pixels of a common 6.1" phone).
pub const PHONE: (u32, u32) = (390, 844);

/// A session at `viewport` speaking `lang` (`de` or `en`): a phone viewport (narrower than
/// 600 px) is emulated as a touch device, the way a phone's Chromium reports itself; the
/// browser's `Accept-Language` is `lang`.
pub async fn session_for(
    driver: &Driver,
    profile: &Path,
    viewport: (u32, u32),
    lang: &str,
) -> fantoccini::Client {
    let mut extra = json!({ "prefs": { "intl.accept_languages": lang } });
    if viewport.0 < 600 {
        extra["mobileEmulation"] = json!({
            "deviceMetrics": { "width": viewport.0, "height": viewport.1, "pixelRatio": 2.0,
                               "mobile": true, "touch": true }
        });
    }
    driver.session(profile, viewport, extra).await
}

/// Sets the language cookie the pages honour (`kummerer_lang`) for the current origin; call it
/// once a page of the origin is open.
pub async fn set_language_cookie(
    c: &fantoccini::Client,
    lang: &str,
) -> Result<(), fantoccini::error::CmdError> {
    c.execute(
        "document.cookie = 'kummerer_lang=' + arguments[0] + '; path=/; SameSite=Lax'",
        vec![json!(lang)],
    )
    .await?;
    Ok(())
}

/// Clicks `element` (a form's submit button) and waits until the page the submission leads to
/// has loaded: the old document gone, the new one complete. Waiting for an element alone can
/// match the old page while the submission is still on its way (Chromium answers a click
/// before the navigation it starts is done), and a `goto` right after it then loses to the
/// submission's redirect.
pub async fn submit_and_load(
    c: &fantoccini::Client,
    element: fantoccini::elements::Element,
) -> Result<(), fantoccini::error::CmdError> {
    c.execute("window.__kummererOldPage = true;", vec![])
        .await?;
    element.click().await?;
    let deadline = std::time::Instant::now() + START;
    loop {
        let loaded = c
            .execute(
                "return window.__kummererOldPage !== true && document.readyState === 'complete';",
                vec![],
            )
            .await
            // The old document may be going away while it is asked.
            .unwrap_or(Value::Bool(false));
        if loaded == Value::Bool(true) {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            return Err(fantoccini::error::CmdError::WaitTimeout);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Where the pinned axe-core (`axe.min.js`) is: `$KUMMERER_AXE_JS`, else
/// `~/.cache/kummerer/axe-core/axe.min.js` (what `bash .ci/run` installs).
pub fn axe_path() -> PathBuf {
    if let Ok(path) = std::env::var("KUMMERER_AXE_JS") {
        return PathBuf::from(path);
    }
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".to_owned());
    Path::new(&home).join(".cache/kummerer/axe-core/axe.min.js")
}

/// The source of axe-core; a missing file fails the test saying how to get it.
pub fn axe_source() -> String {
    let path = axe_path();
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is absent ({}: {e}): `bash .ci/run` fetches the pinned release into \
             ~/.cache/kummerer/axe-core/ (or point KUMMERER_AXE_JS at an axe.min.js)",
            path.display()
        )
    })
}

/// One rule axe-core found broken on a page, with the elements that break it.
#[derive(Debug, Clone)]
pub struct AxeViolation {
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: String,
    pub help: String,
    pub help_url: String,
    /// Per element: its CSS selector, its HTML (shortened) and what fails.
    pub nodes: Vec<(String, String, String)>,
}

impl AxeViolation {
    /// Serious or critical: what the tests refuse.
    pub fn is_serious(&self) -> bool {
        matches!(self.impact.as_str(), "serious" | "critical")
    }

    fn parse(v: &Value) -> AxeViolation {
        let s = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_owned();
        let nodes = v["nodes"]
            .as_array()
            .map(|nodes| {
                nodes
                    .iter()
                    .map(|n| {
                        let target = n["target"]
                            .as_array()
                            .map(|t| {
                                t.iter()
                                    .map(|x| {
                                        x.as_str().map_or_else(|| x.to_string(), str::to_owned)
                                    })
                                    .collect::<Vec<_>>()
                                    .join(" ")
                            })
                            .unwrap_or_default();
                        let mut html = s(n, "html");
                        if html.chars().count() > 200 {
                            html = html.chars().take(200).collect::<String>() + "…";
                        }
                        (target, html, s(n, "failureSummary"))
                    })
                    .collect()
            })
            .unwrap_or_default();
        AxeViolation {
            id: s(v, "id"),
            impact: s(v, "impact"),
            help: s(v, "help"),
            help_url: s(v, "helpUrl"),
            nodes,
        }
    }
}

impl std::fmt::Display for AxeViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "[{}] {}: {} ({})",
            self.impact, self.id, self.help, self.help_url
        )?;
        for (target, html, summary) in &self.nodes {
            writeln!(f, "    at {target}: {html}")?;
            for line in summary.lines() {
                writeln!(f, "      {line}")?;
            }
        }
        Ok(())
    }
}

/// Runs axe-core on the page open in `c` (WCAG 2.x A and AA rules and axe's best practices) and
/// returns every violation. The script is sent through WebDriver's execute-script, which runs
/// it in the page without going through the page's Content-Security-Policy (no `<script>`
/// element is added), so the pages keep their strict policy.
pub async fn axe_check(
    c: &fantoccini::Client,
) -> Result<Vec<AxeViolation>, fantoccini::error::CmdError> {
    let loaded = c.execute("return typeof window.axe", vec![]).await?;
    if loaded.as_str() != Some("object") {
        c.execute(&axe_source(), vec![]).await?;
    }
    let found = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.axe.run(document, { resultTypes: ['violations'] })
               .then(r => done(JSON.stringify(r.violations)))
               .catch(e => done(JSON.stringify({ error: String(e) })));",
            vec![],
        )
        .await?;
    let found: Value = serde_json::from_str(found.as_str().unwrap_or("[]")).unwrap_or(Value::Null);
    if let Some(error) = found.get("error") {
        panic!("axe-core failed on {}: {error}", c.current_url().await?);
    }
    Ok(found
        .as_array()
        .map(|v| v.iter().map(AxeViolation::parse).collect())
        .unwrap_or_default())
}

/// What is wrong with the page open in `c`, readably, headed by `label`: axe-core's serious and
/// critical violations and, below 600 px, a page wider than the screen. Empty when all is well.
pub async fn page_problems(
    c: &fantoccini::Client,
    label: &str,
) -> Result<Vec<String>, fantoccini::error::CmdError> {
    let mut problems: Vec<String> = axe_check(c)
        .await?
        .into_iter()
        .filter(AxeViolation::is_serious)
        .map(|v| format!("{label}: {v}"))
        .collect();
    let widths = c
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth]",
            vec![],
        )
        .await?;
    let (scroll, inner) = (
        widths[0].as_u64().unwrap_or(0),
        widths[1].as_u64().unwrap_or(0),
    );
    if inner < 600 && scroll > inner {
        let wide = c
            .execute(
                "return Array.from(document.querySelectorAll('body *'))
                   .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                   .slice(0, 8)
                   .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                     + (e.className && typeof e.className === 'string'
                        ? '.' + e.className.trim().split(/\\s+/).join('.') : '')
                     + ' (right ' + Math.round(e.getBoundingClientRect().right) + ')')",
                vec![],
            )
            .await?;
        problems.push(format!(
            "{label}: the page is {scroll} px wide on a {inner} px screen; too wide: {wide}\n"
        ));
    }
    Ok(problems)
}

/// What a run of page checks gathers: every problem found, page by page, and — when
/// `KUMMERER_SCREENSHOT_DIR` is set — the screenshots asked for, written there at the end.
pub struct PageChecks {
    problems: Vec<String>,
    shots: Option<Screenshots>,
}

/// The directory screenshots go to, and the ones taken (file name, PNG).
type Screenshots = (PathBuf, Vec<(String, Vec<u8>)>);

impl Default for PageChecks {
    fn default() -> Self {
        PageChecks {
            problems: Vec::new(),
            shots: std::env::var("KUMMERER_SCREENSHOT_DIR")
                .ok()
                .map(|dir| (PathBuf::from(dir), Vec::new())),
        }
    }
}

impl PageChecks {
    /// Checks the page open in `c` ([`page_problems`]); with `shot` named and screenshots asked
    /// for, also takes its screenshot under that file name.
    pub async fn check(
        &mut self,
        c: &fantoccini::Client,
        label: &str,
        shot: Option<String>,
    ) -> Result<(), fantoccini::error::CmdError> {
        self.problems.extend(page_problems(c, label).await?);
        if let (Some((_, pngs)), Some(name)) = (self.shots.as_mut(), shot) {
            pngs.push((name, c.screenshot().await?));
        }
        Ok(())
    }

    /// Writes the screenshots, then fails the test with every problem found.
    pub fn finish(self) {
        if let Some((dir, pngs)) = &self.shots {
            std::fs::create_dir_all(dir).unwrap();
            for (name, png) in pngs {
                std::fs::write(dir.join(name), png).unwrap();
            }
        }
        assert!(
            self.problems.is_empty(),
            "{} problem(s) on the pages:\n{}",
            self.problems.len(),
            self.problems.join("\n")
        );
    }
}
