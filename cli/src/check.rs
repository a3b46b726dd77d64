//! `marketdesk check --channel amazon --marketplace it < body.txt`: the compliance checker on
//! the command line. It prints exactly the JSON `POST /v1/compliance/check` answers (both go
//! through `api::compliance`), and exits with status 1 when the verdict is `block`, so a
//! script can gate on it.
//!
//! `marketdesk check --eval corpus.jsonl [--eval heldout.jsonl]` measures the checker on
//! labelled corpora instead (see `marketdesk::compliance::eval`): precision, recall and
//! false-block rate per language and per rule. It exits 1 when a language misses the
//! acceptance gate (recall < 0.97 or false blocks > 1 %).

use std::io::Read;

use clap::Args;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Where the reply goes: amazon, ebay, shopify or email.
    #[arg(long, required_unless_present = "eval")]
    channel: Option<String>,
    /// The marketplace: it, amazon.it, www.amazon.co.uk, EBAY_DE, APJ6JRA9NG5V4.
    #[arg(long)]
    marketplace: Option<String>,
    /// The reply's language (it, de-DE); detected from the body when absent.
    #[arg(long)]
    language: Option<String>,
    /// Evaluate a labelled JSONL corpus instead of checking standard input (repeatable).
    #[arg(long, value_name = "CORPUS.jsonl", conflicts_with_all = ["channel", "marketplace", "language"])]
    eval: Vec<std::path::PathBuf>,
}

/// Acceptance gate of issue 15, per language.
const MIN_RECALL: f64 = 0.97;
const MAX_FALSE_BLOCK: f64 = 0.01;

#[derive(Debug, thiserror::Error)]
pub enum CheckCliError {
    #[error("cannot read the message from standard input: {0}")]
    Stdin(#[from] std::io::Error),
    /// The same field and reason the endpoint answers.
    #[error("{field}: {detail}")]
    Invalid { field: String, detail: String },
    #[error("verdict block: {0} blocking finding(s)")]
    Blocked(usize),
    #[error("cannot read corpus {path}: {source}")]
    Corpus {
        path: String,
        source: std::io::Error,
    },
    #[error("corpus {path}: {source}")]
    CorpusLine {
        path: String,
        source: marketdesk::compliance::eval::CorpusError,
    },
    #[error(
        "a language misses the gate (recall >= {MIN_RECALL}, false blocks <= {MAX_FALSE_BLOCK})"
    )]
    Gate,
}

/// Prints the evaluation of each corpus; `Gate` if any misses the acceptance figures.
fn eval(paths: &[std::path::PathBuf]) -> Result<(), CheckCliError> {
    use marketdesk::compliance::eval::{evaluate, parse_corpus};
    use std::io::Write;
    let mut ok = true;
    for path in paths {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| CheckCliError::Corpus {
            path: name.clone(),
            source,
        })?;
        let cases = parse_corpus(&text).map_err(|source| CheckCliError::CorpusLine {
            path: name.clone(),
            source,
        })?;
        let report = evaluate(&cases);
        ok &= report.meets(MIN_RECALL, MAX_FALSE_BLOCK);
        let _ = writeln!(std::io::stdout().lock(), "{}", report.render(&name));
    }
    if ok { Ok(()) } else { Err(CheckCliError::Gate) }
}

pub fn run(args: CheckArgs) -> Result<(), CheckCliError> {
    use std::io::Write;
    if !args.eval.is_empty() {
        return eval(&args.eval);
    }
    let mut body = String::new();
    std::io::stdin().read_to_string(&mut body)?;
    let (json, blocking) = check(&args, body)?;
    // A closed pipe (`| head`) is the reader's choice, not an error.
    let _ = writeln!(std::io::stdout().lock(), "{json}");
    match blocking {
        0 => Ok(()),
        n => Err(CheckCliError::Blocked(n)),
    }
}

/// The endpoint's JSON for this message, and how many findings block.
fn check(args: &CheckArgs, body: String) -> Result<(String, usize), CheckCliError> {
    let request = serde_json::json!({
        "channel": args.channel.as_deref().unwrap_or_default(),
        "marketplace": args.marketplace,
        "language": args.language,
        "body": body,
    });
    let request = api::compliance::parse_request(request.to_string().as_bytes()).map_err(|p| {
        CheckCliError::Invalid {
            field: p.field.unwrap_or_else(|| "request".into()),
            detail: p.detail,
        }
    })?;
    let (verdict, json) = api::compliance::respond(&request);
    let blocking = verdict
        .findings
        .iter()
        .filter(|f| f.severity == marketdesk::compliance::Severity::Block)
        .count();
    Ok((json, blocking))
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, header};
    use http_body_util::BodyExt;
    use marketdesk::adapters::dynamo::DynamoStore;
    use marketdesk::auth::{DevTokens, Role};
    use marketdesk::domain::{AgentId, TenantId};
    use tower::ServiceExt;

    use super::*;

    fn args(channel: &str, marketplace: Option<&str>, language: Option<&str>) -> CheckArgs {
        CheckArgs {
            channel: Some(channel.into()),
            marketplace: marketplace.map(Into::into),
            language: language.map(Into::into),
            eval: Vec::new(),
        }
    }

    /// What the endpoint answers for the same request, as raw bytes.
    async fn endpoint(request: serde_json::Value) -> String {
        const SECRET: &[u8] = b"check-cli-test-secret";
        // The check never touches the store: nothing listens on port 9.
        let config = marketdesk_devstack::emulator::sdk_config_for("http://127.0.0.1:9").await;
        let app = api::app(api::AppState::local(
            DynamoStore::from_config(&config, "unused"),
            marketdesk::outbound::MemoryOutboundQueue::default(),
            DevTokens::new(SECRET),
        ));
        let token = DevTokens::new(SECRET).mint(
            &TenantId::parse("demo").unwrap(),
            &AgentId::parse("alice").unwrap(),
            Role::Agent,
            4_102_444_800,
        );
        let response = app
            .oneshot(
                Request::post("/v1/compliance/check")
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(Body::from(request.to_string()))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn the_command_prints_byte_for_byte_what_the_endpoint_answers() {
        let cases = [
            ("amazon", Some("it"), None, "Ci lasci cinque stelle 😊\n"),
            (
                "amazon",
                Some("amazon.co.uk"),
                None,
                "Your parcel left today!!",
            ),
            (
                "ebay",
                Some("EBAY_DE"),
                Some("de"),
                "Bitte per PayPal Freunde und Familie zahlen.",
            ),
            ("shopify", None, None, "Grazie, ordine [ORDER_ID] spedito."),
            (
                "amazon",
                Some("amazon.de"),
                None,
                "Ihre Bestellung wurde heute versandt.",
            ),
        ];
        for (channel, marketplace, language, body) in cases {
            let (printed, _) = check(&args(channel, marketplace, language), body.into()).unwrap();
            let answered = endpoint(serde_json::json!({
                "channel": channel, "marketplace": marketplace, "language": language, "body": body,
            }))
            .await;
            assert_eq!(printed, answered, "{body}");
        }
    }

    #[test]
    fn blocking_findings_are_counted_and_warnings_are_not() {
        let (json, blocking) = check(
            &args("amazon", Some("it"), None),
            "Ci lasci cinque stelle!!!".into(),
        )
        .unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["verdict"], "block");
        assert_eq!(value["findings"].as_array().unwrap().len(), 2);
        assert_eq!(blocking, 1);
        let (_, blocking) =
            check(&args("amazon", Some("it"), None), "Spedito oggi!!!".into()).unwrap();
        assert_eq!(blocking, 0);
    }

    #[test]
    fn invalid_options_name_the_field_like_the_endpoint() {
        let err = check(&args("etsy", None, None), "Hi".into()).unwrap_err();
        assert!(matches!(err, CheckCliError::Invalid { ref field, .. } if field == "channel"));
        let err = check(&args("amazon", Some("it"), None), "\n".into()).unwrap_err();
        assert!(matches!(err, CheckCliError::Invalid { ref field, .. } if field == "body"));
    }
}
