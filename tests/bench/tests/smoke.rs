//! No benchmark rots: every bench binary runs here at its tiny size (`--tiny`) against the real
//! PostgreSQL and RabbitMQ, and must seed, serve and print its figures. The full sizes are for
//! the README's figures (`cargo run --release -p bench …`), not for CI. The flow bench's tiny
//! run ends with a 3 s broker outage on a RabbitMQ node of its own (`rabbitmq-server` and
//! `rabbitmqctl` as root, as the fault tests need).
#![allow(clippy::panic)]

use std::process::Command;
use std::time::Instant;

/// Runs `bin --tiny`, fails with its output unless it exits 0 and prints every line of
/// `expected` (substrings of its standard output).
fn smoke(bin: &str, expected: &[&str]) {
    let started = Instant::now();
    let out = Command::new(bin)
        .arg("--tiny")
        .output()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{bin} --tiny failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    for line in expected {
        assert!(
            stdout.contains(line),
            "{bin} --tiny did not print {line:?}:\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
        );
    }
    eprintln!(
        "{bin} --tiny: {:.1} s\n{stdout}",
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn the_flow_bench_runs_at_tiny_size() {
    smoke(
        env!("CARGO_BIN_EXE_bench"),
        &[
            "== the system: 20 swaps, 4 concurrent clients ==",
            "swaps/s through the whole flow",
            "message hops/s",
            "approval → claim decision at the retailer",
            "open loop at 50/s",
            "== the naive hop ==",
            "message hops/s through the flow ÷ naive hops/s",
            "== broker outage: away",
            "backlog when the broker came back: outbox rows waiting",
            "messages/s   goal ≥ 5000 messages/s",
            "peak RSS over the outage and the drain",
        ],
    );
}

#[test]
fn the_crew_page_bench_runs_at_tiny_size() {
    smoke(
        env!("CARGO_BIN_EXE_crew-page"),
        &["day page /crew", "a visit /crew/visits/", "target p99 <"],
    );
}

#[test]
fn the_desk_pages_bench_runs_at_tiny_size() {
    smoke(env!("CARGO_BIN_EXE_desk-pages"), &["target p99 <"]);
}

#[test]
fn the_claims_listing_bench_runs_at_tiny_size() {
    smoke(env!("CARGO_BIN_EXE_claims-listing"), &["target p99 <"]);
}
