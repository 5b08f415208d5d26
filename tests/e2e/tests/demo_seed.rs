//! The demo seed (`deploy/demo/seed.sh`) against the three real services: every account it
//! prints signs in, the desk shows the cases in their states, each crew's page shows its visit
//! today, the dispatcher's board shows the jobs, the printed keys are whole and work, and a
//! second run says the demo is seeded already instead of failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;

use common::{OPERATOR_TOKEN, Svc, System};
use reqwest::StatusCode;
use reqwest::header::COOKIE;

const PASSWORD: &str = "demo-password-e2e";

fn seed_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/demo/seed.sh")
}

/// Runs the seed against the system; its standard output (the accounts), or a panic with its
/// standard error.
async fn run_seed(sys: &System, state: &std::path::Path) -> String {
    let out = tokio::process::Command::new("bash")
        .arg(seed_script())
        .env("RETAILER_URL", sys.url(Svc::Retailer, ""))
        .env("MANUFACTURER_URL", sys.url(Svc::Manufacturer, ""))
        .env("LOGISTICS_URL", sys.url(Svc::Logistics, ""))
        .env("KUMMERER_OPERATOR_TOKEN", OPERATOR_TOKEN)
        .env("RETAILER_BIN", env!("CARGO_BIN_EXE_e2e-retailer"))
        .env("RETAILER_DATABASE_URL", &sys.dbs[0].url)
        .env("DEMO_PASSWORD", PASSWORD)
        .env("DEMO_STATE", state)
        .output()
        .await
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the seed failed ({}):\n{stderr}\n{stdout}",
        out.status
    );
    stdout
}

/// Signs in with the seed's password (see [`common::sign_in`]).
async fn sign_in(client: &reqwest::Client, base: &str, root: &str, email: &str) -> String {
    common::sign_in(client, base, root, email, PASSWORD).await
}

async fn page(client: &reqwest::Client, url: &str, cookie: &str) -> String {
    let res = client.get(url).header(COOKIE, cookie).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "GET {url}");
    res.text().await.unwrap()
}

/// The value printed after `label` on a line of the seed's output.
fn printed<'a>(out: &'a str, label: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.trim_start().strip_prefix(label))
        .map(|rest| rest.split_whitespace().next().unwrap_or_default())
        .unwrap_or_else(|| panic!("no '{label}' in the seed's output:\n{out}"))
}

#[tokio::test]
async fn the_demo_seed_prints_accounts_that_sign_in_and_pages_that_show_its_cases() {
    let sys = System::start().await;
    let state =
        std::env::temp_dir().join(format!("kummerer-demo-{}.txt", kummerer_testkit::unique()));
    let out = run_seed(&sys, &state).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let retailer = sys.url(Svc::Retailer, "");
    let logistics = sys.url(Svc::Logistics, "");

    // The desk: the staff sign in; each case's page shows its state.
    for email in [
        "admin@elektro-kaiser.example",
        "manager@elektro-kaiser.example",
        "clerk@elektro-kaiser.example",
    ] {
        assert!(out.contains(email), "{email} printed:\n{out}");
        sign_in(&client, &retailer, "/desk", email).await;
    }
    let clerk = sign_in(&client, &retailer, "/desk", "clerk@elektro-kaiser.example").await;
    for (label, status, customer) in [
        ("open ", "open", "Erika Mustermann"),
        ("waiting for a manager ", "open", "Hans Meier"),
        ("visit today ", "swap_approved", "Sabine Braun"),
        ("crew on the way ", "swap_approved", "Ali Kaya"),
        ("delivered, claim decided ", "delivered", "Jana Novak"),
        ("refused ", "refused", "Peter Lang"),
    ] {
        let url = printed(&out, label);
        assert!(url.starts_with(&format!("{retailer}/desk/cases/")), "{url}");
        let html = page(&client, url, &clerk).await;
        assert!(
            html.contains(&format!("id=\"case-status\" class=\"status {status}\"")),
            "{label}case {url} is {status}"
        );
        assert!(html.contains(customer), "{url} shows {customer}");
    }
    let manager = sign_in(
        &client,
        &retailer,
        "/desk",
        "manager@elektro-kaiser.example",
    )
    .await;
    let home = page(&client, &format!("{retailer}/desk"), &manager).await;
    assert!(
        home.contains("class=\"decide\""),
        "the manager's desk shows the swap waiting for a manager"
    );

    // The crews' pages: today's visit of each crew.
    for (email, customer) in [
        ("crew-mitte@spree-logistik.example", "Sabine Braun"),
        ("crew-neukoelln@spree-logistik.example", "Ali Kaya"),
    ] {
        let cookie = sign_in(&client, &logistics, "/crew", email).await;
        let html = page(&client, &format!("{logistics}/crew"), &cookie).await;
        // In the crew's language (German unless the browser or the member says otherwise).
        assert!(
            html.contains("Today") || html.contains("Heute"),
            "{email}'s page is today's"
        );
        assert!(html.contains(customer), "{email}'s page shows {customer}");
    }

    // The dispatcher's board: both crews and their jobs of today.
    let dispatcher = sign_in(
        &client,
        &logistics,
        "/dispatch",
        "dispatch@spree-logistik.example",
    )
    .await;
    let board = page(&client, &format!("{logistics}/dispatch"), &dispatcher).await;
    for shown in ["Team Mitte", "Team Neukölln", "Sabine Braun", "Ali Kaya"] {
        assert!(board.contains(shown), "the board shows {shown}");
    }

    // The keys are printed whole and open their APIs.
    let mkey = printed(&out, "API key");
    let mid = printed(&out, "manufacturer ");
    assert!(mkey.starts_with("kmr_") && mkey.len() > 40, "{mkey}");
    let got = sys
        .get_as(
            Svc::Manufacturer,
            &format!("/api/manufacturers/{mid}"),
            Some(mkey),
        )
        .await;
    assert_eq!(got["id"], mid);
    let rkey = printed(&out, "integration key");
    let rid = printed(&out, "retailer ");
    assert!(rkey.starts_with("krt_") && rkey.len() > 40, "{rkey}");
    let products = sys
        .get_as(
            Svc::Retailer,
            &format!("/api/retailers/{rid}/products"),
            Some(rkey),
        )
        .await;
    assert!(products.to_string().contains("WM-8000"), "{products}");
    let ctoken = printed(&out, "API token");
    assert!(ctoken.starts_with("kcr_") && ctoken.len() > 40, "{ctoken}");

    // A second run fails nothing and says so.
    let again = run_seed(&sys, &state).await;
    assert!(
        again.contains(mkey),
        "the second run prints the saved accounts:\n{again}"
    );
    let _ = std::fs::remove_file(&state);
    sys.stop().await;
}
