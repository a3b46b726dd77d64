//! What every versioned resource of the API shares: its ETag (`"v{version}"`), the `If-Match`
//! a change must send (428 without it, 412 with the resource as it is now when it is stale),
//! and the admin-only guard.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use marketdesk::auth::{Caller, Role};
use serde::Serialize;
use serde_json::json;

use crate::Problem;

/// The ETag of a resource at `version`.
pub fn etag(version: u64) -> String {
    format!("\"v{version}\"")
}

/// `body` as JSON with the ETag of `version`.
pub fn with_etag(status: StatusCode, version: u64, body: &impl Serialize) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&etag(version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// 201 for a resource created at `location`, with its body and ETag.
pub fn created(location: &str, version: u64, body: &impl Serialize) -> Response {
    let mut response = with_etag(StatusCode::CREATED, version, body);
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// The version named by `If-Match: "v{n}"`: 428 when absent, 400 when unreadable. `what`
/// names the resource in the message (`ticket`, `rule`…).
pub fn if_match(headers: &HeaderMap, what: &str) -> Result<u64, Problem> {
    let raw = headers.get(header::IF_MATCH).ok_or_else(|| {
        Problem::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition-required",
            format!("send If-Match with the {what}'s ETag (\"v{{version}}\")"),
        )
        .with_field("If-Match")
    })?;
    raw.to_str()
        .ok()
        .map(str::trim)
        .and_then(|v| v.strip_prefix("\"v"))
        .and_then(|v| v.strip_suffix('"'))
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| {
            Problem::invalid(
                "If-Match",
                format!("must be the {what}'s ETag, e.g. \"v3\""),
            )
        })
}

/// 412 with the resource as it is now under the member `what` (and its ETag), so the caller
/// sees what changed.
pub fn stale(what: &str, version: u64, current: &impl Serialize) -> Response {
    let problem = Problem::new(
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
        format!("the {what} is at {}", etag(version)),
    )
    .with_field("If-Match");
    let mut response = problem.with_members(json!({ what: current }));
    if let Ok(value) = HeaderValue::from_str(&etag(version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// 403 unless the caller is an admin; `what` completes "only an admin may …".
pub fn require_admin(caller: &Caller, what: &str) -> Result<(), Problem> {
    if caller.role == Role::Admin {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("only an admin may {what}"),
        ))
    }
}

/// The ETag of a listing's JSON (`"c{sha-256 prefix}"`): the same answer has the same tag on
/// every instance, so a client polling with `If-None-Match` is told 304 until it changes.
pub fn content_etag(json: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(json);
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"c{hex}\"")
}

/// Whether `If-None-Match` names `etag` (or `*`); weak tags (`W/`) compare weakly.
fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

/// `body` as JSON with its content ETag, or an empty 304 when the caller's `If-None-Match`
/// already names it. `Cache-Control: no-cache` makes caches revalidate every time.
pub fn json_or_not_modified(headers: &HeaderMap, body: &impl Serialize) -> Response {
    let json = match serde_json::to_vec(body) {
        Ok(json) => json,
        Err(err) => {
            return Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                format!("the answer could not be encoded: {err}"),
            )
            .into_response();
        }
    };
    let tag = content_etag(&json);
    let mut response = if none_match(headers, &tag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            json,
        )
            .into_response()
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&tag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(v) = value {
            headers.insert(header::IF_MATCH, HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    #[test]
    fn if_match_reads_the_version_from_the_etag() {
        assert_eq!(if_match(&headers(Some("\"v7\"")), "ticket").unwrap(), 7);
        assert_eq!(etag(7), "\"v7\"");
    }

    #[test]
    fn a_missing_if_match_is_428_and_a_foreign_one_400() {
        assert_eq!(if_match(&headers(None), "rule").unwrap_err().status, 428);
        for bad in ["*", "\"7\"", "v7", "\"vx\"", "W/\"v7\""] {
            let err = if_match(&headers(Some(bad)), "rule").unwrap_err();
            assert_eq!(err.status, 400, "{bad}");
        }
    }
}

#[cfg(test)]
mod content_etag_tests {
    use super::*;

    fn with_if_none_match(tag: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_str(tag).unwrap());
        headers
    }

    #[test]
    fn an_unchanged_listing_is_a_304_with_the_same_etag() {
        let body = json!({"items": [{"id": "tkt_1"}], "next_cursor": null});
        let first = json_or_not_modified(&HeaderMap::new(), &body);
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(first.headers()[header::CACHE_CONTROL], "private, no-cache");
        let tag = first.headers()[header::ETAG].to_str().unwrap().to_owned();
        assert!(tag.starts_with("\"c") && tag.ends_with('"'), "{tag}");

        let again = json_or_not_modified(&with_if_none_match(&tag), &body);
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(again.headers()[header::ETAG], tag.as_str());
        // A list of tags, or the weak form of the same tag, matches too.
        let listed = format!("\"cother\", W/{tag}");
        assert_eq!(
            json_or_not_modified(&with_if_none_match(&listed), &body).status(),
            StatusCode::NOT_MODIFIED
        );
    }

    #[test]
    fn a_changed_listing_answers_the_new_body_and_tag() {
        let before = json!({"items": [{"id": "tkt_1", "version": 1}]});
        let after = json!({"items": [{"id": "tkt_1", "version": 2}]});
        let old = json_or_not_modified(&HeaderMap::new(), &before).headers()[header::ETAG]
            .to_str()
            .unwrap()
            .to_owned();
        let response = json_or_not_modified(&with_if_none_match(&old), &after);
        assert_eq!(response.status(), StatusCode::OK);
        assert_ne!(response.headers()[header::ETAG], old.as_str());
        assert_eq!(content_etag(b"{}"), content_etag(b"{}"));
        assert_ne!(content_etag(b"{}"), content_etag(b"[]"));
    }
}
