//! A RabbitMQ node of its own, for the fault tests and the bench's broker-outage run: it is
//! started, stopped (`rabbitmqctl stop_app`, or the whole node), started again and removed,
//! while the machine's shared broker on 5672 never notices. Needs `rabbitmq-server` and
//! `rabbitmqctl` on the `PATH` (Debian's `rabbitmq-server` package).
//!
//! The calls block (they run `rabbitmqctl`): from async code with other work on the runtime,
//! call them through `tokio::task::spawn_blocking`.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::{free_port, unique};

/// Runs `cmd` to its end: whether it succeeded, and its standard output and error.
pub fn run(cmd: &mut Command) -> (bool, String) {
    match cmd.output() {
        Ok(out) => (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        ),
        Err(e) => (false, format!("cannot run {cmd:?}: {e}")),
    }
}

/// A RabbitMQ node of the test's own: its own node name, AMQP and distribution ports, data and
/// log directories under a temp dir. Stopped and removed at the end (or on drop).
pub struct RabbitNode {
    pub name: String,
    pub port: u16,
    dist_port: u16,
    dir: PathBuf,
    removed: bool,
}

impl RabbitNode {
    pub async fn start() -> RabbitNode {
        RabbitNode::start_with("", "[].").await
    }

    /// A node with `conf` as its `rabbitmq.conf` and `advanced` as its `advanced.config`.
    pub async fn start_with(conf: &str, advanced: &str) -> RabbitNode {
        let id = unique();
        let dir = std::env::temp_dir().join(format!("kummerer-rmq-{id}"));
        std::fs::create_dir_all(&dir).unwrap();
        // The server runs as the `rabbitmq` user: it must be able to write there.
        let _ = run(Command::new("chmod").arg("777").arg(&dir));
        std::fs::write(dir.join("rabbitmq.conf"), conf).unwrap();
        std::fs::write(dir.join("advanced.config"), format!("{advanced}\n")).unwrap();
        std::fs::write(dir.join("enabled_plugins"), "[].\n").unwrap();
        let _ = run(Command::new("chmod")
            .arg("644")
            .arg(dir.join("rabbitmq.conf"))
            .arg(dir.join("advanced.config"))
            .arg(dir.join("enabled_plugins")));
        let port = free_port();
        let mut dist_port = free_port();
        while dist_port == port {
            dist_port = free_port();
        }
        let node = RabbitNode {
            name: format!("kt{id}@localhost"),
            port,
            dist_port,
            dir,
            removed: false,
        };
        node.boot();
        node.await_startup();
        node
    }

    pub fn amqp_url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    /// `rabbitmq-server -detached` with this node's environment.
    pub fn boot(&self) {
        let d = |p: &str| self.dir.join(p).display().to_string();
        let (ok, out) = run(Command::new("rabbitmq-server")
            .arg("-detached")
            .env("RABBITMQ_NODENAME", &self.name)
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_NODE_PORT", self.port.to_string())
            .env("RABBITMQ_DIST_PORT", self.dist_port.to_string())
            .env("RABBITMQ_CONFIG_FILE", d("rabbitmq.conf"))
            .env("RABBITMQ_ADVANCED_CONFIG_FILE", d("advanced.config"))
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", d("enabled_plugins"))
            .env("RABBITMQ_MNESIA_BASE", d("mnesia"))
            .env("RABBITMQ_LOG_BASE", d("log")));
        assert!(ok, "rabbitmq-server -detached failed: {out}");
    }

    /// Waits until the node's application runs (the node may not be reachable at first).
    pub fn await_startup(&self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let (ok, out) = run(Command::new("rabbitmqctl").args([
                "-n",
                &self.name,
                "await_startup",
                "--timeout",
                "60",
            ]));
            if ok {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "RabbitMQ node {} did not start: {out}",
                self.name
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// Everything the node logged so far.
    pub fn log(&self) -> String {
        let Ok(entries) = std::fs::read_dir(self.dir.join("log")) else {
            return String::new();
        };
        entries
            .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
            .collect()
    }

    /// `rabbitmqctl -n <node> <args>`, which must succeed.
    pub fn ctl(&self, args: &[&str]) {
        let (ok, out) = run(Command::new("rabbitmqctl")
            .arg("-n")
            .arg(&self.name)
            .args(args));
        assert!(ok, "rabbitmqctl {args:?} failed: {out}");
    }

    pub fn remove(mut self) {
        self.cleanup();
    }

    fn cleanup(&mut self) {
        if self.removed {
            return;
        }
        self.removed = true;
        let _ = run(Command::new("rabbitmqctl").args(["-n", &self.name, "stop"]));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Drop for RabbitNode {
    fn drop(&mut self) {
        self.cleanup();
    }
}

/// One queue as `rabbitmqctl list_queues` shows it.
#[derive(Debug, Clone)]
pub struct QueueState {
    pub name: String,
    pub ready: u64,
    pub unacked: u64,
    pub consumers: u64,
}

/// The queues of `node` whose names start with `prefix`.
pub fn queues(node: &str, prefix: &str) -> Vec<QueueState> {
    let (ok, out) = run(Command::new("rabbitmqctl").args([
        "-n",
        node,
        "list_queues",
        "name",
        "messages_ready",
        "messages_unacknowledged",
        "consumers",
        "--no-table-headers",
        "--quiet",
    ]));
    assert!(ok, "list_queues failed: {out}");
    out.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            match f.as_slice() {
                [name, ready, unacked, consumers] if name.starts_with(prefix) => Some(QueueState {
                    name: (*name).to_owned(),
                    ready: ready.parse().ok()?,
                    unacked: unacked.parse().ok()?,
                    consumers: consumers.parse().ok()?,
                }),
                _ => None,
            }
        })
        .collect()
}
