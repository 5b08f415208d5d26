//! The OpenAPI document: the committed one is the generated one, and it is served with its
//! docs page, every operation routed.

use crate::support::*;

/// The committed spec file.
const OPENAPI_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json");

#[test]
fn the_committed_openapi_document_is_the_generated_one() {
    let generated = manufacturer::http::openapi::document_json().unwrap();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(OPENAPI_FILE, &generated).unwrap();
        return;
    }
    // Every schema the document refers to is in it.
    let spec: Value = serde_json::from_str(&generated).unwrap();
    for name in generated
        .split("\"#/components/schemas/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
    {
        assert!(
            spec["components"]["schemas"][name].is_object(),
            "no schema {name}"
        );
    }
    let committed = std::fs::read_to_string(OPENAPI_FILE).unwrap_or_default();
    assert!(
        committed == generated,
        "services/manufacturer/openapi.json differs from the document the code generates; \
         regenerate it with `UPDATE_OPENAPI=1 cargo nextest run -p manufacturer openapi` \
         and commit it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_and_docs_page_are_served_and_every_operation_is_routed() {
    let svc = start().await;
    let res = svc
        .client
        .get(svc.url("/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let served = res.text().await.unwrap();
    assert_eq!(
        served,
        manufacturer::http::openapi::document_json().unwrap()
    );
    let spec: Value = serde_json::from_str(&served).unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(
        spec["components"]["securitySchemes"]["api_key"]["scheme"],
        "bearer"
    );
    assert!(spec["components"]["schemas"]["Problem"].is_object());

    let docs = svc.client.get(svc.url("/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(
        docs.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = docs.text().await.unwrap();
    assert!(page.contains("/openapi.json"));
    assert!(
        !page.contains("https://"),
        "the docs page loads nothing from elsewhere"
    );

    // Every documented operation exists: without a key the authenticated ones answer 401 (not
    // the router's 404 or 405), and each authenticated one says so in the document.
    let ghost = Uuid::now_v7();
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let url = path
                .replace("{mid}", &ghost.to_string())
                .replace("{id}", &Uuid::now_v7().to_string())
                .replace("{key_id}", &Uuid::now_v7().to_string())
                .replace("{evidence_id}", &Uuid::now_v7().to_string())
                .replace("{rid}", &Uuid::now_v7().to_string())
                .replace("{action}", "invite");
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let a = call_as(&svc, &method, &url, &json!({}), None).await;
            let what = format!("{method} {path}");
            if path.starts_with("/api/manufacturers/{mid}") {
                assert_problem(&a, 401, &what);
                assert!(op["security"].is_array(), "{what}: no security");
                assert!(op["responses"]["401"].is_object(), "{what}");
            } else {
                // The operator's routes: no operator token.
                assert_problem(&a, 401, &what);
                assert!(op["security"].is_array(), "{what}: no security");
            }
            assert!(op["responses"]["500"].is_object(), "{what}");
        }
    }
    assert_eq!(operations, 30);
    svc.stop().await;
}

/// Every `/api` door of the route table is documented, and every documented operation is a door
/// (same method, same path pattern).
#[test]
fn every_api_door_is_documented_and_every_documented_path_is_a_door() {
    let spec: Value =
        serde_json::from_str(&manufacturer::http::openapi::document_json().unwrap()).unwrap();
    let doors: Vec<(String, String)> = manufacturer::http::doors()
        .into_iter()
        .map(|d| (d.method.as_str().to_owned(), d.path))
        .collect();
    assert!(doors.len() > 20);
    kummerer_testkit::openapi::check_doors_documented(&spec, doors);
}

/// The docs page renders the document in a real headless Chromium: the operations with their
/// paths, the security schemes, and each schema as a table of its fields.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_docs_page_renders_paths_and_schemas_in_a_real_browser() {
    use fantoccini::Locator;
    let svc = start().await;
    let profile = kummerer_testkit::browser::TempDir::new("apidocs");
    let mut driver = kummerer_testkit::browser::chromedriver().await;
    let c = driver.session(&profile.0, (1280, 900), json!({})).await;
    let run = async {
        c.goto(&svc.url("/docs")).await?;
        c.wait().for_element(Locator::Id("schema-Problem")).await?;
        let text = c.find(Locator::Css("main")).await?.text().await?;
        let fields = c
            .find_all(Locator::Css("#schema-Problem table tr td code"))
            .await?;
        let mut names = Vec::new();
        for f in fields {
            names.push(f.text().await?);
        }
        let links = c
            .find_all(Locator::Css("a[href='#schema-Problem']"))
            .await?
            .len();
        Ok::<_, fantoccini::error::CmdError>((text, names, links))
    };
    let result = run.await;
    c.close().await.ok();
    driver.child.kill().await.ok();
    let (text, names, links) = result.unwrap();
    assert!(text.contains("Kümmerer manufacturer API"), "{text}");
    assert!(text.contains("/api/manufacturers/{mid}/claims/{id}/decision"));
    assert!(text.contains("api_key") && text.contains("operator_token"));
    for name in ["Problem", "FieldError"] {
        assert!(text.contains(name), "schema {name} not shown");
    }
    for field in ["type", "title", "status", "code", "errors"] {
        assert!(
            names.iter().any(|n| n == field),
            "Problem field {field}: {names:?}"
        );
    }
    assert!(links > 0, "no link to the Problem schema");
    svc.stop().await;
}

#[test]
fn the_openapi_document_keeps_the_shared_conventions() {
    let spec: Value =
        serde_json::from_str(&manufacturer::http::openapi::document_json().unwrap()).unwrap();
    kummerer_testkit::openapi::check_document(&spec);
}
