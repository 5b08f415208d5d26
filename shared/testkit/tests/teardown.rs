#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The broker clean-up every test ends with finishes, again and again (it once raced lapin's
//! automatic channel closes against the connection close).

use std::time::Duration;

use kummerer_messaging::Names;
use kummerer_testkit::service::cleanup_broker;
use kummerer_testkit::{TestBroker, step};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_broker_clean_up_finishes_every_time() {
    for _ in 0..5 {
        let broker = TestBroker::new();
        let names = Names::new(broker.prefix.clone());
        step(
            "a whole broker clean-up",
            Duration::from_secs(60),
            cleanup_broker(&broker, &names),
        )
        .await;
    }
}
