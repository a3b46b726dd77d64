//! CORS for the browser apps of configured origins only: without `MARKETDESK_CORS_ORIGINS`
//! the API answers no CORS headers at all (browsers then refuse cross-origin calls).

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The environment variable naming the allowed origins, comma-separated.
pub const ORIGINS_VAR: &str = "MARKETDESK_CORS_ORIGINS";

/// A malformed origin in the configuration.
#[derive(Debug, thiserror::Error)]
#[error("{ORIGINS_VAR}: '{origin}' is not an origin (scheme://host[:port])")]
pub struct CorsConfigError {
    origin: String,
}

/// Parses `https://app.example.com, http://localhost:5173`: blanks ignored, each entry an
/// origin without path (`*` is refused: credentials travel in the Authorization header).
pub fn parse_origins(value: &str) -> Result<Vec<HeaderValue>, CorsConfigError> {
    value
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|origin| {
            let origin = origin.trim_end_matches('/');
            let bad = || CorsConfigError {
                origin: origin.to_owned(),
            };
            let (scheme, rest) = origin.split_once("://").ok_or_else(bad)?;
            if !matches!(scheme, "http" | "https") || rest.is_empty() || rest.contains('/') {
                return Err(bad());
            }
            HeaderValue::from_str(origin).map_err(|_| bad())
        })
        .collect()
}

/// The origins from the environment (none when unset).
pub fn origins_from_env() -> Result<Vec<HeaderValue>, CorsConfigError> {
    parse_origins(&std::env::var(ORIGINS_VAR).unwrap_or_default())
}

/// The layer for `origins`, or none when there are none.
pub fn layer(origins: &[HeaderValue]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins.iter().cloned()))
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::DELETE,
                Method::OPTIONS,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::IF_MATCH,
                // The inbox and badge counts are polled with their ETag.
                header::IF_NONE_MATCH,
            ])
            .expose_headers([header::ETAG, HeaderName::from_static("location")])
            .max_age(std::time::Duration::from_secs(600)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_trimmed_and_blank_entries_ignored() {
        let origins = parse_origins(" https://app.example.com/ ,, http://localhost:5173").unwrap();
        assert_eq!(
            origins,
            ["https://app.example.com", "http://localhost:5173"]
        );
        assert!(parse_origins("").unwrap().is_empty());
    }

    #[test]
    fn a_wildcard_or_a_url_with_a_path_is_refused() {
        assert!(parse_origins("*").is_err());
        assert!(parse_origins("https://app.example.com/inbox").is_err());
        assert!(parse_origins("ftp://x").is_err());
    }
}
