//! The caller, from a verified token only: API Gateway's JWT authorizer claims when deployed,
//! a development token checked with the local stack's secret otherwise.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use lambda_http::RequestExt;
use lambda_http::request::RequestContext;
use marketdesk::auth::{Caller, Claims, Role};

use crate::{AppState, Problem};

/// Extractor for the verified caller.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Caller);

fn from_authorizer(parts: &Parts) -> Option<Result<Caller, Problem>> {
    let Some(RequestContext::ApiGatewayV2(ctx)) = parts.extensions.request_context_ref() else {
        return None;
    };
    let claims = &ctx.authorizer.as_ref()?.jwt.as_ref()?.claims;
    let claim = |name: &str| claims.get(name).cloned().unwrap_or_default();
    let role = match claim("custom:role").as_str() {
        "admin" => Role::Admin,
        _ => Role::Agent,
    };
    let claims = Claims {
        sub: claim("sub"),
        tenant: claim("custom:tenant"),
        role,
        iss: claim("iss"),
        exp: 0,
    };
    Some(
        claims
            .caller()
            .map_err(|e| Problem::unauthorized(e.to_string())),
    )
}

/// The token of an `Authorization: Bearer <token>` value; the scheme is case-insensitive
/// (RFC 9110 §11.1) and may be followed by more than one space.
pub(crate) fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once([' ', '\t'])?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' '))
        .then_some(token)
}

impl<S: Send + Sync> FromRequestParts<AppState<S>> for Authenticated {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, Problem> {
        if let Some(caller) = from_authorizer(parts) {
            return caller.map(Authenticated);
        }
        let tokens = state
            .dev_tokens
            .as_ref()
            .ok_or_else(|| Problem::unauthorized("no verified identity on the request"))?;
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer_token)
            .ok_or_else(|| Problem::unauthorized("missing bearer token"))?;
        tokens
            .verify(token)
            .map(Authenticated)
            .map_err(|e| Problem::unauthorized(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        for value in ["Bearer abc", "bearer abc", "BEARER  abc", " Bearer\tabc "] {
            assert_eq!(bearer_token(value), Some("abc"), "{value:?}");
        }
        for value in [
            "Basic abc",
            "Bearer",
            "Bearer ",
            "abc",
            "Bearer a b",
            "Bearerabc",
        ] {
            assert_eq!(bearer_token(value), None, "{value:?}");
        }
    }
}
