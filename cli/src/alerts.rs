//! `marketdesk alerts`: every SLA alert the running local stack's escalator sent, as the Slack
//! sink received it (`GET /posts` on the sink).

use clap::Args;

#[derive(Debug, Args)]
pub struct AlertsArgs {
    /// Print the sink's JSON (`{"posts": [...]}`) instead of one line per alert.
    #[arg(long)]
    json: bool,
    /// Also list posts the sink refused (a revoked hook, a malformed payload).
    #[arg(long)]
    all: bool,
    /// The Slack sink's base URL (default: the one `marketdesk dev` wrote to
    /// `.devstack/stack.json`).
    #[arg(long)]
    sink: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AlertsError {
    #[error("no running local stack: start `make dev` first ({0})")]
    NoStack(String),
    #[error("the Slack sink at {url}: {source}")]
    Sink { url: String, source: reqwest::Error },
}

pub async fn run(args: AlertsArgs) -> Result<(), AlertsError> {
    let base = match args.sink {
        Some(url) => url,
        None => {
            let path = crate::quarantine::stack_path();
            let text = std::fs::read_to_string(&path)
                .map_err(|e| AlertsError::NoStack(format!("{}: {e}", path.display())))?;
            let stack: crate::quarantine::StackFile = serde_json::from_str(&text)
                .map_err(|e| AlertsError::NoStack(format!("{}: {e}", path.display())))?;
            stack.slack.ok_or_else(|| {
                AlertsError::NoStack(format!("{} names no Slack sink", path.display()))
            })?
        }
    };
    let url = format!(
        "{}/posts{}",
        base.trim_end_matches('/'),
        if args.all { "" } else { "?delivered=true" }
    );
    let sink = |source| AlertsError::Sink {
        url: url.clone(),
        source,
    };
    let body: serde_json::Value = reqwest::get(&url)
        .await
        .map_err(sink)?
        .error_for_status()
        .map_err(sink)?
        .json()
        .await
        .map_err(sink)?;
    let out = if args.json {
        serde_json::to_string_pretty(&body).unwrap_or_default()
    } else {
        lines(&body)
    };
    use std::io::Write;
    // A closed pipe (`| head`) is the reader's choice, not an error.
    let _ = writeln!(std::io::stdout().lock(), "{out}");
    Ok(())
}

/// One line per post: when, the answer if it was refused, the alert's title, its fields and
/// the ticket link.
pub fn lines(body: &serde_json::Value) -> String {
    let posts = body["posts"].as_array().cloned().unwrap_or_default();
    if posts.is_empty() {
        return "no alerts yet".to_owned();
    }
    posts
        .iter()
        .map(|post| {
            let payload = &post["payload"];
            let title = payload["blocks"][0]["text"]["text"]
                .as_str()
                .or_else(|| payload["text"].as_str())
                .unwrap_or("(no text)");
            let fields: Vec<String> = payload["blocks"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|b| b["fields"].as_array())
                .flatten()
                .filter_map(|f| f["text"].as_str())
                .map(|f| f.replace("*\n", ": ").replace('*', ""))
                .collect();
            let link = payload["blocks"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|b| b["elements"].as_array())
                .flatten()
                .find_map(|e| e["url"].as_str())
                .unwrap_or("");
            let refused = match post["status"].as_u64() {
                Some(200) => String::new(),
                _ => format!(" [refused: {}]", post["answer"].as_str().unwrap_or("?")),
            };
            format!(
                "{}{refused}  {title}\n    {}\n    {link}",
                post["received_at"].as_str().unwrap_or(""),
                fields.join(" · ")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alert_prints_its_title_fields_and_link() {
        let body = serde_json::json!({"posts": [{
            "hook": "T0SANDBOX/B0escalations/x", "status": 200, "answer": "ok",
            "received_at": "2026-12-02T01:00:00Z",
            "payload": {"text": "SLA warning", "blocks": [
                {"type": "header", "text": {"type": "plain_text", "text": "SLA warning (50 %): amazon reply due in 12h"}},
                {"type": "section", "fields": [
                    {"type": "mrkdwn", "text": "*Channel*\namazon"},
                    {"type": "mrkdwn", "text": "*Level*\nwarning"}]},
                {"type": "actions", "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "Open ticket"},
                     "url": "http://127.0.0.1:5173/tickets/tkt_1"}]}
            ]}
        }]});
        let out = lines(&body);
        assert!(
            out.starts_with("2026-12-02T01:00:00Z  SLA warning (50 %)"),
            "{out}"
        );
        assert!(out.contains("Channel: amazon · Level: warning"), "{out}");
        assert!(out.contains("http://127.0.0.1:5173/tickets/tkt_1"), "{out}");
        assert_eq!(lines(&serde_json::json!({"posts": []})), "no alerts yet");
    }
}
