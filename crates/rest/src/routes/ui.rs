//! `/ui`: the web UI's files, embedded in the binary (plain ES modules, no build step), served
//! with a content security policy that allows nothing but this origin.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

/// Each file of `crates/rest/ui`, by its path under `/ui/`, with its content type.
macro_rules! assets {
    ($($path:literal => $kind:expr),* $(,)?) => {
        &[$(($path, $kind, include_str!(concat!("../../ui/", $path)))),*]
    };
}

const JS: &str = "text/javascript; charset=utf-8";

static ASSETS: &[(&str, &str, &str)] = assets! {
    "index.html" => "text/html; charset=utf-8",
    "style.css" => "text/css; charset=utf-8",
    "app.js" => JS,
    "api.js" => JS,
    "chart.js" => JS,
    "dom.js" => JS,
    "metrics.js" => JS,
    "pages/cluster.js" => JS,
    "pages/connector.js" => JS,
    "pages/connectors.js" => JS,
    "pages/dlq.js" => JS,
    "pages/edit.js" => JS,
    "pages/loggers.js" => JS,
    "pages/offsets.js" => JS,
    "pages/plugins.js" => JS,
};

/// Scripts, styles and requests from this origin only; no inline script, no frame around it.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// `GET /ui`: to `/ui/`, so the page's relative addresses resolve under it.
pub(crate) async fn root() -> Redirect {
    Redirect::permanent("/ui/")
}

/// `GET /ui/`: the page.
pub(crate) async fn index() -> Response {
    asset(Path("index.html".to_string())).await
}

/// `GET /ui/{*path}`: one of the UI's files, or 404.
pub(crate) async fn asset(Path(path): Path<String>) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == path) {
        Some((_, kind, body)) => (
            [
                (header::CONTENT_TYPE, *kind),
                // Revalidated on every load, so a new binary's UI shows at once.
                (header::CACHE_CONTROL, "no-cache"),
                (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_the_page_imports_is_served() {
        for (name, _, body) in ASSETS {
            for line in body.lines().filter(|l| l.starts_with("import ")) {
                let Some(from) = line.split('"').nth(1) else { continue };
                let base = std::path::Path::new(name).parent().unwrap_or(std::path::Path::new(""));
                let mut parts: Vec<&str> = base
                    .to_str()
                    .unwrap_or("")
                    .split('/')
                    .filter(|p| !p.is_empty())
                    .collect();
                for part in from.split('/') {
                    match part {
                        "." => {}
                        ".." => {
                            parts.pop();
                        }
                        part => parts.push(part),
                    }
                }
                let target = parts.join("/");
                assert!(
                    ASSETS.iter().any(|(n, _, _)| *n == target),
                    "{name} imports {from}, which is not served"
                );
            }
        }
    }
}
