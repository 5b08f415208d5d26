//! `desk-pages`: the retailer's staff desk over 100,000 sales and 20,000 cases.
//!
//! Seeds a fresh retailer database — the measured retailer with 200 products, 100,000 sales
//! (two units per receipt, a year of them) and 20,000 cases in every state with their swaps,
//! claims, refusals and timelines; a second retailer with a fifth of that — starts the retailer
//! service in-process on it, and times the desk pages with a signed-in clerk's session: the
//! counter search (issue 14) by receipt number (also in lower case), serial (whole, whole in
//! lower case, and part of it in lower case), a first name and a surname (each matching thousands of sales), the full
//! name, a phone number typed nationally (whole, and its start), a sale page and a case page.
//! Target: p99 < 100 ms.
//!
//! The session is a row as the sign-in form writes it (the hash of a random token; the cookie
//! carries the token), so the measurement does not include argon2.
//!
//! ```text
//! cargo run --release -p bench --bin desk-pages [-- --requests 300 --scale 1 --explain]
//! ```

use bench::{Args, BenchDb, Plan, Probe, lit, uid};
use uuid::Uuid;

const TARGET_MS: f64 = 100.0;
const SALES: u64 = 100_000;
const CASES: u64 = 20_000;
const PRODUCTS: u64 = 200;

const FIRST: &str = "ARRAY['Anna','Ben','Clara','David','Emma','Felix','Greta','Hannah','Jonas',\
'Julia','Karl','Lena','Lukas','Maria','Max','Mia','Noah','Paul','Sophie','Tim','Ute','Yusuf',\
'Zoe','Erika','Otto','Ida','Jan','Lea','Finn','Ömer']";
const LAST: &str = "ARRAY['Müller','Schmidt','Schneider','Fischer','Weber','Meyer','Wagner',\
'Becker','Schulz','Hoffmann','Schäfer','Koch','Bauer','Richter','Klein','Wolf','Schröder',\
'Neumann','Schwarz','Zimmermann','Braun','Krüger','Hofmann','Hartmann','Lange','Schmitt',\
'Werner','Schmitz','Krause','Meier','Lehmann','Schmid','Schulze','Maier','Köhler','Herrmann',\
'König','Walter','Mayer','Huber']";

/// A case's state by its number: 40 % open, 20 % swap approved, 20 % delivered, 10 % closed,
/// 10 % refused.
const STATUS: &str = "(ARRAY['open','open','open','open','swap_approved','swap_approved',\
'delivered','delivered','closed','refused'])[1 + c % 10]";

/// The sale a case is on: every fifth.
fn sale_of_case(rix: u64) -> String {
    uid("sale", &format!("'{rix}-' || (c * 5)"))
}

fn when_sold(g: &str) -> String {
    format!("now() - interval '1 day' - make_interval(mins => ({g}) * 5)")
}

async fn seed_retailer(db: &BenchDb, rix: u64, sales: u64, cases: u64) -> anyhow::Result<()> {
    let retailer = uid("ret", &rix.to_string());
    let staff = uid("staff", &rix.to_string());
    db.exec(&format!(
        "INSERT INTO retailers (id, name) VALUES ({retailer}, 'Retailer {rix}')"
    ))
    .await?;
    db.exec(&format!(
        "INSERT INTO staff (id, retailer_id, email, name, role, password_hash) \
         VALUES ({staff}, {retailer}, 'clerk{rix}@bench.example', 'Clerk {rix}', 'clerk', \
         'not a hash: sessions are seeded')"
    ))
    .await?;
    db.exec(&format!(
        "INSERT INTO products (id, retailer_id, sku, name, manufacturer_id, price, currency) \
         SELECT {}, {retailer}, 'SKU-' || p, 'Product ' || p, {}, 299 + p, 'EUR' \
         FROM generate_series(0, {}) p",
        uid("prod", &format!("'{rix}-' || p")),
        uid("m", "p % 5"),
        PRODUCTS - 1
    ))
    .await?;
    let label = if rix == 1 { "sales" } else { "sales (2nd)" };
    db.seed(label, sales, 25_000, |from, to| {
        format!(
            "INSERT INTO sales (id, retailer_id, receipt_no, product_id, serial, price_paid, \
                 currency, sold_at, customer_name, customer_phone, street, postcode, city, country, \
                 customer_phone_e164) \
             SELECT {id}, {retailer}, 'R{rix}-' || lpad((g / 2)::text, 7, '0'), {product}, \
                 'SN{rix}-' || lpad(g::text, 7, '0'), 499.00, 'EUR', {sold}, \
                 ({FIRST})[1 + h1 % 30] || ' ' || ({LAST})[1 + h2 % 40], \
                 '+49 30 ' || lpad((h1 % 10000000)::text, 7, '0'), \
                 'Hauptstr. ' || (1 + g % 200), lpad((10000 + g % 80000)::text, 5, '0'), \
                 'Berlin', 'DE', '+4930' || lpad((h1 % 10000000)::text, 7, '0') \
             FROM (SELECT g, ('x' || substr(md5(g::text), 1, 7))::bit(28)::int AS h1, \
                          ('x' || substr(md5(g::text), 9, 7))::bit(28)::int AS h2 \
                   FROM generate_series({from}, {}) g) s",
            to - 1,
            id = uid("sale", &format!("'{rix}-' || g")),
            product = uid("prod", &format!("'{rix}-' || ((g * 7) % {PRODUCTS})")),
            sold = when_sold("g"),
        )
    })
    .await?;
    let cases_of = |what: &str, from: u64, to: u64| {
        format!(
            "FROM (SELECT c, {STATUS} AS st, {sold} + interval '3 days' AS opened \
                   FROM generate_series({from}, {}) c) x {what}",
            to - 1,
            sold = when_sold("c * 5"),
        )
    };
    let label = if rix == 1 { "cases" } else { "cases (2nd)" };
    db.seed(label, cases, 20_000, |from, to| {
        format!(
            "INSERT INTO cases (id, retailer_id, sale_id, defect_category, defect_description, \
                 status, opened_at) \
             SELECT {}, {retailer}, {}, \
                 (ARRAY['does_not_start','noise','leak','display','performance'])[1 + c % 5], \
                 'Seeded defect ' || c, st, opened {}",
            uid("case", &format!("'{rix}-' || c")),
            sale_of_case(rix),
            cases_of("", from, to)
        )
    })
    .await?;
    let swapped = "WHERE st IN ('swap_approved', 'delivered')";
    db.exec(&format!(
        "INSERT INTO swaps (id, case_id, retailer_id, replacement_product_id, window_start, \
             window_end, address_name, address_phone, street, postcode, city, country, \
             approved_by, approved_at, status, status_changed_at) \
         SELECT {}, {}, {retailer}, {}, opened + interval '2 days', \
             opened + interval '2 days 4 hours', 'Customer ' || c, '+49 30 1234567', \
             'Hauptstr. 1', '10115', 'Berlin', 'DE', 'clerk{rix}@bench.example', \
             opened + interval '1 hour', \
             CASE st WHEN 'delivered' THEN 'delivered' ELSE 'scheduled' END, \
             opened + interval '2 days' {}",
        uid("swap", &format!("'{rix}-' || c")),
        uid("case", &format!("'{rix}-' || c")),
        uid("prod", &format!("'{rix}-' || ((c * 5 * 7) % {PRODUCTS})")),
        cases_of(swapped, 0, cases)
    ))
    .await?;
    db.exec(&format!(
        "INSERT INTO claims (id, swap_id, case_id, retailer_id, manufacturer_id, amount_claimed, \
             currency, status, decided_amount, submitted_at, decided_at) \
         SELECT {}, {}, {}, {retailer}, {}, 524.00, 'EUR', \
             CASE st WHEN 'delivered' THEN 'accepted' ELSE 'submitted' END, \
             CASE st WHEN 'delivered' THEN 524.00 END, opened + interval '1 hour', \
             CASE st WHEN 'delivered' THEN opened + interval '2 hours' END {}",
        uid("rclaim", &format!("'{rix}-' || c")),
        uid("swap", &format!("'{rix}-' || c")),
        uid("case", &format!("'{rix}-' || c")),
        uid("m", "(c * 5 * 7) % 5"),
        cases_of(swapped, 0, cases)
    ))
    .await?;
    db.exec(&format!(
        "INSERT INTO refusals (case_id, retailer_id, reason_code, reason_text, refused_by, \
             refused_at) \
         SELECT {}, {retailer}, 'no_defect_found', 'Works as it should', {staff}, \
             opened + interval '1 hour' {}",
        uid("case", &format!("'{rix}-' || c")),
        cases_of("WHERE st = 'refused'", 0, cases)
    ))
    .await?;
    // The timeline: what the messages of each state would have written.
    db.exec(&format!(
        "INSERT INTO timeline (id, case_id, retailer_id, kind, occurred_at, source, details) \
         SELECT {}, {}, {retailer}, kinds[k], opened + make_interval(hours => k), \
             sources[k], '{{}}'::jsonb \
         FROM (SELECT c, {STATUS} AS st, {sold} + interval '3 days' AS opened \
               FROM generate_series(0, {}) c) x, \
              LATERAL (SELECT CASE st \
                   WHEN 'refused' THEN ARRAY['case_refused'] \
                   ELSE ARRAY['swap_approved','claim_submitted','job_scheduled', \
                              'claim_decided','delivered_and_collected'] END AS kinds, \
                   CASE st WHEN 'refused' THEN ARRAY['retailer'] \
                   ELSE ARRAY['retailer','retailer','logistics','manufacturer','logistics'] \
                   END AS sources, \
                   CASE st WHEN 'refused' THEN 1 WHEN 'swap_approved' THEN 3 \
                   WHEN 'delivered' THEN 5 ELSE 0 END AS n) t, \
              LATERAL generate_series(1, n) k",
        uid("tl", &format!("'{rix}-' || c || '-' || k")),
        uid("case", &format!("'{rix}-' || c")),
        cases - 1,
        sold = when_sold("c * 5"),
    ))
    .await?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse("usage: desk-pages")?;
    let (sales, cases) = (args.scaled(SALES), args.scaled(CASES));
    println!(
        "desk-pages: {sales} sales and {cases} cases (and a second retailer with a fifth of \
         that), {} requests per probe",
        args.requests
    );
    let db = BenchDb::create::<retailer::Migrator>(&args, "desk").await?;
    seed_retailer(&db, 1, sales, cases).await?;
    seed_retailer(&db, 2, (sales / 5).max(5), (cases / 5).max(1)).await?;
    db.vacuum(&[
        "sales",
        "cases",
        "swaps",
        "claims",
        "refusals",
        "timeline",
        "products",
        "staff",
        "retailers",
    ])
    .await?;

    // The clerk of retailer 1, signed in.
    let token = db
        .session(
            "sessions",
            "staff_id, retailer_id",
            &format!("{}, {}", uid("staff", "1"), uid("ret", "1")),
            24,
        )
        .await?;
    let retailer: Uuid = db
        .text(&format!("SELECT {}::text", uid("ret", "1")))
        .await?
        .parse()?;
    let id_of = |kind: &str, n: u64| format!("SELECT {}::text", uid(kind, &format!("'1-{n}'")));
    // A delivered case (the longest timeline) and a sale with a case in progress.
    let delivered = (0..cases).find(|c| c % 10 == 6).unwrap_or(0);
    let case_id = db.text(&id_of("case", delivered)).await?;
    let sale_id = db.text(&id_of("sale", delivered * 5)).await?;
    let receipt = db
        .text(&format!(
            "SELECT receipt_no FROM sales WHERE id = '{sale_id}'"
        ))
        .await?;
    let serial = db
        .text(&format!("SELECT serial FROM sales WHERE id = '{sale_id}'"))
        .await?;
    let phone = db
        .text(&format!(
            "SELECT regexp_replace(customer_phone, '[^0-9]', '', 'g') FROM sales \
             WHERE id = '{sale_id}'"
        ))
        .await?;
    let full_name = db
        .text(&format!(
            "SELECT customer_name FROM sales WHERE id = '{sale_id}'"
        ))
        .await?;
    let first_name = full_name.split(' ').next().unwrap_or("Anna").to_owned();
    let matches = db
        .text(&format!(
            "SELECT count(*)::text FROM sales WHERE retailer_id = '{retailer}' \
             AND lower(customer_name) LIKE {}",
            lit(&format!("{}%", first_name.to_lowercase()))
        ))
        .await?;
    println!("the first name {first_name:?} matches {matches} sales of the retailer");

    // The desk's counter search (`retailer::db::desk::search_sales`), for the plans: a whole
    // receipt number or serial (the first query), else the branches that apply to the term.
    let search = |name: &str, q: &str| {
        let exact = format!(
            "SELECT * FROM sales WHERE retailer_id = '{retailer}' \
             AND (lower(receipt_no) = lower({q}) OR lower(serial) = lower({q})) \
             ORDER BY sold_at DESC, id DESC LIMIT 50",
            q = lit(q)
        );
        let whole = q.eq_ignore_ascii_case(&receipt) || q.eq_ignore_ascii_case(&serial);
        let mut branches = Vec::new();
        if !q.contains(char::is_whitespace) {
            branches.push(format!("serial ILIKE {}", lit(&format!("%{q}%"))));
        }
        if !q.chars().any(|c| c.is_ascii_digit()) {
            let word_start = |q: &str| -> String {
                let word: String = q
                    .chars()
                    .flat_map(|c| {
                        (!c.is_alphanumeric())
                            .then_some('\\')
                            .into_iter()
                            .chain([c])
                    })
                    .collect();
                format!("customer_name ~* {}", lit(&format!("\\m{word}")))
            };
            // As `search_sales`: a whole name also each of its words at a word start.
            let mut name = vec![word_start(q)];
            let words: Vec<&str> = q.split_whitespace().collect();
            if words.len() > 1 {
                name.extend(words.into_iter().map(word_start));
            }
            branches.push(format!("({})", name.join(" AND ")));
        }
        if let Some(p) = retailer::domain::phone::e164_prefix(q, "DE", 4) {
            branches.push(format!(
                "(customer_phone_e164 >= {} AND customer_phone_e164 < {})",
                lit(&p),
                lit(&format!("{p}:"))
            ));
        }
        let broad = format!(
            "SELECT * FROM sales WHERE retailer_id = '{retailer}' AND ({}) \
             ORDER BY sold_at DESC, id DESC LIMIT 50",
            branches.join(" OR ")
        );
        Probe {
            name: name.to_owned(),
            path: format!("/desk?q={}", encode(q)),
            sql: if whole { exact } else { broad },
        }
    };
    let surname = full_name.split(' ').nth(1).unwrap_or("Müller").to_owned();
    // The number as typed in Germany: 030 and the subscriber's digits.
    let national = format!("030 {}", &phone[4..]);
    let probes = vec![
        search("search: receipt number", &receipt),
        search(
            "search: receipt number, lower case",
            &receipt.to_lowercase(),
        ),
        search("search: serial", &serial),
        search("search: serial, lower case", &serial.to_lowercase()),
        search(
            "search: part of a serial, lower case",
            &serial[4..].to_lowercase(),
        ),
        search(
            &format!("search: first name ({matches} sales)"),
            &first_name,
        ),
        search(
            "search: surname (thousands of sales)",
            &surname.to_lowercase(),
        ),
        search("search: full name", &full_name),
        search("search: phone, national format", &national),
        search("search: phone, start (030 + 3 digits)", &national[..7]),
        Probe {
            name: "sale page".to_owned(),
            path: format!("/desk/sales/{sale_id}"),
            sql: format!("SELECT * FROM sales WHERE id = '{sale_id}'"),
        },
        Probe {
            name: "case page (delivered, full timeline)".to_owned(),
            path: format!("/desk/cases/{case_id}"),
            sql: format!(
                "SELECT * FROM timeline WHERE case_id = '{case_id}' ORDER BY occurred_at, id"
            ),
        },
    ];

    bench::serve_and_measure::<retailer::Migrator>(
        &args,
        db,
        retailer::SERVICE,
        retailer::build,
        Plan {
            title: "the staff desk, signed in".to_owned(),
            headers: vec![("Cookie", format!("kummerer_session={token}"))],
            probes,
            target_ms: TARGET_MS,
        },
    )
    .await
}

/// Percent-encoding of a query value (UTF-8 bytes outside the unreserved set).
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
