//! Every protocol sandbox, started together for the local stack and the end-to-end tests, with
//! the endpoints and credentials that point marketdesk's clients at them.

use chrono::{DateTime, Utc};
use marketdesk::connectors::accounts::Endpoints;
use marketdesk::domain::TenantId;
use marketdesk_sandboxes::amazon::{AmazonConfig, AmazonSandbox};
use marketdesk_sandboxes::carriers::{CarriersConfig, CarriersSandbox};
use marketdesk_sandboxes::ebay::{EbayConfig, EbaySandbox};
use marketdesk_sandboxes::shopify::{ShopConfig, ShopifySandbox};
use marketdesk_sandboxes::slack::SlackSandbox;

use crate::demo::secret_name;

pub struct Sandboxes {
    pub slack: SlackSandbox,
    pub amazon: AmazonSandbox,
    pub ebay: EbaySandbox,
    pub shopify: ShopifySandbox,
    pub carriers: CarriersSandbox,
}

impl Sandboxes {
    /// Starts every sandbox on a free loopback port, seeded with `seed`, its data dated
    /// around `now`.
    pub async fn start(seed: u64, now: DateTime<Utc>) -> std::io::Result<Sandboxes> {
        Ok(Sandboxes {
            slack: SlackSandbox::start().await?,
            amazon: AmazonSandbox::start_with(AmazonConfig {
                seed,
                now,
                orders: 30,
                marketplace_ids: vec!["APJ6JRA9NG5V4".into()],
                ..Default::default()
            })
            .await?,
            ebay: EbaySandbox::start_with(EbayConfig {
                seed,
                now,
                ..Default::default()
            })
            .await?,
            shopify: ShopifySandbox::start_with(ShopConfig {
                seed,
                now,
                shop_domain: "demo-shop.myshopify.com".into(),
                ..Default::default()
            })
            .await?,
            carriers: CarriersSandbox::start_with(CarriersConfig {
                seed,
                now,
                ..Default::default()
            })
            .await?,
        })
    }

    pub fn endpoints(&self) -> Endpoints {
        let carriers = self.carriers.base_url();
        Endpoints {
            amazon_spapi: Some(self.amazon.base_url()),
            amazon_lwa: Some(self.amazon.token_url()),
            ebay_api: Some(self.ebay.base_url()),
            ebay_token: Some(self.ebay.token_url()),
            shopify: Some(self.shopify.base_url()),
            dhl: Some(carriers.clone()),
            ups: Some(carriers.clone()),
            fedex: Some(carriers.clone()),
            usps: Some(carriers.clone()),
            aftership: Some(carriers),
        }
    }

    /// The name of the deployment's carrier credentials secret.
    pub const CARRIERS_SECRET: &'static str = "marketdesk/carriers";

    /// Stores the demo accounts' and the carriers' credentials in Secrets Manager (the
    /// emulator's), as a real deployment stores a seller's grants. Storing twice is harmless.
    pub async fn store_secrets(
        &self,
        config: &aws_config::SdkConfig,
        tenant: &TenantId,
    ) -> Result<(), String> {
        let (amazon, ebay, shop, carriers) = (
            self.amazon.config(),
            self.ebay.config(),
            self.shopify.config(),
            self.carriers.config(),
        );
        let secrets = [
            (
                secret_name(tenant, "acct_amazon_it"),
                serde_json::json!({
                    "client_id": amazon.client_id,
                    "client_secret": amazon.client_secret,
                    "refresh_token": amazon.refresh_token,
                }),
            ),
            (
                secret_name(tenant, "acct_ebay_it"),
                serde_json::json!({
                    "client_id": ebay.client_id,
                    "client_secret": ebay.client_secret,
                    "refresh_token": ebay.refresh_token,
                    "seller_username": ebay.seller_username,
                }),
            ),
            (
                secret_name(tenant, "acct_shopify"),
                serde_json::json!({ "access_token": shop.access_token }),
            ),
            (
                Self::CARRIERS_SECRET.to_owned(),
                serde_json::json!({
                    "aftership_api_key": carriers.aftership_api_key,
                    "dhl_api_key": carriers.dhl_api_key,
                    "ups": {"client_id": carriers.ups_client_id, "client_secret": carriers.ups_client_secret},
                    "fedex": {"client_id": carriers.fedex_client_id, "client_secret": carriers.fedex_client_secret},
                    "usps": {"client_id": carriers.usps_client_id, "client_secret": carriers.usps_client_secret},
                }),
            ),
        ];
        let client = aws_sdk_secretsmanager::Client::new(config);
        for (name, value) in secrets {
            let created = client
                .create_secret()
                .name(&name)
                .secret_string(value.to_string())
                .send()
                .await;
            if let Err(err) = created
                && !err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_exists_exception())
            {
                return Err(format!(
                    "{name}: {}",
                    aws_sdk_secretsmanager::error::DisplayErrorContext(err)
                ));
            }
        }
        Ok(())
    }
}
