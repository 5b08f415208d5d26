//! `claims-listing`: the manufacturer's claim listing over 1,000,000 claims.
//!
//! Seeds a fresh manufacturer database (5 manufacturers, 20 retailers, an agreement per pair,
//! 1,000,000 claims over two years, 40 % of them of the first manufacturer; statuses mixed;
//! claims pending longer than their deadline are ones without an agreement, which wait), starts
//! the manufacturer service in-process on it, and times `GET /api/manufacturers/{mid}/claims`
//! as the first manufacturer: the first page, a deep cursor page, and the filters by status,
//! retailer, SKU and date range, alone and combined. Target: p99 < 50 ms.
//!
//! ```text
//! cargo run --release -p bench --bin claims-listing [-- --requests 300 --scale 1 --explain]
//! ```

use anyhow::{Context as _, anyhow};
use bench::{Args, BenchDb, Plan, Probe, lit, uid};
use chrono::DateTime;
use manufacturer::domain::listing::Cursor;
use uuid::Uuid;

const TARGET_MS: f64 = 50.0;
const CLAIMS: u64 = 1_000_000;
const MANUFACTURERS: u64 = 5;
const RETAILERS: u64 = 20;
/// Seconds between two claims' receipt: 1,000,000 claims span about two years.
const SPACING_S: u64 = 63;

/// The claims of row numbers `from..to`. `h1`, `h2`: two independent hashes of the row number,
/// so manufacturer, retailer, SKU and status do not correlate.
fn claims_sql(from: u64, to: u64) -> String {
    let to = to - 1;
    format!(
        r#"
INSERT INTO claims (id, manufacturer_id, retailer_id, swap_id, case_id, serial, product_sku,
    product_name, currency, price_paid, sold_at, swapped_at, defect_category, defect_description,
    agreement_id, handling_fee, status, pending_reason, suggested_amount, decided_amount,
    reason_code, decided_by, received_at, deadline_at, decided_at)
SELECT {claim}, {m}, {r}, {swap}, {case}, 'SN-' || g, 'SKU-' || m || '-' || sku,
    'Product ' || m || '-' || sku, 'EUR', 499.00, recv - interval '40 days',
    recv - interval '1 hour',
    (ARRAY['does_not_start', 'noise', 'leak', 'display', 'performance'])[1 + h2 % 5],
    'Seeded defect',
    CASE WHEN waits THEN NULL ELSE {agreement} END,
    CASE WHEN waits THEN NULL ELSE 25.00 END,
    st,
    CASE WHEN waits THEN 'no_agreement' WHEN st = 'pending' THEN 'outside_doa' END,
    CASE WHEN st = 'pending' AND NOT waits THEN 424.20 END,
    CASE st WHEN 'pending' THEN NULL WHEN 'rejected' THEN 0 WHEN 'partly_accepted' THEN 200.00
        ELSE 524.00 END,
    CASE WHEN st IN ('rejected', 'partly_accepted') THEN 'wear_and_tear' END,
    CASE WHEN st = 'pending' THEN NULL WHEN h1 % 3 = 0 THEN 'rule:doa_full_refund'
        ELSE 'manufacturer' END,
    recv,
    CASE WHEN waits THEN NULL ELSE recv + interval '14 days' END,
    CASE WHEN st = 'pending' THEN NULL ELSE recv + interval '2 days' END
FROM (
    SELECT g, h1, h2, m, r, sku, st, recv,
        st = 'pending' AND recv < now() - interval '14 days' AS waits
    FROM (
        SELECT g, h1, h2,
            (ARRAY[0, 0, 0, 0, 1, 1, 2, 2, 3, 4])[1 + h1 % 10] AS m,
            h2 % {RETAILERS} AS r,
            (h2 / {RETAILERS}) % 50 AS sku,
            CASE WHEN (h1 / 10) % 20 = 0 THEN 'rejected'
                 WHEN (h1 / 10) % 20 < 3 THEN 'partly_accepted'
                 WHEN (h1 / 10) % 20 < 6 THEN 'pending'
                 ELSE 'accepted' END AS st,
            now() - make_interval(secs => g * {SPACING_S}.0) AS recv
        FROM (
            SELECT g,
                ('x' || substr(md5(g::text), 1, 7))::bit(28)::int AS h1,
                ('x' || substr(md5(g::text), 9, 7))::bit(28)::int AS h2
            FROM generate_series({from}, {to}) g
        ) hashed
    ) picked
) claim
"#,
        claim = uid("claim", "g"),
        swap = uid("swap", "g"),
        case = uid("case", "g"),
        m = uid("m", "m"),
        r = uid("r", "r"),
        agreement = uid("a", "m || '-' || r"),
    )
}

/// A listing request: its query string, and the same query as the service runs it.
struct Listing {
    name: String,
    query: Vec<(&'static str, String)>,
    sql_filter: Vec<String>,
}

impl Listing {
    fn new(name: impl Into<String>) -> Self {
        Listing {
            name: name.into(),
            query: Vec::new(),
            sql_filter: Vec::new(),
        }
    }

    fn param(mut self, key: &'static str, value: String, sql: String) -> Self {
        self.query.push((key, value));
        self.sql_filter.push(sql);
        self
    }

    fn status(self, s: &str) -> Self {
        self.param("status", s.to_owned(), format!("status = {}", lit(s)))
    }

    fn retailer(self, r: Uuid) -> Self {
        self.param("retailer_id", r.to_string(), format!("retailer_id = '{r}'"))
    }

    fn sku(self, sku: &str) -> Self {
        self.param("sku", sku.to_owned(), format!("product_sku = {}", lit(sku)))
    }

    /// `from` and `to` as dates: `to` takes the whole day.
    fn dates(self, from: &str, to: &str) -> Self {
        self.param(
            "from",
            from.to_owned(),
            format!("received_at >= '{from}T00:00:00Z'"),
        )
        .param(
            "to",
            to.to_owned(),
            format!("received_at < '{to}T00:00:00Z'::timestamptz + interval '1 day'"),
        )
    }

    fn limit(self, n: u64) -> Self {
        let mut s = self;
        s.query.push(("limit", n.to_string()));
        s
    }

    fn after(self, c: &Cursor) -> Self {
        self.param(
            "cursor",
            c.encode(),
            format!(
                "(received_at, id) < ('{}', '{}')",
                c.received_at.to_rfc3339(),
                c.id
            ),
        )
    }

    fn probe(self, mid: Uuid) -> Probe {
        let limit = self
            .query
            .iter()
            .find(|(k, _)| *k == "limit")
            .and_then(|(_, v)| v.parse::<u64>().ok())
            .unwrap_or(50);
        let query: Vec<String> = self.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let path = if query.is_empty() {
            format!("/api/manufacturers/{mid}/claims")
        } else {
            format!("/api/manufacturers/{mid}/claims?{}", query.join("&"))
        };
        let mut filter = vec![format!("manufacturer_id = '{mid}'")];
        filter.extend(self.sql_filter);
        Probe {
            name: self.name,
            path,
            sql: format!(
                "SELECT * FROM claims WHERE {} ORDER BY received_at DESC, id DESC LIMIT {}",
                filter.join(" AND "),
                limit + 1
            ),
        }
    }
}

/// The position of the `offset`-th claim (newest first) matching `filter`, as a cursor.
async fn cursor_at(db: &BenchDb, filter: &str, offset: u64) -> anyhow::Result<Cursor> {
    let row = db
        .text(&format!(
            "SELECT (extract(epoch FROM received_at) * 1000000)::bigint || ' ' || id \
             FROM claims WHERE {filter} ORDER BY received_at DESC, id DESC \
             OFFSET {offset} LIMIT 1"
        ))
        .await?;
    let (micros, id) = row.split_once(' ').ok_or_else(|| anyhow!("{row}"))?;
    Ok(Cursor {
        received_at: DateTime::from_timestamp_micros(micros.parse()?)
            .ok_or_else(|| anyhow!("{micros}"))?,
        id: id.parse()?,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse("usage: claims-listing")?;
    let claims = args.scaled(CLAIMS);
    println!(
        "claims-listing: {claims} claims, {} requests per probe",
        args.requests
    );
    let db = BenchDb::create::<manufacturer::Migrator>(&args, "claims").await?;

    db.exec(&format!(
        "INSERT INTO manufacturers (id, name) SELECT {}, 'Manufacturer ' || i \
         FROM generate_series(0, {}) i",
        uid("m", "i"),
        MANUFACTURERS - 1
    ))
    .await?;
    db.exec(&format!(
        "INSERT INTO agreements (id, manufacturer_id, retailer_id, currency, coverage_months, \
             doa_days, reimbursement_percent, handling_fee, decision_deadline_days) \
         SELECT {}, {}, {}, 'EUR', 24, 14, 80, 25.00, 14 \
         FROM generate_series(0, {}) i, generate_series(0, {}) j",
        uid("a", "i || '-' || j"),
        uid("m", "i"),
        uid("r", "j"),
        MANUFACTURERS - 1,
        RETAILERS - 1
    ))
    .await?;
    let key = format!("kmr_{}", bench::token());
    db.exec(&format!(
        "INSERT INTO api_keys (id, manufacturer_id, prefix, secret_hash, label, created_at) \
         VALUES ({}, {}, {}, sha256(convert_to({}, 'UTF8')), 'bench', now())",
        uid("key", "0"),
        uid("m", "0"),
        lit(&key[..12]),
        lit(&key)
    ))
    .await?;
    db.seed("claims", claims, 50_000, claims_sql).await?;
    db.vacuum(&["claims", "agreements", "manufacturers", "api_keys"])
        .await?;

    let mid: Uuid = db
        .text(&format!("SELECT {}::text", uid("m", "0")))
        .await?
        .parse()?;
    let r3: Uuid = db
        .text(&format!("SELECT {}::text", uid("r", "3")))
        .await?
        .parse()?;
    let counts = db
        .text(&format!(
            "SELECT count(*) || ' claims, ' || count(*) FILTER (WHERE status = 'pending') \
             || ' pending, ' || count(*) FILTER (WHERE status = 'rejected') || ' rejected' \
             FROM claims WHERE manufacturer_id = '{mid}'"
        ))
        .await?;
    println!("manufacturer 0: {counts}");
    let deep_offset = 200_000.min(claims / 5);
    let deep = cursor_at(&db, &format!("manufacturer_id = '{mid}'"), deep_offset)
        .await
        .context("deep cursor")?;
    let deep_pending = cursor_at(
        &db,
        &format!("manufacturer_id = '{mid}' AND status = 'pending'"),
        20_000.min(claims / 100),
    )
    .await
    .context("deep cursor of pending claims")?;
    // A month (less for a smaller --scale) from the middle of the claims' span: a year ago.
    let span_days = (claims * SPACING_S / 86_400) as i64;
    let from = (chrono::Utc::now() - chrono::TimeDelta::days(span_days / 2)).date_naive();
    let to = from + chrono::TimeDelta::days((span_days / 24).clamp(0, 29));
    let (from, to) = (from.to_string(), to.to_string());

    let probes: Vec<Probe> = vec![
        Listing::new("first page"),
        Listing::new("first page, limit 200").limit(200),
        Listing::new(format!("deep page (cursor after {deep_offset})")).after(&deep),
        Listing::new("status=pending").status("pending"),
        Listing::new("status=rejected").status("rejected"),
        Listing::new("status=pending, deep cursor")
            .status("pending")
            .after(&deep_pending),
        Listing::new("retailer").retailer(r3),
        Listing::new("sku").sku("SKU-0-7"),
        Listing::new(format!("date range {from}..{to}")).dates(&from, &to),
        Listing::new("retailer + status=rejected")
            .retailer(r3)
            .status("rejected"),
        Listing::new("sku + status=partly_accepted")
            .sku("SKU-0-7")
            .status("partly_accepted"),
        Listing::new("retailer + sku").retailer(r3).sku("SKU-0-7"),
        Listing::new("status=rejected + date range")
            .status("rejected")
            .dates(&from, &to),
        Listing::new("retailer + sku + status + dates")
            .retailer(r3)
            .sku("SKU-0-7")
            .status("accepted")
            .dates(&from, &to),
    ]
    .into_iter()
    .map(|l| l.probe(mid))
    .collect();

    bench::serve_and_measure::<manufacturer::Migrator>(
        &args,
        db,
        manufacturer::SERVICE,
        manufacturer::build,
        Plan {
            title: "GET /api/manufacturers/{mid}/claims".to_owned(),
            headers: vec![("Authorization", format!("Bearer {key}"))],
            probes,
            target_ms: TARGET_MS,
        },
    )
    .await
}
