//! `marketdesk dev`: the local stack, with the inbox API on loopback.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::Utc;
use clap::Args;
use marketdesk::auth::DevTokens;
use marketdesk_devstack::demo::DEMO_TENANT;
use marketdesk_devstack::local::{LocalStack, Options};

use crate::token::{self, RoleArg, TokenArgs};

#[derive(Debug, Args)]
pub struct DevArgs {
    /// Port of the inbox API on 127.0.0.1.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Port of the AWS emulator (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub emulator_port: u16,
    /// Seed of the sandboxes' data and of the generated buyer messages.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// New buyer messages per minute after the first ones.
    #[arg(long, default_value_t = 6.0)]
    pub rate: f64,
    /// No new buyer messages after the first ones.
    #[arg(long)]
    pub no_trickle: bool,
    /// Days of demo history seeded for the reports (0: none, a faster start).
    #[arg(long, default_value_t = 30)]
    pub history_days: i64,
    /// Seconds between two polls of each channel account.
    #[arg(long, default_value_t = 15)]
    pub poll_seconds: u64,
    /// Start everything, wait until the inbox lists tickets from every channel, print what it
    /// holds as JSON and exit (a smoke test of the whole stack).
    #[arg(long)]
    pub check: bool,
}

pub async fn run(args: DevArgs) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let options = Options {
        emulator_port: args.emulator_port,
        seed: args.seed,
        rate_per_minute: if args.no_trickle { 0.0 } else { args.rate },
        poll_every: Duration::from_secs(args.poll_seconds.max(1)),
        history_days: args.history_days.max(0),
        ..Options::default()
    };
    let mut stack = LocalStack::create(&options).await?;
    stack.run(&options).await?;
    if args.check {
        let summary = stack.inbox_summary(Duration::from_secs(120)).await;
        stack.stop();
        println!("{}", serde_json::to_string_pretty(&summary?)?);
        return Ok(());
    }

    // A fresh secret per run; `marketdesk token` reads it from the file.
    let secret = format!(
        "{:x}{:x}",
        Utc::now().timestamp_nanos_opt().unwrap_or_default(),
        std::process::id()
    );
    std::fs::create_dir_all(".devstack")?;
    std::fs::write(token::secret_path(), &secret)?;
    let stack_file = crate::quarantine::StackFile {
        emulator: stack.emulator.endpoint(),
        table: stack.resources.table.clone(),
        slack: Some(stack.sandboxes.slack.base_url()),
        queues: stack
            .resources
            .queues
            .iter()
            .map(|(id, q)| (id.clone(), q.url.clone()))
            .collect(),
    };
    std::fs::write(
        crate::quarantine::stack_path(),
        serde_json::to_string_pretty(&stack_file)?,
    )?;
    let dev_token = token::mint(
        &TokenArgs {
            tenant: DEMO_TENANT.into(),
            user: "dev-agent".into(),
            role: RoleArg::Admin,
            hours: 12,
            json: false,
        },
        secret.clone().into_bytes(),
    )?
    .0;

    let addr = SocketAddr::from(([127, 0, 0, 1], args.port));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    // Replies go to the stack's outbound queue, where its sender picks them up.
    let outbound = marketdesk::adapters::sqs::SqsOutboundQueue::new(
        aws_sdk_sqs::Client::new(&stack.config),
        stack.resources.queue("OutboundQueue").url.clone(),
    );
    let redrive =
        marketdesk::adapters::sqs::SqsRedrive::new(aws_sdk_sqs::Client::new(&stack.config))
            .with_queue("ingest", stack.resources.queue("IngestQueue").url.clone())
            .with_queue(
                "escalator",
                stack.resources.queue("EscalationQueue").url.clone(),
            )
            .with_queue("sender", stack.resources.queue("OutboundQueue").url.clone());
    let (vault, schedules) = stack.account_provisioning();
    let app = api::app(
        api::AppState::local(
            stack.store.clone(),
            outbound,
            DevTokens::new(secret.into_bytes()),
        )
        .with_redrive(redrive)
        .with_accounts(vault, schedules)
        .with_escalations(stack.escalation_scheduler())
        .with_order_messaging(stack.order_messaging())
        .with_tracking(
            stack.trackers().await?,
            marketdesk::tracking::RefreshPolicy::from_lookup(|k| std::env::var(k).ok()),
        )
        .with_cors_origins(api::cors::origins_from_env()?),
    );
    let dist = crate::web::dist_dir();
    let web_built = dist.join("index.html").is_file();
    let app = crate::web::with_static(app, dist);
    let url = format!("http://{addr}");
    let s = &stack.sandboxes;
    println!("marketdesk local stack");
    println!("  AWS emulator   {}", stack.emulator.endpoint());
    println!("  table          {}", stack.resources.table);
    println!(
        "  sandboxes      amazon {}  ebay {}  shopify {}",
        s.amazon.base_url(),
        s.ebay.base_url(),
        s.shopify.base_url()
    );
    println!(
        "                 carriers {}  slack {}",
        s.carriers.base_url(),
        s.slack.base_url()
    );
    println!("  demo tenant    {DEMO_TENANT}: Amazon.it, eBay Italia, Shopify store");
    println!(
        "  polling        every {} s; {} new buyer message(s) a minute",
        options.poll_every.as_secs(),
        options.rate_per_minute
    );
    println!("  API            {url}/v1");
    if web_built {
        println!("  web app        {url}/");
    } else {
        println!("  web app        not built (make dev builds it: make web-build)");
    }
    println!();
    if web_built {
        println!("Open the inbox, signed in as dev-agent (admin):");
        println!("  {url}/#token={dev_token}");
        println!();
    }
    println!("Development token (admin of tenant {DEMO_TENANT}, 12 h):");
    println!("  export TOKEN={dev_token}");
    println!();
    println!("Try (tickets from all three channels appear within a minute):");
    println!("  curl -s {url}/v1/health");
    println!(
        "  curl -s -H \"Authorization: Bearer $TOKEN\" '{url}/v1/tickets?status=open&limit=10'"
    );
    println!("  curl -s -H \"Authorization: Bearer $TOKEN\" {url}/v1/tickets/counts");
    println!("  curl -s -H \"Authorization: Bearer $TOKEN\" {url}/v1/tickets/<id from the inbox>");
    println!(
        "  curl -s -H \"Authorization: Bearer $TOKEN\" {url}/v1/templates   # also /v1/rules, /v1/sla/policies, /v1/admin/accounts"
    );
    println!("  cargo run -q -p marketdesk-cli -- quarantine   # what could not be processed");
    println!(
        "  every route with curl examples: docs/api.md; the OpenAPI document: {url}/v1/openapi.json"
    );
    println!();
    println!("Ctrl-C stops everything.");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    stack.stop();
    drop(stack);
    println!("stopped");
    Ok(())
}
