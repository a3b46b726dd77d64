//! The clients of each connected account, built from its credentials (a Secrets Manager
//! secret the account names) and the endpoints of this deployment (the real APIs, or the
//! sandboxes of the local stack). Built once per account and process, then reused: token caches
//! and rate limiters live as long as the function instance.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::amazon::{
    LwaClient, LwaCredentials, Region, ReportsConfig, SpApiConfig, SpApiMessaging, SpApiOrders,
    SpApiReports,
};
use super::carriers::{
    AftershipConfig, AftershipTracking, ClientCredentials, DhlConfig, DhlTracking, FedexConfig,
    FedexTracking, UpsConfig, UpsTracking, UspsConfig, UspsTracking,
};
use super::ebay::{
    EbayConfig, EbayCredentials, EbayFeedback, EbayFulfillment, EbayMessages, EbayOAuth,
    FeedbackConfig, FulfillmentConfig,
};
use super::shopify::{ShopifyAdmin, ShopifyConfig};
use super::{
    CallContext, ConnectorError, ConversationSource, ErrorKind, FeedbackSource, HttpConfig,
    OrderLookup, OrderSource, Secret, TrackingLookup,
};
use crate::domain::{
    AccountId, Channel, ChannelAccount, Order, OrderId, SecretRef, Shipment, TenantId,
};
use crate::ingest::SourceEvent;
use crate::polling::{Feed, FeedPage};

/// Reads a secret's JSON text.
pub trait SecretSource: Send + Sync {
    fn secret(
        &self,
        reference: &SecretRef,
    ) -> impl Future<Output = Result<String, ConnectorError>> + Send;

    /// The secret as stored now, past any cache: clients are built from it once per account
    /// version, so replaced credentials are used from the account's next version on.
    fn fresh_secret(
        &self,
        reference: &SecretRef,
    ) -> impl Future<Output = Result<String, ConnectorError>> + Send {
        self.secret(reference)
    }
}

/// Where each API lives. `None` is the real service's production endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    pub amazon_spapi: Option<String>,
    pub amazon_lwa: Option<String>,
    pub ebay_api: Option<String>,
    pub ebay_token: Option<String>,
    /// Replaces `https://{shop}` (the shop's own domain).
    pub shopify: Option<String>,
    pub dhl: Option<String>,
    pub ups: Option<String>,
    pub fedex: Option<String>,
    pub usps: Option<String>,
    pub aftership: Option<String>,
}

impl Endpoints {
    /// `MARKETDESK_{AMAZON_SPAPI,AMAZON_LWA,EBAY_API,EBAY_TOKEN,SHOPIFY,DHL,UPS,FEDEX,USPS,AFTERSHIP}_URL`.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let url =
            |name: &str| get(&format!("MARKETDESK_{name}_URL")).filter(|v| !v.trim().is_empty());
        Endpoints {
            amazon_spapi: url("AMAZON_SPAPI"),
            amazon_lwa: url("AMAZON_LWA"),
            ebay_api: url("EBAY_API"),
            ebay_token: url("EBAY_TOKEN"),
            shopify: url("SHOPIFY"),
            dhl: url("DHL"),
            ups: url("UPS"),
            fedex: url("FEDEX"),
            usps: url("USPS"),
            aftership: url("AFTERSHIP"),
        }
    }
}

/// An OAuth refresh-token grant as stored for an Amazon or eBay account.
#[derive(Clone, Deserialize)]
struct RefreshGrant {
    client_id: String,
    client_secret: Secret,
    refresh_token: Secret,
    /// eBay: the seller's user name, which tells the seller's messages from the buyers'.
    #[serde(default)]
    seller_username: Option<String>,
}

/// The clients of one account.
pub enum AccountClients {
    Amazon(SpApiOrders),
    Ebay(Box<EbayClients>),
    Shopify(ShopifyAdmin),
    /// A channel with nothing to poll (e-mail).
    None,
}

impl AccountClients {
    /// The feeds a poller reads for this account.
    pub fn feed_names(&self) -> &'static [&'static str] {
        match self {
            AccountClients::Amazon(_) => &["orders"],
            // Orders first: a conversation then finds its order already stored.
            AccountClients::Ebay(_) => &["orders", "messages", "feedback"],
            // Store customers write by e-mail; the store's orders give them context.
            AccountClients::Shopify(_) => &["orders"],
            AccountClients::None => &[],
        }
    }
}

pub struct EbayClients {
    pub messages: EbayMessages,
    pub orders: EbayFulfillment,
    pub feedback: EbayFeedback,
}

/// A Shopify custom app's Admin API access token.
#[derive(Clone, Deserialize)]
struct ShopifyToken {
    access_token: Secret,
}

/// The account version clients were built for, and the clients.
type Built = (u64, Arc<AccountClients>);
type BuiltMessaging = (u64, Arc<SpApiMessaging>);

/// Builds and keeps the clients of every account this process has met.
pub struct ChannelClients<S> {
    secrets: S,
    endpoints: Endpoints,
    http: HttpConfig,
    /// Built on first use: TLS setup is the costliest part of a cold start, and a worker
    /// that never calls a channel should not pay for it.
    client: std::sync::OnceLock<reqwest::Client>,
    page_size: Option<u32>,
    built: Mutex<HashMap<(TenantId, AccountId), Built>>,
    /// Amazon accounts' Messaging clients (their own 1 request/s bucket), per account version.
    messaging: Mutex<HashMap<(TenantId, AccountId), BuiltMessaging>>,
}

fn credentials_error(account: &ChannelAccount, reason: impl std::fmt::Display) -> ConnectorError {
    CallContext::new("credentials", account.id.as_str(), "readSecret").error(
        ErrorKind::InvalidRequest(format!(
            "credentials {} are unusable: {reason}",
            account.credentials.0
        )),
    )
}

impl<S: SecretSource> ChannelClients<S> {
    pub fn new(secrets: S, endpoints: Endpoints, http: HttpConfig) -> Self {
        ChannelClients {
            client: std::sync::OnceLock::new(),
            secrets,
            endpoints,
            http,
            page_size: None,
            built: Mutex::new(HashMap::new()),
            messaging: Mutex::new(HashMap::new()),
        }
    }

    fn http_client(&self) -> reqwest::Client {
        self.client.get_or_init(|| self.http.build_client()).clone()
    }

    /// Smaller pages than the APIs' defaults (tests and the local stack show paging with it).
    pub fn with_page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    pub async fn clients(
        &self,
        account: &ChannelAccount,
    ) -> Result<Arc<AccountClients>, ConnectorError> {
        let key = (account.tenant.clone(), account.id.clone());
        // A changed account (new credentials, say) gets new clients; one unchanged keeps its
        // token cache and rate limiters.
        if let Some((version, clients)) = self.built.lock().expect("poisoned").get(&key)
            && *version == account.version
        {
            return Ok(clients.clone());
        }
        let clients = Arc::new(self.build(account).await?);
        self.built
            .lock()
            .expect("poisoned")
            .insert(key, (account.version, clients.clone()));
        Ok(clients)
    }

    /// The Messaging API client of an Amazon account, sharing its Orders client's token.
    pub async fn amazon_messaging(
        &self,
        account: &ChannelAccount,
    ) -> Result<Arc<SpApiMessaging>, ConnectorError> {
        let key = (account.tenant.clone(), account.id.clone());
        if let Some((version, client)) = self.messaging.lock().expect("poisoned").get(&key)
            && *version == account.version
        {
            return Ok(client.clone());
        }
        let AccountClients::Amazon(orders) = &*self.clients(account).await? else {
            return Err(
                CallContext::new("sp-api", account.id.as_str(), "messaging").error(
                    ErrorKind::InvalidRequest(format!(
                        "{} has no Amazon Messaging API",
                        account.channel
                    )),
                ),
            );
        };
        let client = Arc::new(SpApiMessaging::sharing(orders));
        self.messaging
            .lock()
            .expect("poisoned")
            .insert(key, (account.version, client.clone()));
        Ok(client)
    }

    async fn grant(&self, account: &ChannelAccount) -> Result<RefreshGrant, ConnectorError> {
        let text = self.secrets.fresh_secret(&account.credentials).await?;
        serde_json::from_str(&text).map_err(|e| credentials_error(account, e))
    }

    async fn build(&self, account: &ChannelAccount) -> Result<AccountClients, ConnectorError> {
        match account.channel {
            Channel::Amazon => {
                let grant = self.grant(account).await?;
                let lwa = LwaClient::new(
                    account.id.as_str(),
                    LwaCredentials {
                        client_id: grant.client_id,
                        client_secret: grant.client_secret,
                        refresh_token: grant.refresh_token,
                    },
                    self.endpoints
                        .amazon_lwa
                        .clone()
                        .unwrap_or_else(|| LwaClient::ENDPOINT.to_owned()),
                    self.http_client(),
                    self.http.timeout,
                );
                let region = Region::for_marketplace(&account.marketplace.id)
                    .ok_or_else(|| credentials_error(account, "unknown Amazon marketplace"))?;
                let mut config = SpApiConfig::new(
                    account.id.clone(),
                    region,
                    vec![account.marketplace.id.clone()],
                );
                config.endpoint = self.endpoints.amazon_spapi.clone();
                config.http = self.http;
                if let Some(size) = self.page_size {
                    config.page_size = size;
                }
                Ok(AccountClients::Amazon(SpApiOrders::new(
                    config,
                    Arc::new(lwa),
                    self.http_client(),
                )))
            }
            Channel::Ebay => {
                let grant = self.grant(account).await?;
                let seller = grant
                    .seller_username
                    .clone()
                    .ok_or_else(|| credentials_error(account, "no seller_username"))?;
                let oauth = Arc::new(EbayOAuth::new(
                    account.id.as_str(),
                    EbayCredentials {
                        client_id: grant.client_id,
                        client_secret: grant.client_secret,
                        refresh_token: grant.refresh_token,
                    },
                    self.endpoints
                        .ebay_token
                        .clone()
                        .unwrap_or_else(|| EbayOAuth::ENDPOINT.to_owned()),
                    EbayOAuth::helpdesk_scopes(),
                    self.http_client(),
                    self.http.timeout,
                ));
                let base = self
                    .endpoints
                    .ebay_api
                    .as_deref()
                    .map(|b| b.trim_end_matches('/'));
                let mut messages = EbayConfig::new(account.id.clone(), seller.clone());
                let mut orders =
                    FulfillmentConfig::new(account.id.clone(), &account.marketplace.id);
                let mut feedback = FeedbackConfig::new(account.id.clone(), seller);
                if let Some(base) = base {
                    messages.endpoint = format!("{base}/commerce/message/v1");
                    orders.endpoint = format!("{base}/sell/fulfillment/v1");
                    feedback.endpoint = format!("{base}/commerce/feedback/v1");
                }
                messages.http = self.http;
                orders.http = self.http;
                feedback.http = self.http;
                if let Some(size) = self.page_size {
                    messages.page_size = size;
                    orders.page_size = size;
                }
                Ok(AccountClients::Ebay(Box::new(EbayClients {
                    messages: EbayMessages::new(messages, oauth.clone(), self.http_client()),
                    orders: EbayFulfillment::new(orders, oauth.clone(), self.http_client()),
                    feedback: EbayFeedback::new(feedback, oauth, self.http_client()),
                })))
            }
            Channel::Shopify => {
                let text = self.secrets.fresh_secret(&account.credentials).await?;
                let token: ShopifyToken =
                    serde_json::from_str(&text).map_err(|e| credentials_error(account, e))?;
                let mut config = ShopifyConfig::new(
                    account.id.clone(),
                    account.marketplace.id.clone(),
                    token.access_token,
                );
                config.endpoint = self.endpoints.shopify.clone();
                config.http = self.http;
                if let Some(size) = self.page_size {
                    config.page_size = size;
                }
                Ok(AccountClients::Shopify(ShopifyAdmin::new(
                    config,
                    self.http_client(),
                )?))
            }
            Channel::Email => Ok(AccountClients::None),
        }
    }

    /// The poll feeds of `account`.
    pub async fn feeds(
        &self,
        account: &ChannelAccount,
    ) -> Result<Vec<AccountFeed>, ConnectorError> {
        let clients = self.clients(account).await?;
        Ok(clients
            .feed_names()
            .iter()
            .map(|name| AccountFeed {
                tenant: account.tenant.clone(),
                clients: clients.clone(),
                name,
            })
            .collect())
    }

    /// The order from the account's channel, if its client can look orders up.
    pub async fn order(
        &self,
        account: &ChannelAccount,
        id: &OrderId,
    ) -> Result<Option<Order>, ConnectorError> {
        match &*self.clients(account).await? {
            AccountClients::Amazon(orders) => orders.order(id).await,
            AccountClients::Ebay(ebay) => ebay.orders.order(id).await,
            AccountClients::Shopify(shop) => shop.order(id).await,
            AccountClients::None => Ok(None),
        }
    }

    /// The deployment's carrier credentials, from the carriers secret the settings name
    /// (`MARKETDESK_CARRIERS_SECRET`): what every function that tracks builds on, deployed or
    /// on the local stack. No secret named = none (link-only tracking unless a tenant has its
    /// own; logged); a named secret that cannot be read or parsed is an error, so a broken
    /// configuration fails the cold start instead of silently tracking nothing.
    pub async fn carrier_credentials(
        &self,
        settings: &crate::config::Settings,
    ) -> Result<CarrierCredentials, ConnectorError> {
        let Some(name) = &settings.carriers_secret else {
            tracing::warn!("MARKETDESK_CARRIERS_SECRET unset: no deployment carrier credentials");
            return Ok(CarrierCredentials::default());
        };
        let reference = SecretRef(name.clone());
        let text = self.secrets.fresh_secret(&reference).await?;
        serde_json::from_str(&text).map_err(|e| {
            CallContext::new("secrets", "carriers", "readCarrierCredentials").error(
                ErrorKind::Mapping(format!("carriers secret is not the expected JSON: {e}")),
            )
        })
    }

    /// The Reports API client of an Amazon account (`None` for other channels): built per call,
    /// since the feedback report job needs it a few times a day.
    pub async fn amazon_reports(
        &self,
        account: &ChannelAccount,
    ) -> Result<Option<SpApiReports>, ConnectorError> {
        if account.channel != Channel::Amazon {
            return Ok(None);
        }
        let grant = self.grant(account).await?;
        let lwa = LwaClient::new(
            account.id.as_str(),
            LwaCredentials {
                client_id: grant.client_id,
                client_secret: grant.client_secret,
                refresh_token: grant.refresh_token,
            },
            self.endpoints
                .amazon_lwa
                .clone()
                .unwrap_or_else(|| LwaClient::ENDPOINT.to_owned()),
            self.http_client(),
            self.http.timeout,
        );
        let region = Region::for_marketplace(&account.marketplace.id)
            .ok_or_else(|| credentials_error(account, "unknown Amazon marketplace"))?;
        let mut config = ReportsConfig::new(account.id.clone(), region);
        config.endpoint = self.endpoints.amazon_spapi.clone();
        config.http = self.http;
        Ok(Some(SpApiReports::new(
            config,
            Arc::new(lwa),
            self.http_client(),
        )))
    }

    /// Where credentials are read from.
    pub fn secrets(&self) -> &S {
        &self.secrets
    }

    /// The carrier clients this deployment has credentials for (`carriers` secret JSON:
    /// `{"aftership_api_key": …, "dhl_api_key": …, "ups": {"client_id", "client_secret"},
    /// "fedex": {…}, "usps": {…}}`, every member optional).
    pub fn tracker(&self, carriers: &CarrierCredentials) -> super::carriers::CarrierTracker {
        let mut tracker = super::carriers::CarrierTracker::new();
        if let Some(key) = &carriers.aftership_api_key {
            let mut config = AftershipConfig::new("carriers", key.clone());
            if let Some(endpoint) = &self.endpoints.aftership {
                config.endpoint = endpoint.clone();
            }
            config.http = self.http;
            tracker = tracker.with_aftership(AftershipTracking::new(config, self.http_client()));
        }
        if let Some(key) = &carriers.dhl_api_key {
            let mut config = DhlConfig::new("carriers", key.clone());
            if let Some(endpoint) = &self.endpoints.dhl {
                config.endpoint = endpoint.clone();
            }
            config.http = self.http;
            tracker = tracker.with_dhl(DhlTracking::new(config, self.http_client()));
        }
        if let Some(c) = &carriers.ups {
            let mut config = UpsConfig::new(
                "carriers",
                ClientCredentials::new(c.client_id.clone(), c.client_secret.clone()),
            );
            if let Some(endpoint) = &self.endpoints.ups {
                config.endpoint = endpoint.clone();
            }
            config.http = self.http;
            tracker = tracker.with_ups(UpsTracking::new(config, self.http_client()));
        }
        if let Some(c) = &carriers.fedex {
            let mut config = FedexConfig::new(
                "carriers",
                ClientCredentials::new(c.client_id.clone(), c.client_secret.clone()),
            );
            if let Some(endpoint) = &self.endpoints.fedex {
                config.endpoint = endpoint.clone();
            }
            config.http = self.http;
            tracker = tracker.with_fedex(FedexTracking::new(config, self.http_client()));
        }
        if let Some(c) = &carriers.usps {
            let mut config = UspsConfig::new(
                "carriers",
                ClientCredentials::new(c.client_id.clone(), c.client_secret.clone()),
            );
            if let Some(endpoint) = &self.endpoints.usps {
                config.endpoint = endpoint.clone();
            }
            config.http = self.http;
            tracker = tracker.with_usps(UspsTracking::new(config, self.http_client()));
        }
        tracker
    }
}

/// Carrier API credentials of the deployment (one secret, JSON).
#[derive(Clone, Default, Deserialize)]
pub struct CarrierCredentials {
    #[serde(default)]
    pub aftership_api_key: Option<Secret>,
    #[serde(default)]
    pub dhl_api_key: Option<Secret>,
    #[serde(default)]
    pub ups: Option<ClientPair>,
    #[serde(default)]
    pub fedex: Option<ClientPair>,
    #[serde(default)]
    pub usps: Option<ClientPair>,
}

#[derive(Clone, Deserialize)]
pub struct ClientPair {
    pub client_id: String,
    pub client_secret: Secret,
}

/// One feed of one account, dispatching to its channel's client.
pub struct AccountFeed {
    tenant: TenantId,
    clients: Arc<AccountClients>,
    name: &'static str,
}

impl Feed for AccountFeed {
    fn name(&self) -> &'static str {
        self.name
    }

    async fn page(
        &self,
        since: DateTime<Utc>,
        token: Option<&str>,
    ) -> Result<FeedPage, ConnectorError> {
        let tenant = &self.tenant;
        match (&*self.clients, self.name) {
            (AccountClients::Amazon(orders), "orders") => {
                order_events(tenant, orders, since, token).await
            }
            (AccountClients::Shopify(shop), "orders") => {
                order_events(tenant, shop, since, token).await
            }
            (AccountClients::Ebay(ebay), "orders") => {
                order_events(tenant, &ebay.orders, since, token).await
            }
            (AccountClients::Ebay(ebay), "messages") => {
                let page = ebay.messages.messages_since(since, token).await?;
                Ok(FeedPage {
                    events: page
                        .messages
                        .into_iter()
                        .map(|m| SourceEvent::message(tenant, m))
                        .collect(),
                    next: page.next_page,
                })
            }
            (AccountClients::Ebay(ebay), "feedback") => {
                let page = ebay.feedback.feedback_since(since, token).await?;
                Ok(FeedPage {
                    events: page
                        .feedback
                        .into_iter()
                        .map(|f| SourceEvent::feedback(tenant, f))
                        .collect(),
                    next: page.next_page,
                })
            }
            _ => Ok(FeedPage {
                events: Vec::new(),
                next: None,
            }),
        }
    }
}

async fn order_events(
    tenant: &TenantId,
    source: &impl OrderSource,
    since: DateTime<Utc>,
    token: Option<&str>,
) -> Result<FeedPage, ConnectorError> {
    let page = source.changed_orders(since, token).await?;
    Ok(FeedPage {
        events: page
            .orders
            .into_iter()
            .map(|order| SourceEvent::order(tenant, order))
            .collect(),
        next: page.next_page,
    })
}

/// Live context for ingestion: orders from the account's channel, shipments from carriers
/// (each tenant's own carrier credentials over the deployment's).
pub struct LiveContext<S> {
    pub clients: Arc<ChannelClients<S>>,
    pub tracker: super::carrier_accounts::TenantTrackers<S>,
}

impl<S: SecretSource> LiveContext<S> {
    /// The live context a deployed function builds from its environment: the accounts'
    /// clients, and the carrier trackers from the carriers secret `settings` name — the same
    /// composition on the local stack and deployed.
    pub async fn from_settings(
        secrets: S,
        settings: &crate::config::Settings,
        endpoints: Endpoints,
        http: HttpConfig,
    ) -> Result<Self, ConnectorError> {
        let clients = Arc::new(ChannelClients::new(secrets, endpoints, http));
        let tracker =
            super::carrier_accounts::TenantTrackers::from_settings(clients.clone(), settings)
                .await?;
        Ok(LiveContext { clients, tracker })
    }
}

impl<S: SecretSource> crate::ingest::service::Enricher for LiveContext<S> {
    async fn order(
        &self,
        account: &ChannelAccount,
        id: &OrderId,
    ) -> Result<Option<Order>, ConnectorError> {
        self.clients.order(account, id).await
    }

    async fn track(
        &self,
        tenant: &TenantId,
        shipment: &Shipment,
    ) -> Result<Option<Shipment>, ConnectorError> {
        let carrier = Some(shipment.carrier.as_str()).filter(|c| !c.is_empty());
        let tracker = self.tracker.for_tenant(tenant).await;
        tracker
            .tracker
            .track(carrier, &shipment.tracking_number)
            .await
    }
}

#[cfg(test)]
mod version_tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::domain::Marketplace;

    /// Counts reads past the cache.
    #[derive(Default)]
    struct CountingSecrets(AtomicUsize);

    impl SecretSource for CountingSecrets {
        async fn secret(&self, _: &SecretRef) -> Result<String, ConnectorError> {
            panic!("clients are built from fresh reads only")
        }

        async fn fresh_secret(&self, _: &SecretRef) -> Result<String, ConnectorError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(r#"{"shop_domain":"acme.myshopify.com","access_token":"shpat_1"}"#.into())
        }
    }

    fn shop(version: u64) -> ChannelAccount {
        ChannelAccount {
            id: AccountId::parse("acct_shop").unwrap(),
            tenant: TenantId::parse("acme").unwrap(),
            channel: Channel::Shopify,
            marketplace: Marketplace {
                id: "acme.myshopify.com".into(),
                country: None,
                language: None,
            },
            region: None,
            display_name: "Acme".into(),
            credentials: SecretRef("marketdesk/acme/acct_shop".into()),
            sender_address: None,
            seller_id: None,
            reply_identity: None,
            auto_send_wismo: false,
            poll_interval_minutes: 5,
            enabled: true,
            created_at: DateTime::UNIX_EPOCH,
            version,
        }
    }

    #[tokio::test]
    async fn clients_are_reused_until_the_account_changes_then_built_from_the_stored_secret() {
        let clients = ChannelClients::new(
            CountingSecrets::default(),
            Endpoints::default(),
            HttpConfig::default(),
        );
        let first = clients.clients(&shop(1)).await.unwrap();
        let again = clients.clients(&shop(1)).await.unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(clients.secrets.0.load(Ordering::SeqCst), 1);
        let changed = clients.clients(&shop(2)).await.unwrap();
        assert!(!Arc::ptr_eq(&first, &changed));
        assert_eq!(clients.secrets.0.load(Ordering::SeqCst), 2);
    }
}
