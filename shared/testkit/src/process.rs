//! A service binary run as a real process, so a test can kill it (SIGKILL) or stop it
//! (SIGTERM) and start it again.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Stdio;

use tokio::process::{Child, Command};

pub struct ServiceProcess {
    pub name: String,
    pub bin: PathBuf,
    pub env: HashMap<String, String>,
    pub port: u16,
    child: Option<Child>,
}

impl ServiceProcess {
    pub fn new(
        name: &str,
        bin: impl Into<PathBuf>,
        env: HashMap<String, String>,
        port: u16,
    ) -> Self {
        Self {
            name: name.to_owned(),
            bin: bin.into(),
            env,
            port,
            child: None,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts the process (its log goes to the test's stderr when `KUMMERER_TEST_LOGS` is set).
    pub fn start(&mut self) {
        let mut cmd = Command::new(&self.bin);
        cmd.envs(&self.env)
            .env("KUMMERER_BIND", format!("127.0.0.1:{}", self.port))
            .stdin(Stdio::null())
            .kill_on_drop(true);
        if std::env::var_os("KUMMERER_TEST_LOGS").is_none() {
            cmd.stdout(Stdio::null()).stderr(Stdio::null());
        }
        self.child = Some(
            cmd.spawn()
                .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", self.bin)),
        );
    }

    /// SIGKILL: no chance to finish anything.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = crate::step(
                format_args!("killing {} and waiting for its exit", self.name),
                crate::STEP_LIMIT,
                child.kill(),
            )
            .await;
        }
    }

    /// SIGTERM, then waits for the exit; returns whether it exited successfully.
    pub async fn terminate(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return false;
        };
        if let Some(pid) = child.id() {
            let _ = std::process::Command::new("kill")
                .arg("-TERM")
                .arg(pid.to_string())
                .status();
        }
        match tokio::time::timeout(std::time::Duration::from_secs(30), child.wait()).await {
            Ok(Ok(status)) => status.success(),
            _ => {
                let _ = crate::step(
                    format_args!("killing {} after SIGTERM went unheeded", self.name),
                    crate::STEP_LIMIT,
                    child.kill(),
                )
                .await;
                false
            }
        }
    }

    /// SIGKILL without waiting (usable from `Drop`).
    pub fn kill_now(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(|c| c.id())
    }
}
