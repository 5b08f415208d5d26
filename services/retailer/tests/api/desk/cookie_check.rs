//! A sign-in whose `Secure` session cookie the browser dropped (plain HTTP under a host name
//! other than localhost) is told what to do instead of landing on the empty form again.

use super::*;
use reqwest::header::{COOKIE, HOST, SET_COOKIE};

/// The `Set-Cookie` headers of an answer, whole.
fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// `name=value` of a `Set-Cookie` header.
fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_cookie_the_browser_dropped_is_explained_on_the_sign_in_page() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    // A plain client (no cookie store): the test plays the browser and decides which cookie
    // comes back. The host is another machine's name, as on a shop's network.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let host = "shop-pc:8081";
    let res = client
        .post(svc.url("/desk/sign-in"))
        .header(HOST, host)
        .form(&[("email", desk.email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let cookies = set_cookies(&res);
    let session = cookies
        .iter()
        .find(|c| !c.contains("_probe="))
        .expect("a session cookie");
    let probe = cookies
        .iter()
        .find(|c| c.contains("_probe="))
        .expect("a probe cookie");
    assert!(session.contains("Secure"), "{session}");
    assert!(!probe.contains("Secure"), "{probe}");

    let sign_in_page = |cookie: String| {
        client
            .get(svc.url("/desk/sign-in"))
            .header(HOST, host)
            .header(COOKIE, cookie)
            .send()
    };
    // The browser kept only the probe: the page says why and what to do, and clears the probe.
    let res = sign_in_page(pair(probe)).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let cleared = set_cookies(&res);
    assert!(
        cleared
            .iter()
            .any(|c| c.contains("_probe=;") && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    let html = res.text().await.unwrap();
    for said in [
        "did not keep the session cookie",
        "plain HTTP from shop-pc:8081",
        "over https",
        "localhost:8081",
        "KUMMERER_INSECURE_COOKIES=1",
    ] {
        assert!(html.contains(said), "{said}: {html}");
    }
    // Both came back: signed in, on to the desk.
    let res = sign_in_page(format!("{}; {}", pair(session), pair(probe)))
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    // A session cookie that names no live session (signed out elsewhere), or no probe: the
    // plain form, without the message.
    let name = pair(session).split('=').next().unwrap().to_owned();
    for cookie in [
        format!("{name}={}; {}", "a".repeat(64), pair(probe)),
        String::new(),
    ] {
        let res = sign_in_page(cookie).await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let html = res.text().await.unwrap();
        assert!(html.contains(r#"name="password""#), "{html}");
        assert!(!html.contains("did not keep"), "{html}");
    }
}

/// In Chromium: the desk opened as `http://shop-pc:<port>` (the host name mapped to 127.0.0.1),
/// where the browser drops the `Secure` session cookie — the right password leads to the
/// sign-in page saying what to do, not to the empty form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_chromium_a_sign_in_over_plain_http_from_another_host_says_what_to_do() {
    let svc = start().await;
    let desk = desk_shop(&svc, "Elektro Maier", "SN-1", "Erika Mustermann").await;
    let driver = chromedriver().await;
    let profile = &driver._profile.0;
    let b = driver
        .driver
        .session(
            profile,
            (1280, 900),
            json!({"args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
                "--host-resolver-rules=MAP shop-pc 127.0.0.1",
            ]}),
        )
        .await;
    let port = svc.url("").rsplit(':').next().unwrap().to_owned();
    let result = async {
        b.goto(&format!("http://shop-pc:{port}/desk")).await?;
        submit_sign_in(&b, &desk.email).await?;
        let said = b
            .wait()
            .for_element(Locator::Css("p.error"))
            .await?
            .text()
            .await?;
        let url = b.current_url().await?;
        Ok::<_, fantoccini::error::CmdError>((said, url))
    }
    .await;
    b.close().await.unwrap();
    let (said, url) = result.unwrap();
    assert_eq!(url.path(), "/desk/sign-in");
    for part in [
        "did not keep the session cookie",
        &format!("plain HTTP from shop-pc:{port}"),
        &format!("http://localhost:{port}"),
        "KUMMERER_INSECURE_COOKIES=1",
    ] {
        assert!(said.contains(part), "{part}: {said}");
    }
}
