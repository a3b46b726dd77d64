//! `marketdesk report <kind> [--days 30] [--csv]`: a report of the running local stack, the
//! same JSON or CSV as `GET /v1/reports/<kind>` (the API's router runs in-process on the
//! stack's table).

use axum::body::Body;
use axum::http::{Request, header};
use clap::Args;
use marketdesk::adapters::dynamo::DynamoStore;
use marketdesk::auth::{DevTokens, Role};
use marketdesk::domain::{AgentId, TenantId};
use marketdesk_devstack::emulator::sdk_config_for;
use tower::ServiceExt;

use crate::quarantine::{StackFile, stack_path};

const KINDS: [&str; 10] = [
    "response-rate",
    "first-response",
    "sla",
    "volume",
    "resolution",
    "claims",
    "agents",
    "account-health",
    "vtr",
    "review-requests",
];

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// response-rate, first-response, sla, volume, resolution, claims, agents, account-health, vtr,
    /// review-requests
    pub kind: String,
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// CSV instead of JSON.
    #[arg(long)]
    pub csv: bool,
    #[arg(long)]
    pub from: Option<String>,
    #[arg(long)]
    pub to: Option<String>,
    #[arg(long)]
    pub channel: Option<String>,
    #[arg(long)]
    pub account: Option<String>,
    #[arg(long)]
    pub agent: Option<String>,
    #[arg(long, default_value = marketdesk_devstack::demo::DEMO_TENANT)]
    pub tenant: String,
}

pub async fn run(args: ReportArgs) -> Result<(), Box<dyn std::error::Error>> {
    if !KINDS.contains(&args.kind.as_str()) {
        return Err(format!(
            "unknown report '{}': one of {}",
            args.kind,
            KINDS.join(", ")
        )
        .into());
    }
    let text = std::fs::read_to_string(stack_path())
        .map_err(|_| "no local stack is running here (start it with `make dev`)")?;
    let stack: StackFile = serde_json::from_str(&text)?;
    let config = sdk_config_for(&stack.emulator).await;
    let store = DynamoStore::from_config(&config, &stack.table);
    let tenant = TenantId::parse(args.tenant.clone())?;
    let secret = ulid::Ulid::generate().to_string();
    let tokens = DevTokens::new(secret.as_bytes());
    let token = tokens.mint(
        &tenant,
        &AgentId::parse("cli")?,
        Role::Admin,
        chrono::Utc::now().timestamp() + 300,
    );
    let app = api::app(api::AppState::local(
        store,
        marketdesk::outbound::MemoryOutboundQueue::default(),
        tokens,
    ));
    let mut query = vec![];
    if args.kind == "account-health" {
        query.extend(args.account.iter().map(|a| format!("account={a}")));
    } else {
        query.push(format!("days={}", args.days));
        for (k, v) in [
            ("from", &args.from),
            ("to", &args.to),
            ("channel", &args.channel),
            ("account", &args.account),
            ("agent", &args.agent),
        ] {
            if let Some(v) = v {
                query.push(format!("{k}={v}"));
            }
        }
    }
    if args.csv {
        query.push("format=csv".into());
    }
    let uri = format!("/v1/reports/{}?{}", args.kind, query.join("&"));
    let request = Request::get(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())?;
    let response = app.oneshot(request).await?;
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 64 << 20).await?;
    let body = String::from_utf8_lossy(&bytes);
    if !status.is_success() {
        return Err(format!("{status}: {body}").into());
    }
    if args.csv {
        print!("{body}");
    } else {
        let value: serde_json::Value = serde_json::from_slice(&bytes)?;
        println!("{}", serde_json::to_string_pretty(&value)?);
    }
    Ok(())
}
