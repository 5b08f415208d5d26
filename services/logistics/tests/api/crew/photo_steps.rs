//! Photos on *delivered* and *collected* through the crew's multipart forms; bad ones save
//! nothing.

use super::*;

/// A `multipart/form-data` body as a browser sends it: text fields, then file inputs
/// `(name, filename, content type, bytes)`.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----kummererTestBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, filename, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub(crate) async fn post_multipart(
    svc: &TestService,
    client: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &str, &[u8])],
) -> (u16, String) {
    let (content_type, body) = multipart(fields, files);
    answer(
        client
            .post(svc.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_crew_adds_photos_to_delivered_and_collected_and_bad_ones_save_nothing() {
    let (svc, dir) = photos::start_with_photos().await;
    let day = todays_jobs(&svc, "photos").await;
    let [first, second] = &day.van_jobs;
    let client = browser();
    let csrf = signed_in(&svc, &client, &day.email).await;
    let path = format!("/crew/visits/{first}/complete");
    let fields = [
        ("csrf", csrf.as_str()),
        ("delivered_serial", "NEW-1"),
        ("collected_serial", "SN-1"),
        ("recipient_name", "Erika Mustermann"),
    ];
    // The visit page shows one step at a time: first *on the way* (the photo steps, multipart
    // with the camera, are checked in `steps::the_visit_page_shows_one_step_at_a_time`).
    let (status, html) = page(&svc, &client, &format!("/crew/visits/{first}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"id="on-the-way-form""#), "{html}");

    // Refused photos: a readable reason, what was typed stays, nothing saved (no completion,
    // no row, no file).
    let before = snapshot(&svc.db).await;
    let mut too_large = photos::PNG.to_vec();
    too_large.resize(5 * 1024 * 1024 + 1, 0);
    let not_an_image: &[u8] = b"MZ\x90\x00 not a photo at all";
    for (what, files, status, text) in [
        (
            "not an image, declared JPEG",
            vec![("collected_photo", "unit.jpg", "image/jpeg", not_an_image)],
            415,
            "not a JPEG, PNG or WebP image",
        ),
        (
            "a good photo and a bad one",
            vec![
                ("delivered_photo", "new.png", "image/png", photos::PNG),
                ("collected_photo", "unit.heic", "image/heic", photos::PNG),
            ],
            415,
            "choose a JPEG, PNG or WebP photo",
        ),
        (
            "one byte over 5 MiB",
            vec![(
                "delivered_photo",
                "big.png",
                "image/png",
                too_large.as_slice(),
            )],
            413,
            "larger than 5 MiB",
        ),
    ] {
        let (got, html) = post_multipart(&svc, &client, &path, &fields, &files).await;
        assert_eq!(got, status, "{what}: {html}");
        assert!(html.contains(text), "{what}: {html}");
        assert!(html.contains(r#"class="field-error""#), "{what}: {html}");
        assert!(
            html.contains(r#"value="NEW-1""#),
            "{what}: typed values stay"
        );
    }
    // The whole form over its limit (two photos and the fields): a readable page.
    let mut huge = photos::PNG.to_vec();
    huge.resize(11 * 1024 * 1024, 0);
    let (got, html) = post_multipart(
        &svc,
        &client,
        &path,
        &fields,
        &[("delivered_photo", "huge.png", "image/png", huge.as_slice())],
    )
    .await;
    assert_eq!(got, 413, "{html}");
    assert!(html.contains("at most 5 MiB"), "{html}");
    // Without the session's CSRF token: 403, nothing saved.
    let (got, _) = post_multipart(
        &svc,
        &client,
        &path,
        &[("csrf", &"0".repeat(64)), ("delivered_serial", "NEW-1")],
        &[("delivered_photo", "new.png", "image/png", photos::PNG)],
    )
    .await;
    assert_eq!(got, 403);
    assert_eq!(snapshot(&svc.db).await, before);
    assert_eq!(photos::photo_rows(&svc.db).await, 0);
    assert_eq!(dir.files(), 0, "no file left behind");

    // Both photos with the completion; a double tap stores them once.
    let jpeg = photos::jpeg();
    let files: [(&str, &str, &str, &[u8]); 2] = [
        ("delivered_photo", "new.png", "image/png", photos::PNG),
        ("collected_photo", "unit.jpg", "image/jpeg", jpeg.as_slice()),
    ];
    let (one, two) = tokio::join!(
        post_multipart(&svc, &client, &path, &fields, &files),
        post_multipart(&svc, &client, &path, &fields, &files)
    );
    let mut statuses = [one.0, two.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 409], "{one:?} {two:?}");
    assert_eq!(photos::photo_rows(&svc.db).await, 2);
    assert_eq!(dir.files(), 2, "the loser's photos are removed again");
    let (_, job) = get_json(&svc, &format!("/api/jobs/{first}")).await;
    assert_eq!(job["status"], "completed");
    assert_eq!(job["collected_serial_matches"], true);
    let (_, list) = get_json(&svc, &format!("/api/jobs/{first}/photos")).await;
    let items = list["items"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = items
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().unwrap(),
                p["content_type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [("delivered", "image/png"), ("collected", "image/jpeg")]
    );

    // The visit shows them, served behind the crew's session.
    let (_, html) = page(&svc, &client, &format!("/crew/visits/{first}")).await;
    let url = format!(
        "/crew/visits/{first}/photos/{}",
        items[0]["id"].as_str().unwrap()
    );
    assert!(html.contains(&format!(r#"src="{url}""#)), "{html}");
    let res = client.get(svc.url(&url)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.unwrap().as_ref(), photos::PNG);
    let (status, _) = page(&svc, &browser(), &url).await;
    assert_eq!(status, 303, "signed out → the sign-in page");

    // Another crew's photo, through its own visit or ours: the same 404 page.
    let res = photos::upload(
        &svc,
        &day.truck_job,
        "collected",
        "image/png",
        photos::PNG.to_vec(),
    )
    .await;
    assert_eq!(res.status().as_u16(), 201);
    let theirs: Json = res.json().await.unwrap();
    let theirs = theirs["id"].as_str().unwrap();
    for path in [
        format!("/crew/visits/{}/photos/{theirs}", day.truck_job),
        format!("/crew/visits/{first}/photos/{theirs}"),
        format!("/crew/visits/{first}/photos/not-a-uuid"),
    ] {
        let (status, html) = page(&svc, &client, &path).await;
        assert_eq!(status, 404, "{path}");
        assert!(
            html.contains("There is no such visit for your crew."),
            "{path}"
        );
    }

    // File inputs left empty: completed without photos.
    let (status, location) = post_multipart(
        &svc,
        &client,
        &format!("/crew/visits/{second}/complete"),
        &[
            ("csrf", csrf.as_str()),
            ("delivered_serial", "NEW-2"),
            ("collected_serial", "SN-2"),
            ("recipient_name", "Max"),
        ],
        &[
            ("delivered_photo", "", "application/octet-stream", b""),
            ("collected_photo", "", "application/octet-stream", b""),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, &*format!("/crew/visits/{second}?saved=delivered"))
    );
    let (_, list) = get_json(&svc, &format!("/api/jobs/{second}/photos")).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    assert_eq!(dir.files(), 3);
    svc.stop().await;
}
