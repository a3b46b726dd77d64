//! `marketdesk sla preview`: what a policy file does with a buyer message, as the same JSON
//! `POST /v1/sla/preview` answers.

use std::path::PathBuf;

use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct SlaArgs {
    #[command(subcommand)]
    command: SlaCommand,
}

#[derive(Debug, Subcommand)]
enum SlaCommand {
    /// Print every deadline and threshold instant of a policy for a buyer message.
    Preview(PreviewArgs),
}

#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// The policy, a JSON file as it would be saved (e.g. events/sla/policy_amazon.json).
    #[arg(long)]
    policy: PathBuf,
    /// The buyer message's timestamp, RFC 3339 (e.g. 2026-12-24T16:00:00Z).
    #[arg(long)]
    at: String,
    /// Earlier events of the ticket, a JSON array of {"at", "kind"}.
    #[arg(long)]
    events: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum SlaCliError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not JSON: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    /// The same field and reason the endpoint answers.
    #[error("{field}: {detail}")]
    Invalid { field: String, detail: String },
}

pub fn run(args: SlaArgs) -> Result<(), SlaCliError> {
    match args.command {
        SlaCommand::Preview(args) => {
            use std::io::Write;
            let json = preview(&args)?;
            // A closed pipe (`| head`) is the reader's choice, not an error.
            let _ = writeln!(std::io::stdout().lock(), "{json}");
            Ok(())
        }
    }
}

fn read_json(path: &PathBuf) -> Result<serde_json::Value, SlaCliError> {
    let text = std::fs::read_to_string(path).map_err(|source| SlaCliError::Read {
        path: path.clone(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| SlaCliError::Json {
        path: path.clone(),
        source,
    })
}

/// The preview as pretty JSON, validated exactly as the endpoint validates its body.
fn preview(args: &PreviewArgs) -> Result<String, SlaCliError> {
    let mut request = serde_json::json!({
        "policy": read_json(&args.policy)?,
        "message_at": args.at,
    });
    if let Some(events) = &args.events {
        request["events"] = read_json(events)?;
    }
    let invalid = |p: api::Problem| SlaCliError::Invalid {
        field: p.field.unwrap_or_else(|| "request".into()),
        detail: p.detail,
    };
    let input = api::sla::parse_request(request.to_string().as_bytes()).map_err(invalid)?;
    let result = api::sla::run(&input).map_err(invalid)?;
    Ok(serde_json::to_string_pretty(&result).expect("a preview serializes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events_dir(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../events/sla")
            .join(name)
    }

    #[test]
    fn the_preview_prints_the_documented_fixture() {
        let out = preview(&PreviewArgs {
            policy: events_dir("policy_shopify_it.json"),
            at: "2026-12-24T16:00:00Z".into(),
            events: Some(events_dir("preview_events.json")),
        })
        .unwrap();
        let printed: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            printed,
            read_json(&events_dir("preview_shopify_it_output.json")).unwrap()
        );
    }

    #[test]
    fn a_bad_instant_names_the_option_field() {
        let err = preview(&PreviewArgs {
            policy: events_dir("policy_amazon.json"),
            at: "tomorrow".into(),
            events: None,
        })
        .unwrap_err();
        assert!(matches!(err, SlaCliError::Invalid { ref field, .. } if field == "message_at"));
    }
}
