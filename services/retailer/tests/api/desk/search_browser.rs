//! The counter search box and the import's error list in a real Chromium (issue 14): a clerk's
//! first words find the sale (a surname in lower case, a phone number typed nationally, part of
//! a serial); a German Excel export with errors lists each with the value found.

use super::import::{GERMAN_HEADER, german_day, windows_1252};
use super::*;

/// On the desk: searches for `q` (the box cleared first); the results' text, or the message.
async fn search_in_browser(
    b: &fantoccini::Client,
    q: &str,
) -> Result<String, fantoccini::error::CmdError> {
    let input = b.find(Locator::Css("input[name=q]")).await?;
    input.clear().await?;
    input.send_keys(q).await?;
    b.find(Locator::Css("form.search button"))
        .await?
        .click()
        .await?;
    // The page after the search: its box holds what was typed.
    b.wait()
        .for_element(Locator::XPath(&format!(
            "//input[@name='q' and @value={}]",
            xpath_literal(q)
        )))
        .await?;
    b.find(Locator::Css("main")).await?.text().await
}

/// `s` as an XPath string literal (no quote of the kind around it inside).
fn xpath_literal(s: &str) -> String {
    if s.contains('\'') {
        format!("\"{s}\"")
    } else {
        format!("'{s}'")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_box_and_the_import_error_list_in_a_real_browser() {
    assert!(
        Path::new(CHROMEDRIVER).exists(),
        "{CHROMEDRIVER} is absent: `bash .ci/run` installs Debian's chromium and chromium-driver"
    );
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-AB-4711", "Erika Mustermann").await;
    let mut sale = sale_body("RX-77", "WM-200", "ab12cd-998877");
    sale["customer"]["name"] = json!("Hans-Peter von Müller");
    sale["customer"]["phone"] = json!("+49 30 5550106");
    created(
        &svc,
        &format!("/api/retailers/{}/sales", desk.retailer_id),
        sale,
    )
    .await;
    let admin = "admin@maier.example";
    add_staff(&svc, desk.retailer_id, admin, "admin").await;
    let csv_dir = TempDir::new("pos-de");
    let csv_path = csv_dir.0.join("Kasse November.csv");
    let row = |receipt: &str, serial: &str, price: &str, day: &str| {
        format!(
            "{receipt};WM-100;{serial};{price};EUR;{day};Jürgen Groß;030 5550199;Königstraße 5;10115;Berlin;DE"
        )
    };
    std::fs::write(
        &csv_path,
        windows_1252(
            &[
                GERMAN_HEADER.to_owned(),
                row("B-1", "SN-E1", "499,00", &german_day(2)),
                row("B-2", "SN-E2", "vierhundert", &german_day(2)),
                row("B-3", "SN-E3", "499,00", "31.11.2026"),
            ]
            .join("\r\n"),
        ),
    )
    .unwrap();

    let mut driver = chromedriver().await;
    let b = browser_session(&driver, &driver._profile.0).await;
    let run = async {
        sign_in_in_browser(&b, &svc, admin).await?;
        set_viewport(&b, 1280, 900).await?;
        let mut found = Vec::new();
        for q in [
            "müller",
            "mustermann",
            "030 5550106",
            "cd-9988",
            "rx-77",
            "zzz",
        ] {
            found.push((q, search_in_browser(&b, q).await?));
        }

        b.goto(&svc.url("/desk/admin/import")).await?;
        b.wait()
            .for_element(Locator::Css("input[name=file]"))
            .await?
            .send_keys(&csv_path.display().to_string())
            .await?;
        b.find(Locator::Css("#import-form button"))
            .await?
            .click()
            .await?;
        let errors = b
            .wait()
            .for_element(Locator::Id("import-errors"))
            .await?
            .text()
            .await?;
        let read_as = b.find(Locator::Id("read-as")).await?.text().await?;
        Ok::<_, fantoccini::error::CmdError>((found, errors, read_as))
    };
    let outcome = run.await;
    let source = b.source().await.unwrap_or_default();
    let _ = b.close().await;
    let _ = driver.driver.child.kill().await;
    let (found, errors, read_as) =
        outcome.unwrap_or_else(|e| panic!("browser run failed: {e}\n{source}"));

    for (q, text) in &found {
        let expect = match *q {
            "müller" | "030 5550106" | "cd-9988" | "rx-77" => "ab12cd-998877",
            "mustermann" => "SN-AB-4711",
            _ => "No sale matches",
        };
        assert!(text.contains(expect), "{q}: {text}");
    }
    // What the admin reads: the line, the column, the value found, what was expected.
    let errors = errors.split_whitespace().collect::<Vec<_>>().join(" ");
    for line in [
        "3 price_paid vierhundert an amount like 499,00",
        "4 sold_at 31.11.2026 a date like 28.11.2026",
    ] {
        assert!(errors.contains(line), "{line}: {errors}");
    }
    assert!(errors.contains("Value found"), "{errors}");
    assert_eq!(read_as, "Read as Windows-1252, separated by semicolons.");
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM sales WHERE serial LIKE 'SN-E%'",
            vec![]
        )
        .await,
        0
    );
    svc.stop().await;
}
