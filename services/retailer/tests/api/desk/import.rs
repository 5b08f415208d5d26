//! The POS import of a German Excel export (issue 14): Windows-1252 bytes, `;`, German column
//! names, `28.11.2026`, `499,00` — on the admin page and over the API; each error with the row,
//! the column, the value found and what was expected.

use super::admin::upload_bytes;
use super::setup::*;
use super::*;

/// `text` in Windows-1252, as Excel saves "CSV (Trennzeichen-getrennt)" in Germany.
pub(super) fn windows_1252(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '€' => 0x80,
            c if (c as u32) < 0x100 => c as u8,
            c => panic!("{c} is not in Windows-1252"),
        })
        .collect()
}

pub(super) const GERMAN_HEADER: &str = "Bonnummer;Artikelnummer;Seriennummer;Preis;Währung;Verkaufsdatum;Kunde;Telefon;Straße;PLZ;Ort;Land";

pub(super) fn german_day(days_ago: i64) -> String {
    (Utc::now() - Span::days(days_ago))
        .format("%d.%m.%Y")
        .to_string()
}

/// POSTs `file` to the import API as the retailer's first admin; the status and the body.
async fn api_import(svc: &TestService, retailer_id: Uuid, file: Vec<u8>) -> (u16, String, Json) {
    let res = svc
        .client
        .post(svc.url(&format!(
            "/api/retailers/{retailer_id}/sales/imports?file_name=kasse.csv"
        )))
        .basic_auth(root_of(retailer_id), Some(PASSWORD))
        .header("content-type", "text/csv")
        .body(file)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, res.json().await.unwrap_or(Json::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_german_excel_export_is_imported_with_its_umlauts_dates_and_decimal_commas() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let admin = session_of(&svc, desk.retailer_id, "admin@maier.example", "admin").await;
    let file = windows_1252(
        &[
            GERMAN_HEADER.to_owned(),
            format!(
                "B-1001;WM-100;SN-DE-1;499,00;EUR;{};Jürgen Groß;030 5550106;Königstraße 5;10115;Berlin;Deutschland",
                german_day(2)
            ),
            format!(
                // No currency: the price says €.
                "B-1001;WM-200;SN-DE-2;\"549,00 €\";;{} 14:30;\"Öztürk; Käthe\";+49 89 1234567;Schloßallee 1;80331;München;DE",
                german_day(3)
            ),
        ]
        .join("\r\n"),
    );
    assert!(std::str::from_utf8(&file).is_err(), "not UTF-8");

    let (status, html) = upload_bytes(&svc, &admin, "Kasse November.csv", &file).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(r#"<span id="imported">2</span> sales imported"#),
        "{html}"
    );
    assert!(
        html.contains("Read as Windows-1252, separated by semicolons"),
        "{html}"
    );
    let expected_day = (Utc::now() - Span::days(3)).format("%Y-%m-%d").to_string();
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT string_agg(customer_name || '/' || street || '/' || city || '/' || country \
               || '/' || price_paid::text || ' ' || currency || '/' || customer_phone_e164, ' | ' \
               ORDER BY serial) FROM sales WHERE serial LIKE 'SN-DE-%'",
            vec![]
        )
        .await,
        "Jürgen Groß/Königstraße 5/Berlin/DE/499.00 EUR/+49305550106 | \
         Öztürk; Käthe/Schloßallee 1/München/DE/549.00 EUR/+49891234567"
    );
    assert_eq!(
        one_string(
            &svc.db,
            "SELECT to_char(sold_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') FROM sales \
             WHERE serial = 'SN-DE-2'",
            vec![]
        )
        .await,
        format!("{expected_day} 14:30")
    );
    // Found at the counter as typed there.
    let (_, html) = admin.get(&svc, "/desk?q=gro%C3%9F").await;
    assert!(html.contains("SN-DE-1"), "{html}");
    svc.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_import_error_shows_its_row_column_value_and_what_was_expected() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let other = desk_shop(&svc, "Technik Huber", "SN-X", "Max Meier").await;
    let admin = session_of(&svc, desk.retailer_id, "admin@maier.example", "admin").await;
    let row = |receipt: &str, sku: &str, serial: &str, price: &str, day: &str, country: &str| {
        format!(
            "{receipt};{sku};{serial};{price};EUR;{day};Jürgen Groß;030 5550106;Königstraße 5;10115;Berlin;{country}"
        )
    };
    let file = windows_1252(
        &[
            GERMAN_HEADER.to_owned(),
            row("B-1", "WM-100", "SN-E1", "499,00", &german_day(2), "DE"), // 2: valid
            row(
                "B-2",
                "WM-100",
                "SN-E2",
                "vierhundert",
                &german_day(2),
                "DE",
            ), // 3
            row("B-3", "WM-100", "SN-E3", "499,00", "31.11.2026", "DE"),   // 4
            row("B-4", "WM-999", "SN-E4", "499,00", &german_day(2), "DE"), // 5
            row("B-5", "WM-100", "SN-E5", "1.299,00", &german_day(2), "DE"), // 6
            row(
                "B-6",
                "WM-100",
                "SN-E6",
                "499,00",
                &german_day(2),
                "Atlantis",
            ), // 7
        ]
        .join("\r\n"),
    );
    let expected = [
        (3, "price_paid", "vierhundert", "an amount like 499,00"),
        (4, "sold_at", "31.11.2026", "a date like 28.11.2026"),
        (5, "sku", "WM-999", "the SKU of one of your products"),
        (6, "price_paid", "1.299,00", "above the product"),
        (7, "country", "Atlantis", "two-letter ISO 3166 country code"),
    ];

    // On the page.
    let before = desk_snapshot(&svc.db).await;
    let (status, html) = upload_bytes(&svc, &admin, "kasse.csv", &file).await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("nothing was imported"), "{html}");
    for (line, column, value, message) in expected {
        let cells = format!(
            r#"<tr><td class="num">{line}</td><td>{column}</td><td class="value"><code>{value}</code></td><td>"#
        );
        assert!(html.contains(&cells), "{cells}: {html}");
        assert!(html.contains(message), "{message}: {html}");
    }
    assert_eq!(desk_snapshot(&svc.db).await, before);

    // In German, each error's expectation in German too (never the API's English).
    let (status, _) = admin
        .post(&svc, "/desk/me/language", &[("language", "de")])
        .await;
    assert_eq!(status, 303);
    let (status, html) = upload_bytes(&svc, &admin, "kasse.csv", &file).await;
    assert_eq!(status, 422, "{html}");
    for german in [
        "einen Betrag wie 499,00",
        "ein Datum wie 28.11.2026",
        "die Artikelnummer eines Ihrer Produkte",
        "liegt über dem Listenpreis",
        "Ländercode",
    ] {
        assert!(html.contains(german), "{german}: {html}");
    }
    for english in [
        "an amount like",
        "a date like",
        "the SKU of",
        "above the product",
    ] {
        assert!(!html.contains(english), "{english}: {html}");
    }
    let (status, _) = admin
        .post(&svc, "/desk/me/language", &[("language", "en")])
        .await;
    assert_eq!(status, 303);
    assert_eq!(desk_snapshot(&svc.db).await, before);

    // Over the API: the same errors in the problem, nothing imported.
    let sales_before = count(&svc.db, "SELECT 1 FROM sales", vec![]).await;
    let (status, content_type, problem) = api_import(&svc, desk.retailer_id, file.clone()).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(content_type, "application/problem+json");
    assert_eq!(problem["code"], "import_rows_invalid", "{problem}");
    assert_eq!(problem["read_as"], "Windows-1252, separated by semicolons");
    let rows = problem["rows"].as_array().unwrap();
    assert_eq!(rows.len(), expected.len(), "{problem}");
    for ((line, column, value, message), got) in expected.iter().zip(rows) {
        assert_eq!(got["line"], *line, "{got}");
        assert_eq!(got["column"], *column, "{got}");
        assert_eq!(got["value"], *value, "{got}");
        assert!(got["expected"].as_str().unwrap().contains(message), "{got}");
    }
    assert!(
        fields(&problem).contains(&"line 3: price_paid".to_owned()),
        "{problem}"
    );
    assert_eq!(
        count(&svc.db, "SELECT 1 FROM sales", vec![]).await,
        sales_before
    );
    // A file without the needed columns: the header as found.
    let (status, _, problem) =
        api_import(&svc, desk.retailer_id, b"Bon;Preis\nB-1;499,00\n".to_vec()).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["code"], "import_file_invalid");
    assert_eq!(problem["rows"][0]["value"], "Bon | Preis", "{problem}");
    assert!(
        problem["rows"][0]["expected"]
            .as_str()
            .unwrap()
            .contains("missing: sku, serial"),
        "{problem}"
    );

    // A valid file over the API is imported whole.
    let good = windows_1252(
        &[
            GERMAN_HEADER.to_owned(),
            row("B-7", "WM-100", "SN-E7", "499,00", &german_day(1), "DE"),
        ]
        .join("\n"),
    );
    let (status, _, body) = api_import(&svc, desk.retailer_id, good.clone()).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["imported"], 1);
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM sales WHERE serial = 'SN-E7' AND retailer_id = $1",
            vec![desk.retailer_id.into()]
        )
        .await,
        1
    );
    // The wall: another retailer's admin, or none, imports nothing into this retailer.
    for credentials in [Some(root_of(other.retailer_id)), None] {
        let req = svc
            .client
            .post(svc.url(&format!(
                "/api/retailers/{}/sales/imports",
                desk.retailer_id
            )))
            .body(good.clone());
        let req = match credentials {
            Some(user) => req.basic_auth(user, Some(PASSWORD)),
            None => req,
        };
        let status = req.send().await.unwrap().status().as_u16();
        assert!(matches!(status, 401 | 404), "{status}");
    }
    assert_eq!(
        count(
            &svc.db,
            "SELECT 1 FROM sales WHERE serial = 'SN-E7'",
            vec![]
        )
        .await,
        1
    );
    svc.stop().await;
}
