//! A headless Chromium driven over WebDriver, for tests of fclocal's pages.
//!
//! [`Browser::start`] launches Debian's `chromedriver` on a port it picks
//! itself (`--port=0`; the port is read from its "started successfully"
//! line, so there is no race and no sleep) and opens a session in Debian's
//! `chromium` with a fresh profile. The helpers wait on conditions inside the
//! page (a bounded loop in the page's own event loop), never on wall-clock
//! sleeps. Every helper panics with a message naming what it was doing, the
//! page's URL and the start of its text, so a failing test says why.
//!
//! ```ignore
//! let browser = Browser::start().await;
//! browser.goto(&format!("{base}/logs")).await;
//! browser.type_into("#query", "functionName:hello").await;
//! browser.click("#run").await;
//! browser.wait_until("rows", "document.querySelectorAll('#results tbody tr').length > 0").await;
//! let png = browser.screenshot().await;
//! browser.close().await;
//! ```

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

/// Debian's Chromium (package `chromium`).
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's ChromeDriver (package `chromium-driver`), same version as Chromium.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// What to run when either is missing.
pub const INSTALL_HINT: &str = "apt-get update && apt-get install -y chromium chromium-driver";

/// Flags for a quiet, reproducible headless Chromium on a machine without a
/// network: no background connections, no first-run UI, no GPU, 1:1 pixels.
pub const CHROME_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--window-size=1280,1000",
    "--lang=en-US",
];

/// How long any wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(15);
/// How long ChromeDriver may take to say it is listening.
const DRIVER_START: Duration = Duration::from_secs(30);

/// A running ChromeDriver (in its own process group, with everything it
/// starts) and the Chromium profile directory; both go away on drop.
struct Driver {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Driver {
    fn start() -> Driver {
        for binary in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(binary).exists(),
                "{binary} is missing: the browser tests need Debian's Chromium and ChromeDriver; \
                 install them with `{INSTALL_HINT}` (never download a browser)"
            );
        }
        // With `--port=0` ChromeDriver picks a port itself and gives up when
        // another process takes it first ("IPv4 port not available"), which
        // happens beside the many servers the other tests start: that one
        // failure is worth another try.
        let mut attempts = 0;
        loop {
            attempts += 1;
            match Driver::try_start() {
                Ok(driver) => return driver,
                Err(output) if output.contains("port not available") && attempts < 3 => {}
                Err(output) => panic!("{output}"),
            }
        }
    }

    fn try_start() -> Result<Driver, String> {
        let profile = tempfile::Builder::new()
            .prefix("fclocal-chromium-")
            .tempdir()
            .expect("create a Chromium profile directory");
        let mut child = Command::new(CHROMEDRIVER)
            .arg("--port=0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            // Its own process group, so drop can end ChromeDriver and the
            // Chromium it started together.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}; try `{INSTALL_HINT}`"));
        let stdout = child.stdout.take().expect("piped stdout");
        let (port_tx, port_rx) = mpsc::channel();
        std::thread::spawn(move || {
            // Forward the port, then keep draining so ChromeDriver never
            // blocks on a full pipe.
            let mut seen = Vec::new();
            let mut port_tx = Some(port_tx);
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(tx) = port_tx.as_ref() {
                    if let Some(port) = started_port(&line) {
                        let _ = tx.send(Ok(port));
                        port_tx = None;
                    } else {
                        seen.push(line);
                    }
                }
            }
            if let Some(tx) = port_tx {
                let _ = tx.send(Err(seen.join("\n")));
            }
        });
        let port = match port_rx.recv_timeout(DRIVER_START) {
            Ok(Ok(port)) => port,
            Ok(Err(output)) => {
                let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
                return Err(format!(
                    "{CHROMEDRIVER} exited ({status}) before listening; it printed:\n{output}"
                ));
            }
            Err(_) => {
                let _ = child.kill();
                return Err(format!(
                    "{CHROMEDRIVER} did not report its port within {DRIVER_START:?}"
                ));
            }
        };
        Ok(Driver {
            child,
            port,
            _profile: profile,
        })
    }

    fn capabilities(&self) -> serde_json::Map<String, Value> {
        let mut args: Vec<String> = CHROME_FLAGS.iter().map(|f| (*f).to_owned()).collect();
        args.push(format!(
            "--user-data-dir={}",
            self._profile.path().display()
        ));
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
            "timeouts": { "script": (WAIT * 2).as_millis() as u64, "pageLoad": 30_000, "implicit": 0 },
        });
        match caps {
            Value::Object(map) => map,
            _ => unreachable!("a JSON object literal"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Our own process group (see `process_group(0)`): ChromeDriver and
        // any Chromium left behind by a failed test.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

/// The port in ChromeDriver's "ChromeDriver was started successfully on port 41234." line.
fn started_port(line: &str) -> Option<u16> {
    let rest = line.split("started successfully on port ").nth(1)?;
    rest.trim_end_matches(['.', ' ', '\r']).parse().ok()
}

/// A position and size on the page, in screenshot pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// One browser session on its own ChromeDriver. Call [`Browser::close`] at
/// the end of a test; if a test panics first, dropping it ends the processes.
pub struct Browser {
    client: Client,
    driver: Driver,
}

impl Browser {
    /// Starts ChromeDriver and a headless Chromium session; panics with the
    /// install command when either is missing.
    pub async fn start() -> Browser {
        let driver = Driver::start();
        let url = format!("http://127.0.0.1:{}", driver.port);
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(driver.capabilities())
            .connect(&url)
            .await
            .unwrap_or_else(|e| panic!("cannot open a Chromium session via {url}: {e}"));
        Browser { client, driver }
    }

    /// Opens `url` and waits for the document to finish loading.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
        self.wait_until("the page to load", "document.readyState === 'complete'")
            .await;
    }

    /// Runs `script` (a function body; use `return`) with `args` as
    /// `arguments`, and returns its result.
    pub async fn eval(&self, script: &str, args: Vec<Value>) -> Value {
        match self.client.execute(script, args).await {
            Ok(value) => value,
            Err(e) => panic!("script failed: {e}\n{script}\n{}", self.context().await),
        }
    }

    /// Waits until the JavaScript expression `condition` is truthy, and
    /// returns its value. The page polls it every 20 ms for at most [`WAIT`];
    /// `what` names the wait in the failure message.
    pub async fn wait_until(&self, what: &str, condition: &str) -> Value {
        const POLL: &str = r#"
            const [condition, limitMs] = arguments;
            const done = arguments[arguments.length - 1];
            const check = new Function('return (' + condition + ');');
            const deadline = Date.now() + limitMs;
            (function poll() {
              let value = null, error = null;
              try { value = check(); } catch (e) { error = String(e); }
              if (value) return done({ ok: true, value });
              if (Date.now() > deadline) return done({ ok: false, error });
              setTimeout(poll, 20);
            })();
        "#;
        let limit = WAIT.as_millis() as u64;
        let answer = self
            .client
            .execute_async(POLL, vec![json!(condition), json!(limit)])
            .await
            .unwrap_or_else(|e| panic!("waiting for {what} failed: {e}"));
        if answer["ok"] == json!(true) {
            return answer["value"].clone();
        }
        panic!(
            "timed out after {WAIT:?} waiting for {what}: `{condition}` stayed falsy{}\n{}",
            match answer["error"].as_str() {
                Some(error) => format!(" (it threw {error})"),
                None => String::new(),
            },
            self.context().await
        );
    }

    /// Drags the first element matching `from` onto the first matching `to`
    /// with real WebDriver pointer actions (press, move in steps, release), as
    /// a user's mouse would: the page sees pointerdown/pointermove/pointerup.
    pub async fn drag(&self, from: &str, to: &str) {
        use fantoccini::actions::{
            InputSource as _, MOUSE_BUTTON_LEFT, MouseActions, PointerAction,
        };
        let source = self.wait_for(from).await;
        let target = self.wait_for(to).await;
        let step = Some(Duration::from_millis(50));
        let actions = MouseActions::new("mouse".to_owned())
            .then(PointerAction::MoveToElement {
                element: source,
                duration: None,
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::MoveBy {
                duration: step,
                x: 8.0,
                y: 8.0,
            })
            .then(PointerAction::MoveToElement {
                element: target.clone(),
                duration: step,
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::MoveToElement {
                element: target,
                duration: step,
                x: 2.0,
                y: 2.0,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
        if let Err(e) = self.client.perform_actions(actions).await {
            panic!(
                "cannot drag `{from}` onto `{to}`: {e}\n{}",
                self.context().await
            );
        }
    }

    /// Waits until an element matches `css`, and returns it.
    pub async fn wait_for(&self, css: &str) -> Element {
        let condition = format!("document.querySelector({}) !== null", json!(css));
        self.wait_until(&format!("an element matching `{css}`"), &condition)
            .await;
        self.find(css).await
    }

    /// The element matching `css` now.
    pub async fn find(&self, css: &str) -> Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("no element matches `{css}`: {e}\n{}", self.context().await),
        }
    }

    /// The rendered text of the element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        let element = self.wait_for(css).await;
        element
            .text()
            .await
            .unwrap_or_else(|e| panic!("cannot read the text of `{css}`: {e}"))
    }

    /// The `textContent` of every element matching `css`, in document order.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let value = self
            .eval(
                "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent);",
                vec![json!(css)],
            )
            .await;
        serde_json::from_value(value).expect("an array of strings")
    }

    /// Replaces the value of the input matching `css` with `text`, typing it
    /// as a user would.
    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.wait_for(css).await;
        element
            .clear()
            .await
            .unwrap_or_else(|e| panic!("cannot clear `{css}`: {e}"));
        element
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type into `{css}`: {e}"));
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        let element = self.wait_for(css).await;
        if let Err(e) = element.click().await {
            panic!("cannot click `{css}`: {e}\n{}", self.context().await);
        }
    }

    /// Chooses the option with `value` in the `<select>` matching `css`.
    pub async fn select(&self, css: &str, value: &str) {
        let element = self.wait_for(css).await;
        element
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("cannot choose {value} in `{css}`: {e}"));
    }

    /// Scrolls the element matching `css` into view and returns where it is,
    /// in screenshot pixels.
    pub async fn rect(&self, css: &str) -> Rect {
        self.wait_for(css).await;
        let value = self
            .eval(
                "const e = document.querySelector(arguments[0]);
                 e.scrollIntoView({ block: 'center' });
                 const r = e.getBoundingClientRect(), s = window.devicePixelRatio;
                 return [r.x * s, r.y * s, r.width * s, r.height * s];",
                vec![json!(css)],
            )
            .await;
        let [x, y, width, height]: [f64; 4] = serde_json::from_value(value).expect("four numbers");
        Rect {
            x,
            y,
            width,
            height,
        }
    }

    /// Waits until the `<img>` matching `css` has loaded an image (complete,
    /// `naturalWidth > 0`) and returns its `naturalWidth`.
    pub async fn wait_for_image(&self, css: &str) -> u64 {
        let condition = format!(
            "(() => {{ const i = document.querySelector({}); \
               return i && i.complete && i.naturalWidth > 0 && i.naturalWidth; }})()",
            json!(css)
        );
        let width = self
            .wait_until(&format!("the image `{css}` to load"), &condition)
            .await;
        width.as_u64().expect("a width")
    }

    /// A PNG screenshot of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        self.client
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("cannot take a screenshot: {e}"))
    }

    /// Ends the session (Chromium quits), then ChromeDriver.
    pub async fn close(self) {
        let Browser { client, driver } = self;
        let _ = client.close().await;
        drop(driver);
    }

    /// The URL and the start of the page's text, for failure messages.
    async fn context(&self) -> String {
        let url = self
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_else(|e| format!("(no URL: {e})"));
        let text = self
            .client
            .execute(
                "return document.body ? document.body.innerText.slice(0, 1500) : '';",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        format!("page {url} says:\n{text}")
    }
}

#[test]
fn reads_the_port_from_chromedrivers_started_line() {
    assert_eq!(
        started_port("ChromeDriver was started successfully on port 44883."),
        Some(44883)
    );
    assert_eq!(started_port("Only local connections are allowed."), None);
}
