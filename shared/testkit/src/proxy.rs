//! A TCP proxy a test puts between a service and RabbitMQ (or PostgreSQL), to cut every
//! connection at once or refuse new ones for a while — a broker restart, seen from the service,
//! without disturbing the tests running beside it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct TcpProxy {
    pub port: u16,
    cut: watch::Sender<u64>,
    down: Arc<AtomicBool>,
    accepted: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl TcpProxy {
    pub async fn start(target: SocketAddr) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().expect("proxy addr").port();
        let (cut, cut_rx) = watch::channel(0u64);
        let down = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(accept_loop(
            listener,
            target,
            cut_rx,
            down.clone(),
            accepted.clone(),
        ));
        TcpProxy {
            port,
            cut,
            down,
            accepted,
            task,
        }
    }

    /// Drops every open connection through the proxy.
    pub fn cut_all(&self) {
        self.cut.send_modify(|g| *g += 1);
    }

    /// While down, new connections are closed at once (and open ones are cut).
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
        if down {
            self.cut_all();
        }
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut_all();
        self.task.abort();
    }
}

async fn accept_loop(
    listener: TcpListener,
    target: SocketAddr,
    cut: watch::Receiver<u64>,
    down: Arc<AtomicBool>,
    accepted: Arc<AtomicU64>,
) {
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else {
            continue;
        };
        if down.load(Ordering::SeqCst) {
            drop(inbound);
            continue;
        }
        accepted.fetch_add(1, Ordering::SeqCst);
        let mut cut = cut.clone();
        cut.mark_unchanged();
        tokio::spawn(async move {
            let Ok(mut outbound) = TcpStream::connect(target).await else {
                return;
            };
            tokio::select! {
                _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                _ = cut.changed() => {}
            }
        });
    }
}
