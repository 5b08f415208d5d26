//! The route walk: every door of the service's route table (`retailer::http::doors()`, the
//! table the routes are registered from, not a hand-kept list) is called
//! 1. without any credential: only the open doors answer anything but a refusal, and nothing
//!    changes;
//! 2. with tenant A's credential (A's integration key, A's admin, A's admin signed in at the
//!    desk) and tenant B's ids in the path: 404 (403, or the admin's 401 that never says whether
//!    another retailer exists), and no row of B changes;
//! 3. with B's own credential and B's ids: never 401 — the credential works, so the walk can
//!    fail.
//!
//! A route added without a credential makes step 1 fail.

use actix_web::http::Method as ActixMethod;
use kummerer_web::doors::{Access, Door};

use crate::desk::{PASSWORD, desk_shop, root_of, signed_in};
use crate::support::*;

/// B's ids, one per kind of path parameter.
struct Ids {
    retailer: Uuid,
    sale: Uuid,
    case: Uuid,
    claim: Uuid,
    request: Uuid,
    staff: Uuid,
    /// A second key of B's (revoked by the walk's DELETE, so B's own key keeps working).
    spare_key: Uuid,
    /// The manufacturer of B's product (a partner, linked as before issue 18).
    manufacturer: Uuid,
    /// A carrier contract B offered.
    contract: Uuid,
}

impl Ids {
    /// The value of the parameter `name` in `path`.
    fn of(&self, path: &str, name: &str) -> String {
        let before = path.split(&format!("{{{name}")).next().unwrap_or_default();
        let id = match name {
            "rid" => self.retailer,
            "sale_id" => self.sale,
            "case_id" => self.case,
            "claim_id" => self.claim,
            "key_id" => self.spare_key,
            "contract_id" => self.contract,
            "role" => return "clerk".to_owned(),
            // A link's action: inviting a partner changes nothing (409).
            "action" => return "invite".to_owned(),
            "version" => return "1".to_owned(),
            "mid" => self.manufacturer,
            // An agreement of B's: none was published; any id is as foreign.
            "aid" => Uuid::now_v7(),
            "token" => return "0".repeat(64),
            "id" if before.ends_with("/sales/") => self.sale,
            "id" if before.ends_with("/cases/") => self.case,
            "id" if before.ends_with("/claims/") => self.claim,
            "id" if before.ends_with("/requests/") => self.request,
            "id" if before.ends_with("/admin/staff/") => self.staff,
            "id" if before.ends_with("/admin/keys/") => self.spare_key,
            // A store's language and time zone: any id is as foreign as B's stores.
            "id" if before.ends_with("/admin/stores/") => Uuid::now_v7(),
            // An import of B's: none exists; any id is as foreign.
            "id" if before.ends_with("/admin/import/") => Uuid::now_v7(),
            // A credit note of B's: none was issued; any id is as foreign (the wall with a
            // real note of another retailer: `credit_note_document`).
            "id" if before.ends_with("/credit-notes/") => Uuid::now_v7(),
            other => panic!("the walk has no value for {{{other}}} in {path}: add one"),
        };
        id.to_string()
    }
}

fn method(door: &Door) -> reqwest::Method {
    reqwest::Method::from_bytes(door.method.as_str().as_bytes()).unwrap()
}

/// A client without cookies or redirects.
fn bare() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Who calls a door.
#[derive(Clone, Copy)]
struct Caller<'a> {
    key: &'a str,
    admin: &'a str,
    /// A signed-in desk client and its CSRF token.
    desk: (&'a reqwest::Client, &'a str),
}

/// Calls `door` at `path` as `caller` (`None`: no credential); the status and `Location`.
async fn call(
    svc: &TestService,
    door: &Door,
    path: &str,
    caller: Option<Caller<'_>>,
) -> (u16, String) {
    let url = svc.url(path);
    let bare = bare();
    let req = match (door.access, caller) {
        (Access::SignedIn, Some(c)) => {
            let req = c.desk.0.request(method(door), url);
            if door.method != ActixMethod::POST {
                req
            } else if door.path.ends_with("/admin/import") {
                // The import's form is multipart (a file, here none).
                let boundary = "walkboundary";
                req.header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n\
                     --{boundary}--\r\n",
                    c.desk.1
                ))
            } else {
                req.form(&[("csrf", c.desk.1)])
            }
        }
        (Access::Tenant, Some(c)) => bare.request(method(door), url).bearer_auth(c.key),
        (Access::TenantAdmin, Some(c)) => bare
            .request(method(door), url)
            .basic_auth(c.admin, Some(PASSWORD)),
        (Access::Operator, Some(_)) => bare
            .request(method(door), url)
            .bearer_auth(TEST_OPERATOR_TOKEN),
        // A form as a browser would send it (without a session its token is nobody's).
        (Access::SignedIn, None) if door.method == ActixMethod::POST => bare
            .request(method(door), url)
            .form(&[("csrf", "0".repeat(64))]),
        _ => bare.request(method(door), url),
    };
    let req = if door.path.starts_with("/api") && door.method != ActixMethod::GET {
        req.json(&json!({}))
    } else {
        req
    };
    let res = req.send().await.unwrap();
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (res.status().as_u16(), location)
}

/// A checksum of every row of the retailer's in every table that has a `retailer_id`, of its
/// `retailers` row, and the number of outbox rows.
async fn rows_of(db: &DatabaseConnection, retailer_id: Uuid) -> Vec<(String, String)> {
    let tables = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT table_name::text AS t FROM information_schema.columns \
             WHERE column_name = 'retailer_id' AND table_schema = 'public' ORDER BY 1",
        ))
        .await
        .unwrap();
    let mut out = Vec::new();
    for row in tables {
        let table: String = row.try_get("", "t").unwrap();
        let sum = one_string(
            db,
            &format!(
                "SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') \
                 FROM {table} t WHERE retailer_id = $1"
            ),
            vec![retailer_id.into()],
        )
        .await;
        out.push((table, sum));
    }
    let me = one_string(
        db,
        "SELECT coalesce(md5(string_agg(t::text, ',')), '') FROM retailers t WHERE id = $1",
        vec![retailer_id.into()],
    )
    .await;
    out.push(("retailers".to_owned(), me));
    let outbox = count(db, "SELECT 1 FROM outbox", vec![]).await;
    out.push(("outbox".to_owned(), outbox.to_string()));
    out
}

/// A retailer with a clerk, a sale with a case and an approved swap (its claim), a second case
/// waiting for a manager (a request, asked by a key without a limit), and a spare key.
async fn tenant(svc: &TestService, name: &str, serial: &str) -> (Ids, String) {
    let desk = desk_shop(svc, name, serial, "Erika Mustermann").await;
    let rid = desk.retailer_id;
    let path = |rest: &str| format!("/api/retailers/{rid}{rest}");
    let key = key_for(svc, &path("")).unwrap();
    let case = id_of(
        &created(
            svc,
            &path("/cases"),
            json!({"serial": serial, "defect_category": "does_not_start",
                   "defect_description": "Drum does not turn"}),
        )
        .await,
    );
    let approved = created(svc, &path(&format!("/cases/{case}/swap")), window_body("x")).await;
    let claim: Uuid = approved["claim_id"].as_str().unwrap().parse().unwrap();
    let second = format!("{serial}-2");
    created(svc, &path("/sales"), sale_body("R-2", "WM-100", &second)).await;
    let case2 = id_of(
        &created(
            svc,
            &path("/cases"),
            json!({"serial": second, "defect_category": "leak", "defect_description": "Water"}),
        )
        .await,
    );
    // A key without an approval limit: its approval waits for a manager (202, a request).
    let spare = make_key(svc, rid, "no limit", None).await;
    let res = svc
        .client
        .post(svc.url(&path(&format!("/cases/{case2}/swap"))))
        .bearer_auth(&spare)
        .json(&window_body("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 202);
    let waiting: Json = res.json().await.unwrap();
    assert_eq!(waiting["status"], "open", "{waiting}");
    let request: Uuid = waiting["request_id"].as_str().unwrap().parse().unwrap();
    // From here on the tenant's requests go with its first key again.
    set_key(svc, rid, &key);
    let spare_key: Uuid = one_string(
        &svc.db,
        "SELECT id::text FROM integration_keys WHERE retailer_id = $1 AND name = 'no limit'",
        vec![rid.into()],
    )
    .await
    .parse()
    .unwrap();
    let staff: Uuid = one_string(
        &svc.db,
        "SELECT id::text FROM staff WHERE retailer_id = $1 AND role = 'clerk'",
        vec![rid.into()],
    )
    .await
    .parse()
    .unwrap();
    let manufacturer = one_string(
        &svc.db,
        "SELECT manufacturer_id::text FROM products WHERE retailer_id = $1 LIMIT 1",
        vec![rid.into()],
    )
    .await
    .parse()
    .unwrap();
    // A carrier in the directory (as logistics announces it) and a contract offered to it.
    let carrier = Uuid::now_v7();
    publish_event(
        &svc.names,
        kummerer_contracts::CarrierProfilePublishedV1 {
            carrier_id: carrier.into(),
            name: format!("Kurier {name}"),
            regions: vec!["10".into()],
            published_at: Utc::now(),
        },
    )
    .await;
    eventually("the carrier in the directory", DEADLINE, || async {
        (count(
            &svc.db,
            "SELECT 1 FROM carrier_directory WHERE carrier_id = $1",
            vec![carrier.into()],
        )
        .await
            == 1)
            .then_some(())
    })
    .await;
    let contract = id_of(
        &created(
            svc,
            &path("/carrier-contracts"),
            json!({"carrier_id": carrier, "postcode_prefixes": ["10"]}),
        )
        .await,
    );
    let ids = Ids {
        retailer: rid,
        manufacturer,
        sale: desk.sale_id,
        case,
        claim,
        request,
        staff,
        spare_key,
        contract,
    };
    (ids, key)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_door_wants_its_credential_and_keeps_to_its_tenant() {
    let doors = retailer::http::doors();
    assert!(doors.len() > 30, "{doors:?}");
    for (method, path, access) in [
        (ActixMethod::POST, "/api/retailers", Access::Operator),
        (
            ActixMethod::POST,
            "/api/retailers/{rid}/cases/{case_id}/swap",
            Access::Tenant,
        ),
        (
            ActixMethod::POST,
            "/api/retailers/{rid}/keys",
            Access::TenantAdmin,
        ),
        (ActixMethod::GET, "/desk/sign-in", Access::Open),
        (ActixMethod::GET, "/desk/admin", Access::SignedIn),
        (ActixMethod::GET, "/status/{token}", Access::Open),
    ] {
        assert!(
            doors.contains(&Door {
                method: method.clone(),
                path: path.to_owned(),
                access
            }),
            "{method} {path} is not in {doors:?}"
        );
    }

    let svc = start().await;
    let (a, a_key) = tenant(&svc, "Elektro Maier", "SN-A").await;
    let (b, b_key) = tenant(&svc, "Technik Huber", "SN-B").await;
    let fill = |door: &Door| door.fill(|name| b.of(&door.path, name));

    // 1. No credential: only the open doors let anyone in; nothing changes.
    let before = (
        rows_of(&svc.db, a.retailer).await,
        rows_of(&svc.db, b.retailer).await,
    );
    for door in &doors {
        let path = fill(door);
        let (status, location) = call(&svc, door, &path, None).await;
        let refused = match door.access {
            Access::Open => continue,
            Access::SignedIn => {
                status == 401
                    || status == 403
                    || (status == 303 && location.starts_with("/desk/sign-in"))
            }
            _ => status == 401,
        };
        assert!(
            refused,
            "{} {path} ({:?}) without a credential: {status} {location}",
            door.method, door.access
        );
    }
    let after = (
        rows_of(&svc.db, a.retailer).await,
        rows_of(&svc.db, b.retailer).await,
    );
    assert_eq!(after, before, "a call without a credential changed rows");

    // 2. A's credentials with B's ids: B's rows are as absent as unknown ones.
    let a_desk = kummerer_testkit::forms::browser();
    let a_csrf = signed_in(&svc, &a_desk, &root_of(a.retailer)).await;
    let a_admin = root_of(a.retailer);
    let as_a = Caller {
        key: &a_key,
        admin: &a_admin,
        desk: (&a_desk, &a_csrf),
    };
    let before = rows_of(&svc.db, b.retailer).await;
    let mut walked = 0;
    for door in &doors {
        let tenant_ids: Vec<&str> = door
            .params()
            .into_iter()
            .filter(|p| !matches!(*p, "role" | "token"))
            .collect();
        if door.access.is_open() || door.access == Access::Operator || tenant_ids.is_empty() {
            continue;
        }
        walked += 1;
        let path = fill(door);
        let (status, location) = call(&svc, door, &path, Some(as_a)).await;
        let walled = match door.access {
            // Another retailer's admin: the same 401 as wrong credentials (see `admin_auth`).
            Access::TenantAdmin => status == 401 || status == 404,
            _ => status == 404 || status == 403,
        };
        assert!(
            walled,
            "{} {path} ({:?}) with A's credential: {status} {location}",
            door.method, door.access
        );
    }
    assert!(walked > 20, "only {walked} doors with tenant ids");
    assert_eq!(
        rows_of(&svc.db, b.retailer).await,
        before,
        "A's credential changed B's rows"
    );

    // 3. B's own credentials: every door that wants one lets B in (the walk above could have
    // failed). The sign-out goes last.
    let b_desk = kummerer_testkit::forms::browser();
    let b_csrf = signed_in(&svc, &b_desk, &root_of(b.retailer)).await;
    let b_admin = root_of(b.retailer);
    let as_b = Caller {
        key: &b_key,
        admin: &b_admin,
        desk: (&b_desk, &b_csrf),
    };
    let mut ordered: Vec<&Door> = doors
        .iter()
        .filter(|d| !d.path.ends_with("/sign-out"))
        .collect();
    ordered.extend(doors.iter().filter(|d| d.path.ends_with("/sign-out")));
    for door in ordered {
        if door.access.is_open() {
            continue;
        }
        let path = fill(door);
        let (status, location) = call(&svc, door, &path, Some(as_b)).await;
        let let_in = status != 401
            && status != 403
            && !(status == 303
                && location.starts_with("/desk/sign-in")
                && door.method == ActixMethod::GET);
        assert!(
            let_in,
            "{} {path} ({:?}) with B's own credential: {status} {location}",
            door.method, door.access
        );
    }
}
