//! Helpers of the desk's store, stock, approval, admin and dashboard tests.

use super::*;

/// A signed-in desk session: its client and CSRF token.
pub struct Session {
    pub client: reqwest::Client,
    pub csrf: String,
}

/// Adds a staff member of `role` through the API and signs them in.
pub async fn session_of(svc: &TestService, retailer_id: Uuid, email: &str, role: &str) -> Session {
    add_staff(svc, retailer_id, email, role).await;
    let client = browser();
    let csrf = signed_in(svc, &client, email).await;
    Session { client, csrf }
}

impl Session {
    pub async fn get(&self, svc: &TestService, path: &str) -> (u16, String) {
        page(svc, &self.client, path).await
    }

    /// POSTs the form with this session's CSRF token.
    pub async fn post(
        &self,
        svc: &TestService,
        path: &str,
        form: &[(&str, &str)],
    ) -> (u16, String) {
        let mut f: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        f.extend_from_slice(form);
        post_form(svc, &self.client, path, &f).await
    }
}

pub async fn id_by_name(db: &DatabaseConnection, table: &str, name: &str) -> Uuid {
    Uuid::parse_str(
        &one_string(
            db,
            &format!("SELECT id::text FROM {table} WHERE name = $1"),
            vec![name.into()],
        )
        .await,
    )
    .unwrap()
}

/// A store, or a central warehouse (`store: None`), with an address in Berlin; its id.
pub async fn add_location(
    svc: &TestService,
    admin: &Session,
    name: &str,
    store: Option<Uuid>,
) -> Uuid {
    let store = store.map(|s| s.to_string()).unwrap_or_default();
    let (status, location) = admin
        .post(
            svc,
            "/desk/admin/locations",
            &[
                ("name", name),
                ("store_id", &store),
                ("phone", "+49 30 999"),
                ("street", "Lagerweg 5"),
                ("postcode", "10245"),
                ("city", "Berlin"),
                ("country", "DE"),
            ],
        )
        .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/desk/admin?saved=locations#locations")
    );
    id_by_name(&svc.db, "stock_locations", name).await
}

pub async fn add_store(svc: &TestService, admin: &Session, name: &str) -> Uuid {
    let (status, _) = admin
        .post(svc, "/desk/admin/stores", &[("name", name)])
        .await;
    assert_eq!(status, 303);
    id_by_name(&svc.db, "stores", name).await
}

pub async fn set_stock(svc: &TestService, admin: &Session, location: Uuid, sku: &str, n: &str) {
    let (status, body) = admin
        .post(
            svc,
            "/desk/admin/stock",
            &[
                ("location_id", &location.to_string()),
                ("sku", sku),
                ("quantity", n),
            ],
        )
        .await;
    assert_eq!(status, 303, "{body}");
}

pub async fn stock_of(db: &DatabaseConnection, location: Uuid, sku: &str) -> i64 {
    count(
        db,
        "SELECT generate_series(1, k.quantity) FROM stock_levels k \
         JOIN products p ON p.id = k.product_id WHERE k.location_id = $1 AND p.sku = $2",
        vec![location.into(), sku.into()],
    )
    .await
}

/// The desk's swap form for tomorrow 09:00–13:00, to the customer in Berlin, with `changes`.
pub fn swap_form(changes: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let day = (Utc::now() + Span::days(1)).format("%Y-%m-%d").to_string();
    let mut f: Vec<(&'static str, String)> = vec![
        ("replacement_sku", "WM-100".into()),
        ("window_start", format!("{day}T09:00")),
        ("window_end", format!("{day}T13:00")),
        ("name", "Erika Mustermann".into()),
        ("phone", "+49 30 1234567".into()),
        ("street", "Hauptstraße 1".into()),
        ("postcode", "10115".into()),
        ("city", "Berlin".into()),
        ("country", "DE".into()),
    ];
    for (k, v) in changes {
        match f.iter_mut().find(|(key, _)| key == k) {
            Some(entry) => entry.1 = (*v).to_owned(),
            None => f.push((k, (*v).to_owned())),
        }
    }
    f
}

impl Session {
    pub async fn post_owned(
        &self,
        svc: &TestService,
        path: &str,
        form: &[(&'static str, String)],
    ) -> (u16, String) {
        let f: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.post(svc, path, &f).await
    }

    pub async fn post_swap(
        &self,
        svc: &TestService,
        case_path: &str,
        changes: &[(&'static str, &str)],
    ) -> (u16, String) {
        let f = swap_form(changes);
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.post(svc, &format!("{case_path}/swap"), &f).await
    }
}

/// Another sale of `WM-100` with its own serial; its id.
pub async fn another_sale(
    svc: &TestService,
    retailer_id: Uuid,
    receipt: &str,
    serial: &str,
) -> Uuid {
    id_of(
        &created(
            svc,
            &format!("/api/retailers/{retailer_id}/sales"),
            sale_body(receipt, "WM-100", serial),
        )
        .await,
    )
}
