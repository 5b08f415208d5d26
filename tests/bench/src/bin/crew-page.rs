//! `crew-page`: the crew's day page over 50,000 jobs.
//!
//! Seeds a fresh logistics database — two carriers with ten crews each, 50,000 jobs spread over
//! 250 days (200 past, completed or failed; today; 49 ahead, scheduled), ten visits per crew and
//! day — starts the logistics service in-process on it, and times the crew member's day page
//! (`GET /crew`, today's visits of the signed-in member's crew) and one visit's page with a
//! signed-in crew session. Target: p99 < 100 ms.
//!
//! The session is a row as the sign-in form writes it (the hash of a random token; the cookie
//! carries the token), so the measurement does not include argon2.
//!
//! ```text
//! cargo run --release -p bench --bin crew-page [-- --requests 300 --scale 1 --explain]
//! ```

use bench::{Args, BenchDb, Plan, Probe, uid};

const TARGET_MS: f64 = 100.0;
const JOBS: u64 = 50_000;
const CARRIERS: u64 = 2;
const CREWS_PER_CARRIER: u64 = 10;
const VISITS_PER_DAY: u64 = 10;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse("usage: crew-page")?;
    let crews = CARRIERS * CREWS_PER_CARRIER;
    // At least five days, so the smallest run (`--tiny`) still seeds past days (completed and
    // failed jobs, which the check constraints are strictest about), today and days ahead.
    let jobs = args.scaled(JOBS).max(crews * VISITS_PER_DAY * 5);
    let days = jobs.div_ceil(crews * VISITS_PER_DAY);
    // Today is four fifths into the days (day 200 of 250).
    let past_days = days * 4 / 5;
    println!(
        "crew-page: {jobs} jobs over {days} days of {crews} crews, {} requests per probe",
        args.requests
    );
    let db = BenchDb::create::<logistics::Migrator>(&args, "crew").await?;
    db.exec(&format!(
        "INSERT INTO carriers (id, name) SELECT {}, 'Carrier ' || k \
         FROM generate_series(0, {}) k",
        uid("carrier", "k"),
        CARRIERS - 1
    ))
    .await?;
    // Crew c belongs to carrier c % CARRIERS.
    db.exec(&format!(
        "INSERT INTO crews (id, carrier_id, name, home_postcode_prefixes, visits_per_day) \
         SELECT {}, {}, 'Crew ' || c, ARRAY[(10 + c)::text], {VISITS_PER_DAY} \
         FROM generate_series(0, {}) c",
        uid("crew", "c"),
        uid("carrier", &format!("c % {CARRIERS}")),
        crews - 1
    ))
    .await?;
    db.exec(&format!(
        "INSERT INTO crew_members (id, crew_id, carrier_id, email, name, password_hash) \
         SELECT {}, {}, {}, 'driver' || c || '@bench.example', 'Driver ' || c, \
             'not a hash: sessions are seeded' \
         FROM generate_series(0, {}) c",
        uid("member", "c"),
        uid("crew", "c"),
        uid("carrier", &format!("c % {CARRIERS}")),
        crews - 1
    ))
    .await?;
    // Job g: crew g % crews, day g / (crews * visits) from `past_days` ago, position within the
    // crew's day by window (two-hour windows from 08:00). Past days are done (one in eight
    // failed), today and later are scheduled.
    db.seed("jobs", jobs, 10_000, |from, to| {
        format!(
            "INSERT INTO jobs (id, swap_id, case_id, retailer_id, deliver_sku, deliver_name, \
                 collect_serial, collect_sku, address_name, address_phone, address_street, \
                 address_postcode, address_city, address_country, window_start, window_end, \
                 status, attempts, delivered_serial, collected_serial, collected_serial_matches, \
                 recipient_name, failure_reason, completed_at, delivered_at, collected_at, \
                 carrier_id, crew_id, visit_date, position) \
             SELECT {id}, {swap}, {case}, {retailer}, 'SKU-' || (g % 50), 'Product ' || (g % 50), \
                 'SN-OLD-' || g, 'SKU-' || (g % 50), 'Customer ' || g, '+49 30 1234567', \
                 'Hauptstr. ' || (1 + g % 200), (10 + crew)::text || '115', 'Berlin', 'DE', \
                 start, start + interval '2 hours', st, \
                 CASE st WHEN 'scheduled' THEN 0 ELSE 1 END, \
                 CASE st WHEN 'completed' THEN 'SN-NEW-' || g END, \
                 CASE st WHEN 'completed' THEN 'SN-OLD-' || g END, \
                 CASE st WHEN 'completed' THEN true END, \
                 CASE st WHEN 'completed' THEN 'Customer ' || g END, \
                 CASE st WHEN 'failed' THEN 'not_home' END, \
                 CASE st WHEN 'completed' THEN start + interval '1 hour' END, \
                 CASE st WHEN 'completed' THEN start + interval '50 minutes' END, \
                 CASE st WHEN 'completed' THEN start + interval '1 hour' END, \
                 {carrier}, {crew_id}, day, pos \
             FROM (SELECT g, crew, day, pos, \
                       (day + make_interval(hours => 6 + pos)) AT TIME ZONE 'UTC' AS start, \
                       CASE WHEN day >= (now() AT TIME ZONE 'UTC')::date THEN 'scheduled' \
                            WHEN g % 8 = 0 THEN 'failed' ELSE 'completed' END AS st \
                   FROM (SELECT g, g % {crews} AS crew, \
                             (now() AT TIME ZONE 'UTC')::date - {past_days} + (g / ({crews} * {VISITS_PER_DAY}))::int \
                                 AS day, \
                             1 + (g / {crews}) % {VISITS_PER_DAY} AS pos \
                         FROM generate_series({from}, {}) g) a) b",
            to - 1,
            id = uid("job", "g"),
            swap = uid("swap", "g"),
            case = uid("case", "g"),
            retailer = uid("ret", "g % 7"),
            carrier = uid("carrier", &format!("crew % {CARRIERS}")),
            crew_id = uid("crew", "crew"),
        )
    })
    .await?;
    db.vacuum(&["jobs", "crews", "crew_members", "carriers"])
        .await?;

    // Driver 0 of crew 0, signed in.
    let token = db
        .session(
            "crew_sessions",
            "member_id, crew_id",
            &format!("{}, {}", uid("member", "0"), uid("crew", "0")),
            12,
        )
        .await?;
    let crew = db
        .text(&format!("SELECT {}::text", uid("crew", "0")))
        .await?;
    let today = db
        .text(&format!(
            "SELECT count(*)::text FROM jobs WHERE crew_id = '{crew}' \
             AND visit_date = (now() AT TIME ZONE 'UTC')::date"
        ))
        .await?;
    println!("crew 0 has {today} visits today");
    let visit = db
        .text(&format!(
            "SELECT id::text FROM jobs WHERE crew_id = '{crew}' ORDER BY visit_date DESC, \
             position LIMIT 1"
        ))
        .await?;
    let probes = vec![
        Probe {
            name: format!("day page /crew ({today} visits)"),
            path: "/crew".to_owned(),
            sql: format!(
                "SELECT * FROM jobs WHERE crew_id = '{crew}' \
                 AND visit_date = (now() AT TIME ZONE 'UTC')::date \
                 ORDER BY position, id LIMIT 200"
            ),
        },
        Probe {
            name: "a visit /crew/visits/{id}".to_owned(),
            path: format!("/crew/visits/{visit}"),
            sql: format!("SELECT * FROM jobs WHERE id = '{visit}'"),
        },
    ];

    bench::serve_and_measure::<logistics::Migrator>(
        &args,
        db,
        logistics::SERVICE,
        logistics::build,
        Plan {
            title: "the crew's page, signed in".to_owned(),
            headers: vec![("Cookie", format!("kummerer_crew_session={token}"))],
            probes,
            target_ms: TARGET_MS,
        },
    )
    .await
}
