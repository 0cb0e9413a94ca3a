//! The HTML pages and their static assets, embedded in the binary.
//!
//! Each page is the shared layout (head, nav) around a page-specific
//! fragment and script; nothing is built at run time and nothing is loaded
//! from outside the origin.

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

const LAYOUT: &str = include_str!("../assets/layout.html");
const LOGS_MAIN: &str = include_str!("../assets/logs.html");
const ANALYTICS_MAIN: &str = include_str!("../assets/analytics.html");
const APP_CSS: &str = include_str!("../assets/app.css");
const LOGS_JS: &str = include_str!("../assets/logs.js");
const ANALYTICS_JS: &str = include_str!("../assets/analytics.js");

/// The pages in the nav, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Page {
    /// `/logs`.
    Logs,
    /// `/analytics`.
    Analytics,
}

impl Page {
    const ALL: [Page; 2] = [Page::Logs, Page::Analytics];

    fn path(self) -> &'static str {
        match self {
            Page::Logs => "/logs",
            Page::Analytics => "/analytics",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Page::Logs => "Logs",
            Page::Analytics => "Analytics",
        }
    }

    fn main(self) -> &'static str {
        match self {
            Page::Logs => LOGS_MAIN,
            Page::Analytics => ANALYTICS_MAIN,
        }
    }

    fn script(self) -> &'static str {
        match self {
            Page::Logs => "/fclocal/web/logs.js",
            Page::Analytics => "/fclocal/web/analytics.js",
        }
    }
}

/// The full HTML of `page`.
pub(crate) fn render(page: Page) -> String {
    let nav: String = Page::ALL
        .iter()
        .map(|&item| {
            let current = if item == page {
                " aria-current=\"page\""
            } else {
                ""
            };
            format!(
                "<li><a href=\"{}\"{current}>{}</a></li>",
                item.path(),
                item.name()
            )
        })
        .collect();
    LAYOUT
        .replace("{{title}}", page.name())
        .replace("{{nav}}", &nav)
        .replace("{{main}}", page.main())
        .replace("{{script}}", page.script())
}

/// `GET /logs`.
pub(crate) async fn logs() -> Html<String> {
    Html(render(Page::Logs))
}

/// `GET /analytics`.
pub(crate) async fn analytics() -> Html<String> {
    Html(render(Page::Analytics))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// `GET /fclocal/web/app.css`.
pub(crate) async fn app_css() -> Response {
    asset("text/css; charset=utf-8", APP_CSS)
}

/// `GET /fclocal/web/logs.js`.
pub(crate) async fn logs_js() -> Response {
    asset("text/javascript; charset=utf-8", LOGS_JS)
}

/// `GET /fclocal/web/analytics.js`.
pub(crate) async fn analytics_js() -> Response {
    asset("text/javascript; charset=utf-8", ANALYTICS_JS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_fill_every_placeholder_and_mark_the_current_nav_item() {
        for page in Page::ALL {
            let html = render(page);
            assert!(!html.contains("{{"), "{page:?} left a placeholder");
            assert!(html.contains(&format!(
                "<a href=\"{}\" aria-current=\"page\">",
                page.path()
            )));
            assert!(html.contains("<a href=\"/\""), "nav links back to /");
            assert!(html.contains(page.script()));
        }
    }

    #[test]
    fn pages_load_nothing_from_other_origins() {
        let all = [
            LAYOUT,
            LOGS_MAIN,
            ANALYTICS_MAIN,
            APP_CSS,
            LOGS_JS,
            ANALYTICS_JS,
        ];
        for text in all {
            assert!(!text.contains("http://"), "absolute URL in an asset");
            assert!(!text.contains("https://"), "absolute URL in an asset");
            assert!(!text.contains("@import"), "CSS import");
        }
    }
}
