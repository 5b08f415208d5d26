//! Photos of a visit through the JSON API: stored in a blob directory of the test's own, the
//! type known by the bytes (not the declared type), at most 5 MiB, and nothing stored on any
//! refusal (no file, no row).

use std::path::PathBuf;
use std::sync::Arc;

use kummerer_service::{Context, Parts};
use logistics::photos::BlobPhotoStore;

use crate::support::*;

/// A real 1×1 PNG.
pub const PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01\x08\x04\x00\x00\x00\xb5\x1c\x0c\x02\x00\x00\x00\x0b\x49\x44\x41\x54\x78\xda\x63\x64\x60\x00\x00\x00\x06\x00\x02\x30\x81\xd0\x2f\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

/// The start of a JFIF file and its end marker.
pub fn jpeg() -> Vec<u8> {
    let mut bytes = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00,
    ];
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes
}

/// The test's photo directory: named after its unique broker prefix, so the `fn` handed to the
/// test kit finds it without global state.
fn photo_dir(prefix: &str) -> PathBuf {
    std::env::temp_dir().join(format!("kummerer-photos-{prefix}"))
}

/// The blob directory of the tests that do not look at their photos' files.
pub fn unused_dir() -> PathBuf {
    std::env::temp_dir().join("kummerer-photos-unused")
}

/// The build of the tests that store no photos: one shared temporary directory (never the
/// repository's `./data/blobs`).
pub fn build_for_tests(ctx: &Context) -> Parts {
    let dir = unused_dir();
    let store = Arc::new(BlobPhotoStore::local(dir).unwrap());
    logistics::build_with(ctx, store, http_config())
}

fn build_with_temp_photos(ctx: &Context) -> Parts {
    let store = BlobPhotoStore::local(photo_dir(&ctx.config.broker_prefix)).unwrap();
    logistics::build_with(ctx, Arc::new(store), http_config())
}

/// The service with a photo directory of its own (removed on drop).
pub async fn start_with_photos() -> (TestService, PhotoDir) {
    let svc = as_operator(TestService::start::<Migrator>(SERVICE, build_with_temp_photos).await);
    let dir = PhotoDir(photo_dir(&svc.broker.prefix));
    assert!(dir.0.is_dir(), "the store creates its directory at start");
    (svc, dir)
}

pub struct PhotoDir(pub PathBuf);

impl PhotoDir {
    /// The photos stored: the files under the store's `logistics/` prefix.
    pub fn files(&self) -> usize {
        std::fs::read_dir(self.0.join("logistics")).map_or(0, |d| d.count())
    }

    /// The bytes stored under blob key `key`.
    pub fn read(&self, key: &str) -> Vec<u8> {
        std::fs::read(self.0.join(key)).unwrap()
    }
}

impl Drop for PhotoDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub async fn upload(
    svc: &TestService,
    job: &str,
    kind: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    svc.client
        .post(svc.url(&format!("/api/jobs/{job}/photos?kind={kind}")))
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .unwrap()
}

async fn new_job(svc: &TestService, serial: &str) -> String {
    let retailer = Uuid::now_v7();
    let event = swap(retailer, serial);
    publish_event(&svc.names, event.clone()).await;
    job_of(svc, retailer, event.swap_id.as_uuid()).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub async fn photo_rows(db: &DatabaseConnection) -> i64 {
    count(db, "SELECT 1 FROM job_photos", vec![]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_of_a_visit_are_stored_listed_and_served_with_their_real_type() {
    let (svc, dir) = start_with_photos().await;
    let job = new_job(&svc, "SN-OLD-1").await;

    let res = upload(&svc, &job, "delivered", "image/png", PNG.to_vec()).await;
    assert_eq!(res.status().as_u16(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let png: Json = res.json().await.unwrap();
    assert_eq!(png["kind"], "delivered");
    assert_eq!(png["content_type"], "image/png");
    assert_eq!(png["size_bytes"], PNG.len());
    assert_eq!(png["job_id"], job.as_str());
    assert_eq!(png["url"], location.as_str());

    // A JPEG declared as PNG: stored as what it is.
    let res = upload(&svc, &job, "collected", "image/png", jpeg()).await;
    assert_eq!(res.status().as_u16(), 201);
    let jpg: Json = res.json().await.unwrap();
    assert_eq!(jpg["kind"], "collected");
    assert_eq!(jpg["content_type"], "image/jpeg");

    // A completed job still takes a photo.
    let (status, body) = post_json(
        &svc,
        &format!("/api/jobs/{job}/complete"),
        json!({"delivered_serial": "SN-NEW-1", "collected_serial": "SN-OLD-1", "recipient_name": "Erika"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let res = upload(
        &svc,
        &job,
        "collected",
        "image/jpeg; charset=binary",
        jpeg(),
    )
    .await;
    assert_eq!(res.status().as_u16(), 201);

    let (status, list) = get_json(&svc, &format!("/api/jobs/{job}/photos")).await;
    assert_eq!(status, 200);
    let items = list["items"].as_array().unwrap();
    let kinds: Vec<&str> = items.iter().map(|p| p["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["delivered", "collected", "collected"]);
    assert_eq!(items[0]["id"], png["id"]);
    assert_eq!(photo_rows(&svc.db).await, 3);
    assert_eq!(dir.files(), 3, "one file per photo, nothing else");

    // The bytes, with the stored type, never sniffed.
    let res = svc.client.get(svc.url(&location)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    let res = svc
        .client
        .get(svc.url(jpg["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(res.bytes().await.unwrap().as_ref(), jpeg().as_slice());

    // The file names are the store's keys, not anything the client sent.
    let key: String = svc
        .db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT storage_key FROM job_photos WHERE id = $1",
            [png["id"].as_str().unwrap().parse::<Uuid>().unwrap().into()],
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "storage_key")
        .unwrap();
    assert_eq!(std::fs::read(dir.0.join(&key)).unwrap(), PNG);
    svc.stop().await;
}

/// An upload that must be refused: what, job, kind, declared type, body, status, code.
type Refusal<'a> = (&'a str, &'a str, &'a str, &'a str, Vec<u8>, u16, &'a str);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_photos_store_nothing_and_another_jobs_photo_is_not_found() {
    let (svc, dir) = start_with_photos().await;
    let job = new_job(&svc, "SN-OLD-1").await;
    let other = new_job(&svc, "SN-OLD-2").await;

    let before = snapshot(&svc.db).await;
    let mut too_large = PNG.to_vec();
    too_large.resize(5 * 1024 * 1024 + 1, 0);
    let unknown = Uuid::now_v7().to_string();
    // what, job, kind, declared type, body, status, code
    let cases: Vec<Refusal> = vec![
        (
            "not an image, declared PNG",
            job.as_str(),
            "collected",
            "image/png",
            b"MZ\x90\x00 this is not a photo".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "SVG, declared JPEG",
            job.as_str(),
            "collected",
            "image/jpeg",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "a PNG declared as text",
            job.as_str(),
            "collected",
            "text/plain",
            PNG.to_vec(),
            415,
            "unsupported_media_type",
        ),
        (
            "empty",
            job.as_str(),
            "collected",
            "image/png",
            Vec::new(),
            415,
            "unsupported_media_type",
        ),
        (
            "one byte over 5 MiB",
            job.as_str(),
            "delivered",
            "image/png",
            too_large,
            413,
            "payload_too_large",
        ),
        (
            "unknown kind",
            job.as_str(),
            "selfie",
            "image/png",
            PNG.to_vec(),
            422,
            "validation_failed",
        ),
        (
            "unknown job",
            unknown.as_str(),
            "collected",
            "image/png",
            PNG.to_vec(),
            404,
            "not_found",
        ),
    ];
    for (what, job, kind, content_type, bytes, status, code) in cases {
        let res = upload(&svc, job, kind, content_type, bytes).await;
        let problem = assert_problem(res, status, code, what).await;
        assert!(problem["detail"].is_string(), "{what}: a readable reason");
    }
    let res = svc
        .client
        .post(svc.url(&format!("/api/jobs/{job}/photos")))
        .header("content-type", "image/png")
        .body(PNG.to_vec())
        .send()
        .await
        .unwrap();
    assert_problem(res, 422, "validation_failed", "no kind").await;
    assert_eq!(photo_rows(&svc.db).await, 0, "no row");
    assert_eq!(dir.files(), 0, "no file");
    assert_eq!(snapshot(&svc.db).await, before);

    // Another job's photo is not found through this job, nor is an unknown one.
    let res = upload(&svc, &other, "collected", "image/png", PNG.to_vec()).await;
    assert_eq!(res.status().as_u16(), 201);
    let photo: Json = res.json().await.unwrap();
    let id = photo["id"].as_str().unwrap();
    for path in [
        format!("/api/jobs/{job}/photos/{id}"),
        format!("/api/jobs/{other}/photos/{}", Uuid::now_v7()),
        format!("/api/jobs/{unknown}/photos/{id}"),
        format!("/api/jobs/{other}/photos/not-a-uuid"),
        format!("/api/jobs/{unknown}/photos"),
    ] {
        get_expect_problem(&svc, &path, 404, "not_found", &path).await;
    }
    let (status, list) = get_json(&svc, &format!("/api/jobs/{job}/photos")).await;
    assert_eq!((status, list["items"].as_array().unwrap().len()), (200, 0));
    let res = svc
        .client
        .get(svc.url(&format!("/api/jobs/{other}/photos/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    svc.stop().await;
}

/// Claim-check: a photo of nearly 5 MiB travels as its key, size and digest, so the outbox row
/// of `logistics.job.delivered.v1` stays under 64 KiB; the key names the bytes in the store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_photo_travels_by_key_and_its_outbox_row_stays_under_64_kib() {
    let (svc, dir) = start_with_photos().await;
    let job = new_job(&svc, "SN-OLD-1").await;
    let mut large = PNG.to_vec();
    large.resize(5 * 1024 * 1024 - 7, 0x5a);
    let res = upload(&svc, &job, "delivered", "image/png", large.clone()).await;
    assert_eq!(res.status().as_u16(), 201);
    let photo: Json = res.json().await.unwrap();
    let (status, body) = post_json(
        &svc,
        &format!("/api/jobs/{job}/delivered"),
        json!({"delivered_serial": "SN-NEW-1", "recipient_name": "Erika",
               "photo_id": photo["id"]}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let row = svc
        .db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT octet_length(payload::text) AS size, payload::text AS payload FROM outbox \
             WHERE routing_key = $1",
            ["logistics.job.delivered.v1".into()],
        ))
        .await
        .unwrap()
        .unwrap();
    let size: i32 = row.try_get("", "size").unwrap();
    assert!(size < 64 * 1024, "outbox row of {size} bytes");
    let payload: Json =
        serde_json::from_str(&row.try_get::<String>("", "payload").unwrap()).unwrap();
    let evidence = &payload["data"]["photo"];
    assert!(evidence.get("data_base64").is_none(), "{evidence}");
    assert_eq!(evidence["size_bytes"], large.len());
    let key = kummerer_contracts::BlobKey::parse(evidence["key"].as_str().unwrap()).unwrap();
    assert_eq!(evidence["sha256"], key.sha256());
    assert_eq!(kummerer_blobs::sha256_hex(&large), key.sha256());
    assert_eq!(dir.read(key.as_str()), large);
    svc.stop().await;
}
