//! What the carrier clients share: reading carrier timestamps, the time of an answer, status
//! words, and the error of a refused request.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use crate::connectors::error::{CallContext, ConnectorError, ErrorKind};
use crate::connectors::http::{self, RateLimiter, RawResponse, Secret};
use crate::connectors::oauth::OAuthClient;
use crate::domain::ShipmentStatus;

/// One attempt of a call with the app's bearer token (UPS, USPS, FedEx): wait for the rate limiter
/// within `max_wait`, send `request()` with the cached token, and on 401 once more with a
/// fresh one (the cached token may have expired early or been revoked).
pub(crate) async fn with_bearer(
    ctx: &CallContext,
    limiter: &RateLimiter,
    max_wait: Duration,
    token: &OAuthClient,
    timeout: Duration,
    request: impl Fn() -> reqwest::RequestBuilder,
) -> Result<RawResponse, ConnectorError> {
    if let Err(wait) = limiter.acquire_within(max_wait).await {
        return Err(ctx.error(ErrorKind::Throttled {
            retry_after: Some(wait),
        }));
    }
    let send = |token: &Secret| http::execute(ctx, request().bearer_auth(token.expose()), timeout);
    let current = token.access_token().await?;
    let response = send(&current).await?;
    if response.status != 401 {
        return Ok(response);
    }
    let fresh = token.replace(&current).await?;
    send(&fresh).await
}

/// An instant as carriers write it: RFC 3339, or a local time without offset (DHL, USPS),
/// which is read as UTC — the carriers give no zone, and hours matter less than the day here.
pub(crate) fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.to_utc());
    }
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    .map(|t| t.and_utc())
    .or_else(|| {
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
    })
}

/// When the carrier answered: its `Date` header, else our clock (an adapter may read it).
pub(crate) fn answered_at(response: &RawResponse) -> DateTime<Utc> {
    response
        .header("date")
        .and_then(|d| DateTime::parse_from_rfc2822(d).ok())
        .map_or_else(Utc::now, |d| d.to_utc())
}

/// A status from a carrier's free text, for events without a code. Exceptions are checked
/// first: "undelivered" and "delivery attempted" must not read as delivered.
pub(crate) fn status_from_text(text: &str) -> Option<ShipmentStatus> {
    let t = text.to_ascii_lowercase();
    let any = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if any(&[
        "exception",
        "undeliverable",
        "undelivered",
        "not delivered",
        "attempt",
        "refused",
        "return to sender",
        "returned",
        "notice left",
        "damaged",
        "lost",
        "alert",
        "failure",
        "failed",
    ]) {
        Some(ShipmentStatus::Exception)
    } else if any(&[
        "out for delivery",
        "with courier for delivery",
        "out with courier",
    ]) {
        Some(ShipmentStatus::OutForDelivery)
    } else if any(&["delivered"]) {
        Some(ShipmentStatus::Delivered)
    } else if any(&[
        "label created",
        "shipping label",
        "pre-shipment",
        "pre-transit",
        "information received",
        "billing information",
        "shipment data received",
    ]) {
        Some(ShipmentStatus::LabelCreated)
    } else {
        None
    }
}

/// `"a, b, c"` of the parts that are present and not blank.
pub(crate) fn join_place(parts: &[Option<&str>]) -> Option<String> {
    let parts: Vec<&str> = parts
        .iter()
        .flatten()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The error bodies the carriers use: RFC 7807 problems (DHL), `response.errors[]` (UPS),
/// `errors[]` (FedEx), `error{code,message}` (USPS) and OAuth's `error`/`error_description`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ErrorBody {
    title: Option<String>,
    detail: Option<String>,
    response: Option<UpsErrors>,
    errors: Vec<CodeMessage>,
    error: Option<serde_json::Value>,
    error_description: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UpsErrors {
    errors: Vec<CodeMessage>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CodeMessage {
    code: Option<serde_json::Value>,
    message: Option<String>,
}

fn text_of(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The carrier's error code and message, whatever its error shape.
pub(crate) fn error_code(response: &RawResponse) -> (String, String) {
    let Ok(body) = serde_json::from_slice::<ErrorBody>(&response.body) else {
        return (String::new(), response.excerpt());
    };
    let first = body
        .response
        .and_then(|r| r.errors.into_iter().next())
        .or_else(|| body.errors.into_iter().next());
    if let Some(first) = first {
        let code = first.code.as_ref().map(text_of).unwrap_or_default();
        return (code, first.message.unwrap_or_default());
    }
    match body.error {
        Some(serde_json::Value::Object(map)) => {
            let code = map.get("code").map(text_of).unwrap_or_default();
            let message = map.get("message").map(text_of).unwrap_or_default();
            return (code, message);
        }
        Some(serde_json::Value::String(code)) => {
            return (code, body.error_description.unwrap_or_default());
        }
        _ => {}
    }
    let title = body.title.unwrap_or_default();
    let detail = body.detail.unwrap_or_default();
    let detail = if detail.is_empty() {
        response.excerpt()
    } else {
        detail
    };
    (title, detail)
}

/// The error for a refusal that is not "not found": throttling, server trouble, credentials,
/// or a permanent rejection.
pub(crate) fn classify(ctx: &CallContext, response: &RawResponse) -> ConnectorError {
    let status = response.status;
    let (code, detail) = error_code(response);
    let detail = http::truncate_chars(&detail, 300);
    let kind = match status {
        429 => ErrorKind::Throttled {
            retry_after: response.retry_after(),
        },
        500..=599 => ErrorKind::Server { status, detail },
        401 | 403 => ErrorKind::Unauthorized {
            status,
            code,
            detail,
        },
        _ => ErrorKind::Rejected {
            status,
            code,
            detail,
        },
    };
    ctx.error(kind)
}

/// Refuses a number that cannot be a tracking number before anything is sent.
pub(crate) fn checked_number(ctx: &CallContext, number: &str) -> Result<String, ConnectorError> {
    super::normalize(number).ok_or_else(|| {
        ctx.error(ErrorKind::InvalidRequest(format!(
            "'{}' is not a tracking number",
            http::truncate_chars(number, 40)
        )))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carrier_instants_with_and_without_offset_are_read() {
        let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        assert_eq!(
            parse_instant("2026-10-30T14:05:00+01:00"),
            Some(utc("2026-10-30T13:05:00Z"))
        );
        assert_eq!(
            parse_instant("2026-10-30T14:05:00"),
            Some(utc("2026-10-30T14:05:00Z"))
        );
        assert_eq!(
            parse_instant("2026-10-30"),
            Some(utc("2026-10-30T00:00:00Z"))
        );
        assert_eq!(parse_instant("yesterday"), None);
    }

    #[test]
    fn fedex_and_ups_error_lists_give_their_first_code() {
        let response = |body: &str| RawResponse {
            status: 401,
            headers: Default::default(),
            body: body.as_bytes().to_vec(),
        };
        let fedex = response(
            r#"{"transactionId":"t1","errors":[{"code":"NOT.AUTHORIZED.ERROR","message":"Access token expired"}]}"#,
        );
        assert_eq!(
            error_code(&fedex),
            (
                "NOT.AUTHORIZED.ERROR".to_owned(),
                "Access token expired".to_owned()
            )
        );
        let ups = response(r#"{"response":{"errors":[{"code":"250002","message":"Invalid"}]}}"#);
        assert_eq!(error_code(&ups).0, "250002");
    }

    #[test]
    fn status_words_are_read_with_exceptions_before_delivery() {
        use ShipmentStatus::*;
        let cases = [
            ("Delivered, In/At Mailbox", Some(Delivered)),
            ("Out for Delivery", Some(OutForDelivery)),
            (
                "Shipment is out with courier for delivery",
                Some(OutForDelivery),
            ),
            ("Delivery Attempted - No Access", Some(Exception)),
            ("Undeliverable as Addressed", Some(Exception)),
            (
                "Shipping Label Created, USPS Awaiting Item",
                Some(LabelCreated),
            ),
            ("Arrived at USPS Regional Facility", None),
        ];
        for (text, status) in cases {
            assert_eq!(status_from_text(text), status, "{text}");
        }
    }
}
