//! A real headless Chromium for end-to-end tests, driven over WebDriver (Debian's `chromium` and
//! `chromium-driver`, which `.ci/run` installs), and the few steps the tests take with it.
//! Without a chromedriver, [`browser`] says so and gives `None`, and the test skips.
//!
//! With `AGENT_ARMY_SCREENSHOTS=<dir>`, [`screenshot`] saves pages there as PNG (how
//! `docs/screenshots/` is made).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::ClientBuilder;
pub use fantoccini::{Client, Locator};
use serde_json::json;

/// A chromedriver process and a session on it; both end when dropped.
pub struct Browser {
    driver: Child,
    pub client: Client,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn chromedriver() -> Option<String> {
    let path = std::env::var("AGENT_ARMY_TEST_CHROMEDRIVER")
        .unwrap_or_else(|_| "/usr/bin/chromedriver".to_owned());
    std::path::Path::new(&path).exists().then_some(path)
}

fn chromium() -> String {
    std::env::var("AGENT_ARMY_TEST_CHROMIUM").unwrap_or_else(|_| {
        // Debian's launcher script prints noise; the binary behind it takes the same flags.
        ["/usr/lib/chromium/chromium", "/usr/bin/chromium"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .unwrap_or("/usr/bin/chromium")
            .to_owned()
    })
}

/// A fresh headless Chromium with its own profile, or `None` (said on stderr) without a
/// chromedriver.
pub async fn browser() -> Option<Browser> {
    let Some(driver_path) = chromedriver() else {
        eprintln!("skipped: no chromedriver (install Debian's chromium and chromium-driver)");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port for chromedriver");
    let driver = Command::new(driver_path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting chromedriver");
    // The driver is another process: wait for it to listen (up to ten seconds).
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let profile = tempfile::tempdir().expect("a profile directory");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium(),
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display())],
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session");
    Some(Browser {
        driver,
        client,
        _profile: profile,
    })
}

/// Saves the page as `<name>.png` when `AGENT_ARMY_SCREENSHOTS` names a directory.
pub async fn screenshot(client: &Client, name: &str) {
    let Ok(dir) = std::env::var("AGENT_ARMY_SCREENSHOTS") else {
        return;
    };
    let png = client.screenshot().await.expect("a screenshot");
    std::fs::create_dir_all(&dir).expect("the screenshots directory");
    std::fs::write(format!("{dir}/{name}.png"), png).expect("writing a screenshot");
}

/// Clicks the element.
pub async fn click(client: &Client, locator: Locator<'_>) {
    client
        .find(locator)
        .await
        .expect("the element to click")
        .click()
        .await
        .expect("a click");
}

/// Types into the element.
pub async fn type_into(client: &Client, locator: Locator<'_>, text: &str) {
    client
        .find(locator)
        .await
        .expect("the element to type into")
        .send_keys(text)
        .await
        .expect("typing");
}

/// Signs in through the sign-in form.
pub async fn sign_in(client: &Client, base: &str, tenant: &str, email: &str, password: &str) {
    client
        .goto(&format!("{base}/login"))
        .await
        .expect("the sign-in page");
    type_into(client, Locator::Id("tenant"), tenant).await;
    type_into(client, Locator::Id("email"), email).await;
    type_into(client, Locator::Id("password"), password).await;
    click(client, Locator::Css("button[type=submit]")).await;
}

/// The page's text once it contains `needle` (a click's navigation may still be under way),
/// waiting up to ten seconds; panics with the page's text otherwise.
#[expect(clippy::panic, reason = "fails the test, showing what the page said")]
pub async fn expect_text(client: &Client, needle: &str) -> String {
    let mut last = String::new();
    for _ in 0..200 {
        if let Ok(main) = client.find(Locator::Css("body")).await
            && let Ok(text) = main.text().await
        {
            if text.contains(needle) {
                return text;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the page never said {needle:?}; it said {last:?}");
}
