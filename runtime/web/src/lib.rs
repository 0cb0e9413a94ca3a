//! fclocal's own web pages, served by `fclocal start` next to Function
//! Compute's URLs: a **logs explorer** over the emulated SLS logstore and an
//! **analytics** dashboard of the analytics function's per-window summaries.
//!
//! No npm and no build step: the HTML, CSS and vanilla JavaScript are embedded
//! with `include_str!`, and charts are drawn on the server as SVG with
//! plotters. The pages load nothing from other origins.
//!
//! The logs explorer reads log lines from the SLS-compatible API on the same
//! origin (`GET /logstores/{logstore}?type=log…` with `x-log-project`), which
//! another crate serves; everything else comes from a [`ChartSource`].
//!
//! Routes ([`router`]):
//!
//! | route | what |
//! |---|---|
//! | `GET /logs` | logs explorer: pickers, query, time range, histogram, results, live tail |
//! | `GET /analytics` | analytics charts (total, by type, by owner), range picker, auto-refresh |
//! | `GET /fclocal/web/histogram.svg?project&logstore&query&from&to&buckets[&tz&width&height]` | lines per bucket |
//! | `GET /fclocal/web/analytics.svg?from&to&series=total\|type\|owner[&tz&width&height]` | summaries over time |
//! | `GET /fclocal/web/logstores.json` | `{"projects":[{"name","logstores":[…]}]}` |
//! | `GET /fclocal/web/{app.css,logs.js,analytics.js}` | static assets |
//!
//! `from`/`to` are UNIX seconds (`[from, to)`), `tz` the viewer's offset in
//! minutes east of UTC (labels are drawn in it). Charts always answer
//! `200 image/svg+xml`: an empty range draws the axes with a note, and an
//! error (bad parameter, failing source) is drawn as red text.
//!
//! # Layout
//! - `source`: [`ChartSource`], [`Bucket`], [`Summary`]: what the pages need
//!   from storage.
//! - `routes`: [`router`] and the endpoint handlers.
//! - `params`: typed chart requests parsed from query strings.
//! - `chart`: plotters rendering: `histogram`, `analytics`, and the shared
//!   message/empty states.
//! - `pages`: the HTML layout and the embedded assets (`assets/`).

mod chart;
mod pages;
mod params;
mod routes;
mod source;

pub use routes::router;
pub use source::{Bucket, ChartSource, Summary};

/// The histogram bars' colour as `(r, g, b)`: solid, so a screenshot of the
/// logs page can be checked by counting pixels of exactly this colour.
pub const CHART_RGB: (u8, u8, u8) = (0x1f, 0x77, 0xb4);
