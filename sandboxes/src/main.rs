//! Runs the Slack, Amazon, eBay, Shopify and carriers sandboxes until Ctrl-C (the local stack
//! runs them in-process; this binary serves them alone, e.g. for a client under development).
//!
//! Addresses come from `SANDBOX_SLACK_ADDR`, `SANDBOX_AMAZON_ADDR`, `SANDBOX_EBAY_ADDR`,
//! `SANDBOX_SHOPIFY_ADDR` and `SANDBOX_CARRIERS_ADDR` (defaults 127.0.0.1:4601 to :4605);
//! `SANDBOX_SEED` picks the generated data.

use std::net::SocketAddr;

use marketdesk_sandboxes::amazon::{AmazonConfig, AmazonSandbox};
use marketdesk_sandboxes::carriers::{CarriersConfig, CarriersSandbox};
use marketdesk_sandboxes::ebay::{EbayConfig, EbaySandbox};
use marketdesk_sandboxes::shopify::{ShopConfig, ShopifySandbox};
use marketdesk_sandboxes::slack::SlackSandbox;

fn addr(var: &str, default: &str) -> Result<SocketAddr, String> {
    let value = std::env::var(var).unwrap_or_else(|_| default.to_owned());
    value.parse().map_err(|e| format!("{var}={value}: {e}"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seed = std::env::var("SANDBOX_SEED")
        .ok()
        .map(|s| s.parse::<u64>())
        .transpose()?
        .unwrap_or(1);
    let slack = SlackSandbox::start_at(addr("SANDBOX_SLACK_ADDR", "127.0.0.1:4601")?).await?;
    let amazon = AmazonSandbox::start_at(
        addr("SANDBOX_AMAZON_ADDR", "127.0.0.1:4602")?,
        AmazonConfig {
            seed,
            ..Default::default()
        },
    )
    .await?;
    let ebay = EbaySandbox::start_at(
        addr("SANDBOX_EBAY_ADDR", "127.0.0.1:4603")?,
        EbayConfig {
            seed,
            ..Default::default()
        },
    )
    .await?;
    let shopify = ShopifySandbox::start_at(
        addr("SANDBOX_SHOPIFY_ADDR", "127.0.0.1:4604")?,
        ShopConfig {
            seed,
            ..Default::default()
        },
    )
    .await?;
    let carriers = CarriersSandbox::start_at(
        addr("SANDBOX_CARRIERS_ADDR", "127.0.0.1:4605")?,
        CarriersConfig {
            seed,
            ..Default::default()
        },
    )
    .await?;
    println!("slack  webhook  {}", slack.webhook_url("escalations"));
    println!(
        "amazon sp-api   {}  lwa {}",
        amazon.base_url(),
        amazon.token_url()
    );
    println!(
        "ebay   messages {}  fulfillment {}  feedback {}  oauth {}",
        ebay.message_api_url(),
        ebay.fulfillment_api_url(),
        ebay.feedback_api_url(),
        ebay.token_url()
    );
    println!(
        "shopify admin   {}  shop {}",
        shopify.graphql_url("2026-10"),
        shopify.config().shop_domain
    );
    println!("carriers dhl/ups/fedex/usps {}", carriers.base_url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
