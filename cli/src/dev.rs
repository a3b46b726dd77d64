//! `marketdesk dev`: the local stack.

use std::net::SocketAddr;

use chrono::Utc;
use clap::Args;
use marketdesk::adapters::dynamo::DynamoStore;
use marketdesk::auth::DevTokens;
use marketdesk::domain::TenantId;
use marketdesk::store::AccountStore;
use marketdesk_devstack::demo::{DEMO_TENANT, seed_accounts};
use marketdesk_devstack::emulator::{Emulator, default_venv, sdk_config_for};
use marketdesk_devstack::template::Resources;

use crate::token::{self, RoleArg, TokenArgs};

#[derive(Debug, Args)]
pub struct DevArgs {
    /// Port of the inbox API on 127.0.0.1.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Port of the AWS emulator (0: any free port).
    #[arg(long, default_value_t = 0)]
    pub emulator_port: u16,
    /// Print what was created as JSON and exit instead of serving.
    #[arg(long)]
    pub check: bool,
}

pub async fn run(args: DevArgs) -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::start_with(&default_venv(), args.emulator_port)?;
    let config = sdk_config_for(&emulator.endpoint()).await;
    let stack = Resources::from_template()?
        .create(&config, "marketdesk")
        .await?;
    let store = DynamoStore::from_config(&config, &stack.table);
    let tenant = TenantId::parse(DEMO_TENANT)?;
    seed_accounts(&store, &tenant, Utc::now()).await?;
    let accounts = store.accounts(&tenant).await?;

    // A fresh secret per run; `marketdesk token` reads it from the file.
    let secret = format!(
        "{:x}{:x}",
        Utc::now().timestamp_nanos_opt().unwrap_or_default(),
        std::process::id()
    );
    std::fs::create_dir_all(".devstack")?;
    std::fs::write(token::secret_path(), &secret)?;

    let summary = serde_json::json!({
        "emulator": emulator.endpoint(),
        "table": stack.table,
        "queues": stack.queues.iter().map(|(id, q)| (id.clone(), q.url.clone())).collect::<std::collections::BTreeMap<_, _>>(),
        "schedule_group": stack.schedule_group,
        "tenant": DEMO_TENANT,
        "accounts": accounts.iter().map(|a| serde_json::json!({"id": a.id, "channel": a.channel, "name": a.display_name})).collect::<Vec<_>>(),
    });
    if args.check {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(());
    }

    let addr = SocketAddr::from(([127, 0, 0, 1], args.port));
    let listener = tokio::net::TcpListener::bind(addr).await?;
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
    let app = api::app(api::AppState::local(
        store,
        DevTokens::new(secret.into_bytes()),
    ));
    let url = format!("http://{addr}");
    println!("marketdesk local stack");
    println!("  AWS emulator   {}", emulator.endpoint());
    println!("  table          {}", stack.table);
    println!(
        "  demo tenant    {DEMO_TENANT} with {} channel accounts",
        accounts.len()
    );
    println!("  API            {url}");
    println!();
    println!("Development token (admin of tenant {DEMO_TENANT}, 12 h):");
    println!("  export TOKEN={dev_token}");
    println!();
    println!("Try:");
    println!("  curl -s {url}/v1/health");
    println!("  curl -s -H \"Authorization: Bearer $TOKEN\" '{url}/v1/tickets?status=open'");
    println!("  curl -s -H \"Authorization: Bearer $TOKEN\" '{url}/v1/tickets/tkt_unknown'");
    println!();
    println!("Ctrl-C stops everything.");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    drop(emulator);
    println!("stopped");
    Ok(())
}
