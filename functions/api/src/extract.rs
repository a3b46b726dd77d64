//! Request extractors whose rejections are problem+json naming the field, and the layer that
//! turns every other framework rejection (oversized body, unknown method, undecodable path)
//! into one.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::Problem;

/// The query string as `T`: a malformed value, an unknown or repeated parameter is a 400
/// naming the parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        parse_query(parts.uri.query().unwrap_or_default()).map(Query)
    }
}

/// `query` (without `?`) as `T`, naming the parameter at fault.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, Problem> {
    let pairs = form_urlencoded::parse(query.as_bytes());
    let de = serde_urlencoded::Deserializer::new(pairs);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        let named = ["unknown field `", "missing field `", "duplicate field `"]
            .iter()
            .find_map(|prefix| {
                let rest = message.split_once(prefix)?.1;
                Some(rest.split_once('`')?.0.to_owned())
            });
        let field = match named {
            Some(name) => name,
            None if path == "." || path.is_empty() => "query".to_owned(),
            None => path,
        };
        Problem::invalid(&field, format!("invalid query parameter: {message}"))
    })
}

/// Longest framework rejection text read back into a problem's `detail`.
const MAX_REJECTION_BYTES: usize = 4 * 1024;

/// Every error answer is problem+json: axum's own rejections (413 body too large, 405, 415,
/// an undecodable path segment) are plain text, so they are rewritten here, keeping their
/// status and headers (`Allow`, CORS).
pub async fn problem_for_plain_errors(response: Response) -> Response {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MAX_REJECTION_BYTES)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let (kind, field, detail) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload-too-large",
            Some("body"),
            format!(
                "the request body is larger than {} bytes",
                crate::json::MAX_BODY_BYTES
            ),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method-not-allowed",
            None,
            "this route does not answer that method; see the Allow header".to_owned(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ("unsupported-media-type", Some("Content-Type"), text)
        }
        StatusCode::BAD_REQUEST if text.contains("path") => ("invalid-request", Some("path"), text),
        _ => ("invalid-request", None, text),
    };
    let mut problem = Problem::new(status, kind, detail);
    if let Some(field) = field {
        problem = problem.with_field(field);
    }
    let mut answer = problem.into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    answer.headers_mut().extend(parts.headers);
    answer
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Params {
        limit: Option<u32>,
        status: Option<String>,
    }

    #[test]
    fn a_bad_query_parameter_is_named() {
        let cases = [
            ("limit=abc", "limit"),
            ("limit=-1", "limit"),
            ("colour=red", "colour"),
            ("limit=1&limit=2", "limit"),
        ];
        for (query, field) in cases {
            let problem = parse_query::<Params>(query).unwrap_err();
            assert_eq!(problem.field.as_deref(), Some(field), "{query}");
            assert_eq!(problem.status, 400);
        }
        assert!(parse_query::<Params>("limit=5&status=open").is_ok());
        assert!(parse_query::<Params>("").is_ok());
    }
}
