//! The demo tenant of the local stack and of the end-to-end tests.

use chrono::{DateTime, Utc};
use marketdesk::adapters::dynamo::DynamoStore;
use marketdesk::domain::{
    AccountId, Channel, ChannelAccount, Marketplace, ReplyIdentity, SecretRef, SellerId, TenantId,
};
use marketdesk::store::{AccountStore, StoreError};
use marketdesk_sandboxes::amazon::SANDBOX_SELLER_ID;

pub const DEMO_TENANT: &str = "demo";

/// The demo tenant's Amazon.it, eBay and Shopify accounts.
pub fn demo_accounts(tenant: &TenantId, now: DateTime<Utc>) -> Vec<ChannelAccount> {
    let account = |id: &str,
                   channel,
                   market: Marketplace,
                   name: &str,
                   region: Option<&str>,
                   sender: Option<&str>| {
        ChannelAccount {
            id: AccountId::parse(id).expect("static id"),
            tenant: tenant.clone(),
            channel,
            marketplace: market,
            region: region.map(str::to_string),
            display_name: name.to_string(),
            credentials: SecretRef(secret_name(tenant, id)),
            sender_address: sender.map(str::to_string),
            // The Amazon sandbox's seller, so its ORDER_CHANGE notifications reach this account.
            seller_id: (channel == Channel::Amazon)
                .then(|| SellerId::parse(SANDBOX_SELLER_ID).expect("static id")),
            // Ready drafts are signed with the store's name, not the channel account's.
            reply_identity: Some(ReplyIdentity {
                seller_name: "Demo Shop".into(),
                signature: None,
            }),
            auto_send_wismo: false,
            poll_interval_minutes: 5,
            enabled: true,
            created_at: now,
            version: 0,
        }
    };
    let market = |id: &str, country: &str, lang: &str| Marketplace {
        id: id.into(),
        country: Some(country.into()),
        language: Some(lang.into()),
    };
    vec![
        account(
            "acct_amazon_it",
            Channel::Amazon,
            market("APJ6JRA9NG5V4", "IT", "it"),
            "Amazon.it",
            Some("eu"),
            Some("assistenza@demo-shop.example"),
        ),
        account(
            "acct_ebay_it",
            Channel::Ebay,
            market("EBAY_IT", "IT", "it"),
            "eBay Italia",
            None,
            None,
        ),
        account(
            "acct_shopify",
            Channel::Shopify,
            market("demo-shop.myshopify.com", "IT", "it"),
            "Demo Shop (Shopify)",
            None,
            Some("ciao@demo-shop.example"),
        ),
    ]
}

/// Seeds the demo tenant's channel accounts; seeding twice leaves them as they are.
pub async fn seed_accounts(
    store: &DynamoStore,
    tenant: &TenantId,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut created = 0;
    for account in demo_accounts(tenant, now) {
        match store.save_account(&account, None).await {
            Ok(_) => created += 1,
            Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(created)
}

/// The secret name of an account's credentials (what `ChannelAccount::credentials` names).
pub fn secret_name(tenant: &TenantId, account: &str) -> String {
    format!("marketdesk/{tenant}/{account}")
}
