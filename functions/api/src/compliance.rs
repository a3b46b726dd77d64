//! `POST /v1/compliance/check`: the compliance checker over HTTP. The answer is byte for byte
//! what `marketdesk check` prints ([`respond`] builds both).
//!
//! The endpoint only checks: a `block` verdict is a 200 here. It is the reply endpoint that
//! turns a blocking verdict into a 422.

use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use marketdesk::compliance::{CheckRequest, Verdict, check};
use marketdesk::domain::Channel;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::{Authenticated, Problem};

/// Longest body checked, in chars. Generous for an e-mail reply (eBay itself stops at 2 000);
/// the bound keeps one request's cost small.
pub const MAX_BODY_CHARS: usize = 32_000;
const MAX_MARKETPLACE_CHARS: usize = 64;
const FIELDS: [&str; 4] = ["channel", "marketplace", "language", "body"];

/// The request body (documentation; the handler validates field by field to name the culprit).
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ComplianceCheckRequest, example = json!({
    "channel": "amazon",
    "marketplace": "amazon.it",
    "body": "Ci lasci cinque stelle"
}))]
#[allow(dead_code)]
pub struct CheckRequestSchema {
    channel: ChannelSchema,
    /// Where the reply goes: `it`, `amazon.it`, `www.amazon.co.uk`, `EBAY_DE` or an Amazon
    /// marketplace id (`APJ6JRA9NG5V4`). Sets the language when `language` is absent.
    #[schema(example = "amazon.it")]
    marketplace: Option<String>,
    /// The reply's language (`it`, `de-DE`); detected from the body when absent.
    #[schema(example = "it")]
    language: Option<String>,
    /// The reply as the buyer would read it, 1 to 32 000 chars.
    #[schema(min_length = 1, max_length = 32000)]
    body: String,
}

/// Where the reply goes.
#[derive(Debug, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = Channel)]
#[allow(dead_code)]
pub enum ChannelSchema {
    Amazon,
    Ebay,
    Shopify,
    Email,
}

/// The checker's answer.
#[derive(Debug, ToSchema)]
#[schema(as = ComplianceVerdict)]
#[allow(dead_code)]
pub struct VerdictSchema {
    verdict: OutcomeSchema,
    /// The language the message was checked in (ISO 639-1).
    #[schema(example = "it")]
    language: String,
    /// Sorted by `start`; findings of one rule never overlap.
    findings: Vec<FindingSchema>,
}

/// `block` if any finding blocks, `warn` if any warns, else `pass`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ComplianceOutcome)]
#[allow(dead_code)]
pub enum OutcomeSchema {
    Pass,
    Warn,
    Block,
}

/// `block` or `warn`, per finding: `amazon.formatting` always warns; `amazon.review_request`
/// and `amazon.promotion` warn when a watched word is only mentioned (Amazon's filter may hold
/// it) and block when it is asked for or promoted. A `warn` never makes a reply or template
/// answer 422.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ComplianceSeverity)]
#[allow(dead_code)]
pub enum SeveritySchema {
    Warn,
    Block,
}

/// One problem in the body.
#[derive(Debug, ToSchema)]
#[schema(as = ComplianceFinding)]
#[allow(dead_code)]
pub struct FindingSchema {
    /// Stable rule id: `amazon.external_link`, `amazon.contact_details`, `amazon.off_platform`,
    /// `amazon.promotion`, `amazon.review_request`, `amazon.emoji`, `amazon.formatting`,
    /// `ebay.off_platform_contact`, `ebay.off_platform_payment`, `template.unfilled_placeholder`.
    #[schema(example = "amazon.review_request")]
    rule: String,
    severity: SeveritySchema,
    /// First char of the span, counted in Unicode scalar values of `body` (not UTF-16 units).
    #[schema(example = 0)]
    start: usize,
    /// One past the last char of the span.
    #[schema(example = 22)]
    end: usize,
    /// `body[start..end]`, cut to 120 chars with a trailing `…`.
    #[schema(example = "Ci lasci cinque stelle")]
    excerpt: String,
    /// What was found, naming the detector's pattern (`pattern review.request`).
    #[schema(example = "Asks for a review, feedback or rating (pattern review.request).")]
    message: String,
    /// What to remove, or how to reword a warning.
    suggestion: String,
}

/// Reads a check request from JSON, naming the field at fault.
pub fn parse_request(body: &[u8]) -> Result<CheckRequest, Problem> {
    let value: Value = crate::json::parse_value(body)?;
    let Value::Object(mut fields) = value else {
        return Err(Problem::invalid("body", "must be a JSON object"));
    };
    if let Some(unknown) = fields.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(Problem::invalid(
            unknown,
            "unknown field (channel, marketplace, language, body)",
        ));
    }
    let channel = match fields.remove("channel") {
        Some(Value::String(c)) => c
            .parse::<Channel>()
            .map_err(|reason| Problem::invalid("channel", reason))?,
        None | Some(Value::Null) => return Err(Problem::invalid("channel", "is required")),
        Some(_) => return Err(Problem::invalid("channel", "must be a string")),
    };
    let marketplace = optional_string(&mut fields, "marketplace")?;
    if let Some(m) = &marketplace {
        let well_formed = m.chars().count() <= MAX_MARKETPLACE_CHARS
            && m.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':'));
        if !well_formed {
            return Err(Problem::invalid(
                "marketplace",
                "must be a marketplace domain, code or id (letters, digits, '.', '_', '-'; at most 64)",
            ));
        }
        if !crate::marketplaces::is_known_marketplace(m) {
            return Err(Problem::invalid(
                "marketplace",
                "is not a marketplace we know: give amazon.<tld>, an Amazon marketplace id, an eBay marketplace id such as EBAY_IT, or a country code",
            ));
        }
    }
    let language = optional_string(&mut fields, "language")?;
    if let Some(l) = &language
        && !is_language_tag(l)
    {
        return Err(Problem::invalid(
            "language",
            "must be a language tag such as 'it' or 'de-DE'",
        ));
    }
    let body = match fields.remove("body") {
        Some(Value::String(b)) => b,
        None | Some(Value::Null) => return Err(Problem::invalid("body", "is required")),
        Some(_) => return Err(Problem::invalid("body", "must be a string")),
    };
    if body.trim().is_empty() {
        return Err(Problem::invalid("body", "must not be empty"));
    }
    let chars = body.chars().count();
    if chars > MAX_BODY_CHARS {
        return Err(Problem::invalid(
            "body",
            format!("is {chars} chars long; at most {MAX_BODY_CHARS}"),
        ));
    }
    Ok(CheckRequest {
        channel,
        marketplace,
        language,
        body,
    })
}

/// A present field must be a non-blank string; `null` counts as absent.
fn optional_string(fields: &mut Map<String, Value>, name: &str) -> Result<Option<String>, Problem> {
    match fields.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => {
            Err(Problem::invalid(name, "must not be blank; omit it instead"))
        }
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(Problem::invalid(name, "must be a string")),
    }
}

/// BCP 47 in the shape the checker understands: a 2–3 letter primary subtag, then subtags of
/// 1–8 letters or digits (`it`, `de-DE`, `es_419`).
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split(['-', '_']);
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    primary_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// The verdict and its JSON, as the endpoint answers and `marketdesk check` prints it.
pub fn respond(request: &CheckRequest) -> (Verdict, String) {
    let verdict = check(request);
    let json = serde_json::to_string(&verdict).expect("a verdict serializes");
    (verdict, json)
}

/// Checks an outgoing message against the rules of the channel it goes to.
#[utoipa::path(
    post,
    path = "/v1/compliance/check",
    operation_id = "check_compliance",
    tag = "compliance",
    request_body(content = CheckRequestSchema, examples(
        ("Amazon, Italian review request" = (summary = "Blocked: asks for five stars on amazon.it",
            value = json!({"channel": "amazon", "marketplace": "amazon.it",
                "body": "Ci lasci cinque stelle"}))),
        ("Amazon, compliant tracking reply" = (summary = "Passes: a carrier tracking link is allowed",
            value = json!({"channel": "amazon", "marketplace": "amazon.co.uk",
                "body": "Your order 203-1234567-1234567 left today with Royal Mail: https://www.royalmail.com/track-your-item#/tracking-results/AB123456789GB"}))),
        ("Amazon, feedback mentioned" = (summary = "Warns: a watched word thanked for, not asked for",
            value = json!({"channel": "amazon", "marketplace": "amazon.co.uk",
                "body": "Thank you for your feedback about the size; a size M is on its way."}))),
        ("eBay, off-platform payment" = (summary = "Blocked: payment outside eBay checkout",
            value = json!({"channel": "ebay", "marketplace": "EBAY_DE", "language": "de",
                "body": "Bitte per PayPal Freunde und Familie zahlen."})))
    )),
    responses(
        (status = 200, description = "The verdict: `block` findings would make a reply 422",
            body = VerdictSchema,
            example = json!({"verdict": "block", "language": "it", "findings": [{
                "rule": "amazon.review_request", "severity": "block", "start": 0, "end": 22,
                "excerpt": "Ci lasci cinque stelle",
                "message": "Asks for a review, feedback or rating (pattern review.request).",
                "suggestion": "Remove any mention of reviews, feedback, ratings or stars."}]})),
        (status = 400, description = "Invalid request: `field` names the part at fault",
            body = Problem, content_type = "application/problem+json",
            example = json!({"type": "https://marketdesk.dev/problems/invalid-request",
                "title": "Bad Request", "status": 400,
                "detail": "unknown channel 'etsy' (amazon, ebay, shopify, email)", "field": "channel"})),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn check_handler(
    Authenticated(_caller): Authenticated,
    body: Bytes,
) -> Result<Response, Problem> {
    let request = parse_request(&body)?;
    let (_, json) = respond(&request);
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(json: &str) -> Option<String> {
        parse_request(json.as_bytes()).unwrap_err().field
    }

    #[test]
    fn each_invalid_field_is_named() {
        for (json, field) in [
            ("[1]", "body"),
            ("not json", "body"),
            (r#"{"body":"Hi"}"#, "channel"),
            (r#"{"channel":"etsy","body":"Hi"}"#, "channel"),
            (r#"{"channel":7,"body":"Hi"}"#, "channel"),
            (r#"{"channel":"amazon"}"#, "body"),
            (r#"{"channel":"amazon","body":"   "}"#, "body"),
            (r#"{"channel":"amazon","body":1}"#, "body"),
            (
                r#"{"channel":"amazon","body":"Hi","marketplace":""}"#,
                "marketplace",
            ),
            (
                r#"{"channel":"amazon","body":"Hi","marketplace":"amazon it"}"#,
                "marketplace",
            ),
            (
                r#"{"channel":"amazon","body":"Hi","language":"italiano!"}"#,
                "language",
            ),
            (
                r#"{"channel":"amazon","body":"Hi","language":"i"}"#,
                "language",
            ),
            (r#"{"channel":"amazon","body":"Hi","lang":"it"}"#, "lang"),
        ] {
            assert_eq!(field_of(json).as_deref(), Some(field), "{json}");
        }
    }

    #[test]
    fn an_overlong_body_is_refused_with_its_length() {
        let json = serde_json::json!({"channel": "amazon", "body": "a".repeat(MAX_BODY_CHARS + 1)});
        let p = parse_request(json.to_string().as_bytes()).unwrap_err();
        assert_eq!(p.field.as_deref(), Some("body"));
        assert!(p.detail.contains("32001"), "{}", p.detail);
    }

    #[test]
    fn optional_fields_may_be_absent_or_null_and_tags_are_accepted() {
        let r = parse_request(
            br#"{"channel":"Amazon","marketplace":null,"language":"de-DE","body":"Hallo"}"#,
        )
        .unwrap();
        assert_eq!(r.channel, Channel::Amazon);
        assert_eq!(
            (r.marketplace, r.language.as_deref()),
            (None, Some("de-DE"))
        );
        assert!(is_language_tag("es_419") && is_language_tag("ita"));
    }
}
