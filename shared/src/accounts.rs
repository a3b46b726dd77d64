//! Connecting channel accounts: the credentials each channel needs (validated, then kept only in
//! a secret store), where they are kept, and the account's recurring poll schedule.
//!
//! Pure except for the two ports, [`CredentialVault`] and [`PollSchedules`]; the adapters are
//! `adapters::secrets::SecretsManager` and `adapters::scheduler::EventBridgePollSchedules`.

use std::collections::BTreeMap;
use std::sync::Mutex;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::connectors::Secret;
use crate::domain::{AccountId, Channel, ChannelAccount, SecretRef, TenantId};

/// Shortest and longest poll interval an account may have, in minutes.
pub const POLL_INTERVAL_MINUTES: std::ops::RangeInclusive<u32> = 1..=60;
/// Longest credential value we accept; real tokens are well under it.
const MAX_CREDENTIAL_CHARS: usize = 4096;

/// A field of a request that is not acceptable, and why (never the value: it may be a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// The credentials object of a create or update request, as sent: every field any channel
/// uses; [`Credentials::validate`] checks that exactly the channel's own are there.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialsInput {
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub refresh_token: Option<String>,
    #[serde(default)]
    pub seller_username: Option<String>,
    #[serde(default)]
    pub shop_domain: Option<String>,
    #[serde(default)]
    pub access_token: Option<String>,
}

impl std::fmt::Debug for CredentialsInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CredentialsInput(<redacted>)")
    }
}

/// A channel's credentials, validated. `Debug` never shows a secret.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// Login with Amazon refresh-token grant.
    Amazon {
        client_id: String,
        client_secret: Secret,
        refresh_token: Secret,
    },
    /// eBay OAuth refresh-token grant and the seller's user name.
    Ebay {
        client_id: String,
        client_secret: Secret,
        refresh_token: Secret,
        seller_username: String,
    },
    /// A Shopify custom app's Admin API token for one shop.
    Shopify {
        shop_domain: String,
        access_token: Secret,
    },
}

/// Whether `domain` is a shop's `*.myshopify.com` host.
pub fn is_shop_domain(domain: &str) -> bool {
    let Some(shop) = domain.strip_suffix(".myshopify.com") else {
        return false;
    };
    !shop.is_empty()
        && shop.len() <= 60
        && !shop.starts_with('-')
        && shop
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// An e-mail account has no marketplace credentials: nothing is polled for it.
fn no_credentials() -> FieldError {
    FieldError::new(
        "channel",
        "e-mail accounts have nothing to poll: connect amazon, ebay or shopify",
    )
}

impl Credentials {
    /// The credentials `input` gives for `channel`: the channel's fields present, non-blank and
    /// token-shaped, no other channel's field. Errors name `credentials.{field}`.
    pub fn validate(channel: Channel, input: &CredentialsInput) -> Result<Credentials, FieldError> {
        let fields: [(&str, &Option<String>); 6] = [
            ("client_id", &input.client_id),
            ("client_secret", &input.client_secret),
            ("refresh_token", &input.refresh_token),
            ("seller_username", &input.seller_username),
            ("shop_domain", &input.shop_domain),
            ("access_token", &input.access_token),
        ];
        let wanted: &[&str] = match channel {
            Channel::Amazon => &["client_id", "client_secret", "refresh_token"],
            Channel::Ebay => &[
                "client_id",
                "client_secret",
                "refresh_token",
                "seller_username",
            ],
            Channel::Shopify => &["shop_domain", "access_token"],
            Channel::Email => return Err(no_credentials()),
        };
        for (name, value) in fields {
            let field = format!("credentials.{name}");
            match value {
                Some(_) if !wanted.contains(&name) => {
                    return Err(FieldError::new(field, format!("is not used by {channel}")));
                }
                None if wanted.contains(&name) => {
                    return Err(FieldError::new(field, format!("is required for {channel}")));
                }
                Some(v) if v.trim().is_empty() => {
                    return Err(FieldError::new(field, "must not be blank"));
                }
                Some(v) if v.chars().count() > MAX_CREDENTIAL_CHARS => {
                    return Err(FieldError::new(
                        field,
                        format!("is longer than {MAX_CREDENTIAL_CHARS} chars"),
                    ));
                }
                Some(v) if v.chars().any(|c| c.is_whitespace() || c.is_control()) => {
                    return Err(FieldError::new(
                        field,
                        "must not contain whitespace or control characters",
                    ));
                }
                _ => {}
            }
        }
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let secret = |v: &Option<String>| Secret::new(text(v));
        Ok(match channel {
            Channel::Amazon => Credentials::Amazon {
                client_id: text(&input.client_id),
                client_secret: secret(&input.client_secret),
                refresh_token: secret(&input.refresh_token),
            },
            Channel::Ebay => Credentials::Ebay {
                client_id: text(&input.client_id),
                client_secret: secret(&input.client_secret),
                refresh_token: secret(&input.refresh_token),
                seller_username: text(&input.seller_username),
            },
            Channel::Email => return Err(no_credentials()),
            Channel::Shopify => {
                let shop_domain = text(&input.shop_domain).to_ascii_lowercase();
                if !is_shop_domain(&shop_domain) {
                    return Err(FieldError::new(
                        "credentials.shop_domain",
                        "must be the shop's {name}.myshopify.com domain",
                    ));
                }
                Credentials::Shopify {
                    shop_domain,
                    access_token: secret(&input.access_token),
                }
            }
        })
    }

    pub fn channel(&self) -> Channel {
        match self {
            Credentials::Amazon { .. } => Channel::Amazon,
            Credentials::Ebay { .. } => Channel::Ebay,
            Credentials::Shopify { .. } => Channel::Shopify,
        }
    }

    /// The secret's JSON text, in the shape `connectors::accounts::ChannelClients` reads.
    pub fn secret_value(&self) -> Secret {
        let value = match self {
            Credentials::Amazon {
                client_id,
                client_secret,
                refresh_token,
            } => json!({
                "client_id": client_id,
                "client_secret": client_secret.expose(),
                "refresh_token": refresh_token.expose(),
            }),
            Credentials::Ebay {
                client_id,
                client_secret,
                refresh_token,
                seller_username,
            } => json!({
                "client_id": client_id,
                "client_secret": client_secret.expose(),
                "refresh_token": refresh_token.expose(),
                "seller_username": seller_username,
            }),
            Credentials::Shopify {
                shop_domain,
                access_token,
            } => json!({
                "shop_domain": shop_domain,
                "access_token": access_token.expose(),
            }),
        };
        Secret::new(value.to_string())
    }
}

/// Where an account's credentials are kept: under the tenant's prefix, so a deployment's IAM
/// policy can scope them (`marketdesk/{tenant}/{account}`).
pub fn credentials_ref(tenant: &TenantId, account: &AccountId) -> SecretRef {
    SecretRef(format!("marketdesk/{tenant}/{account}"))
}

/// The account's poll schedule name: derived from tenant and account, so a retry finds the same
/// schedule; hashed because Scheduler names allow only `[0-9A-Za-z-_.]{1,64}`.
pub fn schedule_name(tenant: &TenantId, account: &AccountId) -> String {
    let mut hash = Sha256::new();
    // NUL separator: no id contains one, so distinct pairs never hash the same input.
    hash.update(tenant.as_str().as_bytes());
    hash.update([0]);
    hash.update(account.as_str().as_bytes());
    let hex: String = hash.finalize()[..20]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("poll-{hex}")
}

/// What the poll schedule delivers to the poller: its request, `{"tenant", "account"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollInput {
    pub tenant: TenantId,
    pub account: AccountId,
}

/// One account's recurring poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollSchedule {
    pub name: String,
    /// `rate(N minutes)` (`rate(1 minute)` for one).
    pub expression: String,
    pub input: PollInput,
}

impl PollSchedule {
    pub fn of(account: &ChannelAccount) -> PollSchedule {
        let minutes = account.poll_interval_minutes;
        PollSchedule {
            name: schedule_name(&account.tenant, &account.id),
            expression: if minutes == 1 {
                "rate(1 minute)".into()
            } else {
                format!("rate({minutes} minutes)")
            },
            input: PollInput {
                tenant: account.tenant.clone(),
                account: account.id.clone(),
            },
        }
    }
}

/// Why provisioning an account's secret or schedule failed. Names the secret or schedule and
/// the operation, never a secret value.
#[derive(Debug, thiserror::Error)]
pub enum ProvisioningError {
    /// This deployment has no secret store or scheduler configured for accounts.
    #[error("account provisioning is not configured: {0}")]
    NotConfigured(&'static str),
    #[error("{operation} of {name} failed: {message}")]
    Backend {
        name: String,
        operation: &'static str,
        message: String,
    },
}

/// Writes and removes account credentials (the read side is `connectors::accounts::SecretSource`).
pub trait CredentialVault: Send + Sync {
    /// Creates the secret or replaces its value.
    fn put<'a>(
        &'a self,
        reference: &'a SecretRef,
        value: &'a Secret,
    ) -> BoxFuture<'a, Result<(), ProvisioningError>>;

    /// Removes the secret at once (no recovery window: the account is gone); an absent one is fine.
    fn delete<'a>(
        &'a self,
        reference: &'a SecretRef,
    ) -> BoxFuture<'a, Result<(), ProvisioningError>>;
}

/// The recurring poll schedules of accounts.
pub trait PollSchedules: Send + Sync {
    /// Creates the schedule or updates it to `schedule` (a changed interval).
    fn upsert<'a>(
        &'a self,
        schedule: &'a PollSchedule,
    ) -> BoxFuture<'a, Result<(), ProvisioningError>>;

    /// Removes the schedule; an absent one is fine.
    fn delete<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), ProvisioningError>>;
}

/// Neither a vault nor a scheduler: every change is refused (an API built without them).
#[derive(Debug, Default, Clone, Copy)]
pub struct NotConfigured;

impl CredentialVault for NotConfigured {
    fn put<'a>(
        &'a self,
        _: &'a SecretRef,
        _: &'a Secret,
    ) -> BoxFuture<'a, Result<(), ProvisioningError>> {
        Box::pin(async { Err(ProvisioningError::NotConfigured("no credential vault")) })
    }

    fn delete<'a>(&'a self, _: &'a SecretRef) -> BoxFuture<'a, Result<(), ProvisioningError>> {
        Box::pin(async { Err(ProvisioningError::NotConfigured("no credential vault")) })
    }
}

impl PollSchedules for NotConfigured {
    fn upsert<'a>(&'a self, _: &'a PollSchedule) -> BoxFuture<'a, Result<(), ProvisioningError>> {
        Box::pin(async { Err(ProvisioningError::NotConfigured("no poll scheduler")) })
    }

    fn delete<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<(), ProvisioningError>> {
        Box::pin(async { Err(ProvisioningError::NotConfigured("no poll scheduler")) })
    }
}

/// In-process vault and schedules (tests).
#[derive(Debug, Default)]
pub struct MemoryProvisioning {
    secrets: Mutex<BTreeMap<String, String>>,
    schedules: Mutex<BTreeMap<String, PollSchedule>>,
}

impl MemoryProvisioning {
    /// The secret's value, if stored.
    pub fn secret(&self, reference: &SecretRef) -> Option<String> {
        self.secrets.lock().ok()?.get(&reference.0).cloned()
    }

    pub fn schedule(&self, name: &str) -> Option<PollSchedule> {
        self.schedules.lock().ok()?.get(name).cloned()
    }
}

impl CredentialVault for MemoryProvisioning {
    fn put<'a>(
        &'a self,
        reference: &'a SecretRef,
        value: &'a Secret,
    ) -> BoxFuture<'a, Result<(), ProvisioningError>> {
        Box::pin(async move {
            if let Ok(mut secrets) = self.secrets.lock() {
                secrets.insert(reference.0.clone(), value.expose().to_owned());
            }
            Ok(())
        })
    }

    fn delete<'a>(
        &'a self,
        reference: &'a SecretRef,
    ) -> BoxFuture<'a, Result<(), ProvisioningError>> {
        Box::pin(async move {
            if let Ok(mut secrets) = self.secrets.lock() {
                secrets.remove(&reference.0);
            }
            Ok(())
        })
    }
}

impl PollSchedules for MemoryProvisioning {
    fn upsert<'a>(
        &'a self,
        schedule: &'a PollSchedule,
    ) -> BoxFuture<'a, Result<(), ProvisioningError>> {
        Box::pin(async move {
            if let Ok(mut schedules) = self.schedules.lock() {
                schedules.insert(schedule.name.clone(), schedule.clone());
            }
            Ok(())
        })
    }

    fn delete<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), ProvisioningError>> {
        Box::pin(async move {
            if let Ok(mut schedules) = self.schedules.lock() {
                schedules.remove(name);
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(pairs: &[(&str, &str)]) -> CredentialsInput {
        let map: serde_json::Map<String, serde_json::Value> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect();
        serde_json::from_value(serde_json::Value::Object(map)).unwrap()
    }

    fn field_of(result: Result<Credentials, FieldError>) -> String {
        result.unwrap_err().field
    }

    const LWA: &[(&str, &str)] = &[
        ("client_id", "amzn1.application-oa2-client.abc"),
        ("client_secret", "s3cr3t"),
        ("refresh_token", "Atzr|IwEB"),
    ];

    #[test]
    fn amazon_needs_the_lwa_grant_and_nothing_else() {
        let ok = Credentials::validate(Channel::Amazon, &input(LWA)).unwrap();
        assert_eq!(ok.channel(), Channel::Amazon);
        let missing = input(&LWA[..2]);
        assert_eq!(
            field_of(Credentials::validate(Channel::Amazon, &missing)),
            "credentials.refresh_token"
        );
        let mut extra = LWA.to_vec();
        extra.push(("access_token", "shpat_1"));
        assert_eq!(
            field_of(Credentials::validate(Channel::Amazon, &input(&extra))),
            "credentials.access_token"
        );
    }

    #[test]
    fn ebay_needs_the_seller_username_too() {
        assert_eq!(
            field_of(Credentials::validate(Channel::Ebay, &input(LWA))),
            "credentials.seller_username"
        );
        let mut full = LWA.to_vec();
        full.push(("seller_username", "demo_seller"));
        let ok = Credentials::validate(Channel::Ebay, &input(&full)).unwrap();
        let stored: serde_json::Value = serde_json::from_str(ok.secret_value().expose()).unwrap();
        assert_eq!(stored["seller_username"], "demo_seller");
        assert_eq!(stored["refresh_token"], "Atzr|IwEB");
    }

    #[test]
    fn blank_or_spaced_values_are_refused_by_field() {
        let blank = input(&[
            ("client_id", "x"),
            ("client_secret", "  "),
            ("refresh_token", "r"),
        ]);
        let err = Credentials::validate(Channel::Amazon, &blank).unwrap_err();
        assert_eq!(err.field, "credentials.client_secret");
        let spaced = input(&[
            ("client_id", "x"),
            ("client_secret", "y"),
            ("refresh_token", "a b"),
        ]);
        assert_eq!(
            field_of(Credentials::validate(Channel::Amazon, &spaced)),
            "credentials.refresh_token"
        );
    }

    #[test]
    fn shopify_needs_a_myshopify_domain_and_a_token() {
        let ok = Credentials::validate(
            Channel::Shopify,
            &input(&[
                ("shop_domain", "Acme-Store.myshopify.com"),
                ("access_token", "shpat_1"),
            ]),
        )
        .unwrap();
        let Credentials::Shopify { shop_domain, .. } = &ok else {
            panic!("{ok:?}")
        };
        assert_eq!(shop_domain, "acme-store.myshopify.com");
        let bad = input(&[("shop_domain", "acme.com"), ("access_token", "shpat_1")]);
        assert_eq!(
            field_of(Credentials::validate(Channel::Shopify, &bad)),
            "credentials.shop_domain"
        );
    }

    #[test]
    fn email_accounts_cannot_be_connected_here() {
        assert_eq!(
            field_of(Credentials::validate(Channel::Email, &input(&[]))),
            "channel"
        );
    }

    #[test]
    fn debug_output_never_shows_a_secret() {
        let creds = Credentials::validate(Channel::Amazon, &input(LWA)).unwrap();
        let shown = format!("{creds:?} {:?}", input(LWA));
        assert!(
            !shown.contains("s3cr3t") && !shown.contains("Atzr"),
            "{shown}"
        );
    }

    #[test]
    fn schedules_are_named_per_tenant_and_account_and_rate_by_interval() {
        let (a, b) = (
            TenantId::parse("acme").unwrap(),
            TenantId::parse("globex").unwrap(),
        );
        let id = AccountId::parse("acct_1").unwrap();
        let name = schedule_name(&a, &id);
        assert_eq!(name, schedule_name(&a, &id));
        assert_ne!(name, schedule_name(&b, &id));
        assert!(name.len() <= 64);
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        );
        assert_eq!(
            credentials_ref(&a, &id),
            SecretRef("marketdesk/acme/acct_1".into())
        );
    }

    #[test]
    fn a_schedule_polls_at_the_account_interval_with_the_poller_request() {
        let tenant = TenantId::parse("acme").unwrap();
        let id = AccountId::parse("acct_1").unwrap();
        let mut account = ChannelAccount {
            id: id.clone(),
            tenant: tenant.clone(),
            channel: Channel::Ebay,
            marketplace: crate::domain::Marketplace {
                id: "EBAY_IT".into(),
                country: None,
                language: None,
            },
            region: None,
            display_name: "eBay".into(),
            credentials: credentials_ref(&tenant, &id),
            sender_address: None,
            seller_id: None,
            reply_identity: None,
            auto_send_wismo: false,
            poll_interval_minutes: 15,
            enabled: true,
            created_at: chrono::DateTime::UNIX_EPOCH,
            version: 1,
        };
        let schedule = PollSchedule::of(&account);
        assert_eq!(schedule.expression, "rate(15 minutes)");
        assert_eq!(schedule.name, schedule_name(&tenant, &id));
        assert_eq!(
            serde_json::to_value(&schedule.input).unwrap(),
            json!({"tenant": "acme", "account": "acct_1"})
        );
        account.poll_interval_minutes = 1;
        assert_eq!(PollSchedule::of(&account).expression, "rate(1 minute)");
    }
}
