//! The web app (`web/dist`) served by `marketdesk dev` beside the API: every path outside
//! `/v1/` is a file of the build, or `index.html` for the app's own routes (SPA fallback).
//! Deployed, CloudFront serves the same files from S3; the Lambda API never serves them.

use std::path::{Component, Path, PathBuf};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The build the local stack serves: `MARKETDESK_WEB_DIST`, else `web/dist`.
pub fn dist_dir() -> PathBuf {
    std::env::var_os("MARKETDESK_WEB_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("web/dist"))
}

/// The API's router with the files of `dist` as its fallback: an unknown path under `/v1`
/// stays the API's 404 problem, every other path is the app.
pub fn with_static(api: axum::Router, dist: PathBuf) -> axum::Router {
    api.fallback(move |request: Request| {
        let dist = dist.clone();
        async move {
            let path = request.uri().path();
            if path == "/v1" || path.starts_with("/v1/") {
                return ::api::Problem::not_found("no such route").into_response();
            }
            serve(&dist, path).await
        }
    })
}

/// The file of `dist` that `path` names, or `index.html` for a path without an extension.
async fn serve(dist: &Path, path: &str) -> Response {
    let Some(relative) = safe_relative(path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let file = dist.join(&relative);
    let is_file = tokio::fs::metadata(&file)
        .await
        .map(|m| m.is_file())
        .unwrap_or(false);
    let (file, fallback) = if is_file {
        (file, false)
    } else if relative.extension().is_none() {
        (dist.join("index.html"), true)
    } else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let mut response = Response::new(Body::from(bytes));
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, content_type(&file));
            // Hashed assets never change; the page itself is always revalidated.
            let cache = if !fallback && relative.starts_with("assets") {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            response
        }
        Err(_) => (
            StatusCode::NOT_FOUND,
            "the web app is not built: run `make web-build` (make dev does)\n",
        )
            .into_response(),
    }
}

/// `path` as a relative path inside the build, refusing `..` and other escapes.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let trimmed = path.trim_start_matches('/');
    let trimmed = if trimmed.is_empty() {
        "index.html"
    } else {
        trimmed
    };
    let relative = PathBuf::from(trimmed);
    relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then_some(relative)
}

fn content_type(file: &Path) -> HeaderValue {
    let value = match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    HeaderValue::from_static(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_build() {
        assert_eq!(safe_relative("/"), Some(PathBuf::from("index.html")));
        assert_eq!(
            safe_relative("/assets/index-abc.js"),
            Some(PathBuf::from("assets/index-abc.js"))
        );
        assert_eq!(safe_relative("/../etc/passwd"), None);
        assert_eq!(safe_relative("/assets/../../secret"), None);
    }

    #[tokio::test]
    async fn app_routes_fall_back_to_the_page_and_missing_assets_are_404() {
        let dist = std::env::temp_dir().join(format!("marketdesk-web-{}", std::process::id()));
        std::fs::create_dir_all(dist.join("assets")).unwrap();
        std::fs::write(dist.join("index.html"), "<!doctype html><title>x</title>").unwrap();
        std::fs::write(dist.join("assets/app.js"), "console.log(1)").unwrap();

        let page = serve(&dist, "/tickets/tkt_1").await;
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(
            page.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        let asset = serve(&dist, "/assets/app.js").await;
        assert_eq!(asset.status(), StatusCode::OK);
        assert!(
            asset.headers()[header::CACHE_CONTROL]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
        assert_eq!(
            serve(&dist, "/assets/gone.js").await.status(),
            StatusCode::NOT_FOUND
        );
        std::fs::remove_dir_all(&dist).unwrap();
    }
}
