//! `marketdesk token`: development tokens, signed with the local stack's secret.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use marketdesk::auth::{DevTokens, Role};
use marketdesk::domain::{AgentId, TenantId};

/// Where `marketdesk dev` keeps the secret its API checks tokens with.
pub fn secret_path() -> PathBuf {
    PathBuf::from(".devstack/dev-token-secret")
}

/// The stack's secret: `MARKETDESK_DEV_TOKEN_SECRET`, else the file `marketdesk dev` wrote.
pub fn load_secret() -> Result<Vec<u8>, String> {
    if let Ok(secret) = std::env::var("MARKETDESK_DEV_TOKEN_SECRET") {
        return Ok(secret.into_bytes());
    }
    std::fs::read(secret_path()).map_err(|_| {
        format!(
            "no development secret at {}: start the local stack first (`make dev`) or set \
             MARKETDESK_DEV_TOKEN_SECRET",
            secret_path().display()
        )
    })
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Agent,
    Admin,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Tenant the token is for.
    #[arg(long, default_value = "demo")]
    pub tenant: String,
    /// The agent (user id) the token names.
    #[arg(long, default_value = "dev-agent")]
    pub user: String,
    #[arg(long, value_enum, default_value = "agent")]
    pub role: RoleArg,
    /// Hours until the token expires.
    #[arg(long, default_value_t = 12)]
    pub hours: i64,
    /// Print `{"token": …, "tenant": …, "user": …, "role": …, "expires_at": …}`.
    #[arg(long)]
    pub json: bool,
}

pub fn mint(args: &TokenArgs, secret: Vec<u8>) -> Result<(String, i64), String> {
    let tenant = TenantId::parse(&args.tenant).map_err(|e| format!("--tenant: {e}"))?;
    let user = AgentId::parse(&args.user).map_err(|e| format!("--user: {e}"))?;
    let role = match args.role {
        RoleArg::Agent => Role::Agent,
        RoleArg::Admin => Role::Admin,
    };
    let exp = chrono::Utc::now().timestamp() + args.hours.clamp(1, 24 * 30) * 3600;
    Ok((DevTokens::new(secret).mint(&tenant, &user, role, exp), exp))
}

pub fn run(args: TokenArgs) -> Result<(), Box<dyn std::error::Error>> {
    let (token, exp) = mint(&args, load_secret()?)?;
    if args.json {
        let out = serde_json::json!({
            "token": token,
            "tenant": args.tenant,
            "user": args.user,
            "role": format!("{:?}", args.role).to_lowercase(),
            "expires_at": chrono::DateTime::from_timestamp(exp, 0).map(|t| t.to_rfc3339()),
        });
        println!("{out}");
    } else {
        println!("{token}");
    }
    Ok(())
}
