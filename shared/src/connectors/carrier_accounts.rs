//! Carrier credentials per tenant. A seller with its own AfterShip, DHL, UPS, USPS or FedEx
//! account stores its keys through the accounts API (`/v1/admin/carriers`) in the secret
//! `marketdesk/{tenant}/carriers`; its shipments are tracked with them, and with the
//! deployment's carriers secret for every provider it did not configure. The deployed
//! functions and the local stack build the same [`TenantTrackers`].

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::accounts::{CarrierCredentials, ChannelClients, SecretSource};
use super::carriers::CarrierTracker;
use super::{ConnectorError, ErrorKind};
use crate::domain::{SecretRef, TenantId};
use crate::tenant_cache::TenantCache;

/// How long a warm function keeps a tenant's carrier clients before reading its secret again:
/// a change made through another function's API applies within this.
pub const TENANT_CARRIERS_TTL: Duration = Duration::from_secs(300);

/// The secret that holds `tenant`'s own carrier credentials (channel account secrets are
/// `marketdesk/{tenant}/acct_…`, so the names cannot meet).
pub fn carriers_ref(tenant: &TenantId) -> SecretRef {
    SecretRef(format!("marketdesk/{tenant}/carriers"))
}

/// Which carrier APIs have credentials — never the values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CarrierProviders {
    pub aftership: bool,
    pub dhl: bool,
    pub ups: bool,
    pub usps: bool,
    pub fedex: bool,
}

impl CarrierProviders {
    pub fn any(&self) -> bool {
        self.aftership || self.dhl || self.ups || self.usps || self.fedex
    }
}

impl CarrierCredentials {
    pub fn providers(&self) -> CarrierProviders {
        CarrierProviders {
            aftership: self.aftership_api_key.is_some(),
            dhl: self.dhl_api_key.is_some(),
            ups: self.ups.is_some(),
            usps: self.usps.is_some(),
            fedex: self.fedex.is_some(),
        }
    }

    /// These credentials, with `base`'s for every provider these leave out. Destructured so a
    /// new provider is a compile error here until it is merged too.
    pub fn over(self, base: &CarrierCredentials) -> CarrierCredentials {
        let CarrierCredentials {
            aftership_api_key,
            dhl_api_key,
            ups,
            usps,
            fedex,
        } = self;
        CarrierCredentials {
            aftership_api_key: aftership_api_key.or_else(|| base.aftership_api_key.clone()),
            dhl_api_key: dhl_api_key.or_else(|| base.dhl_api_key.clone()),
            ups: ups.or_else(|| base.ups.clone()),
            usps: usps.or_else(|| base.usps.clone()),
            fedex: fedex.or_else(|| base.fedex.clone()),
        }
    }
}

/// Whose credentials a tenant's tracker uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantCarriers {
    /// The tenant stored none: the deployment's only.
    DeploymentOnly,
    /// The tenant's own for these providers, the deployment's for the rest.
    Own(CarrierProviders),
    /// The tenant's secret exists but could not be read or parsed (the reason, never the
    /// value): the deployment's are used until it can.
    Unreadable(String),
}

/// The carrier clients that answer for one tenant's shipments.
#[derive(Debug)]
pub struct TenantTracker {
    pub tracker: Arc<CarrierTracker>,
    pub own: TenantCarriers,
    pub deployment: CarrierProviders,
}

impl From<CarrierTracker> for TenantTracker {
    /// One tracker for every tenant (tests, link-only set-ups).
    fn from(tracker: CarrierTracker) -> Self {
        TenantTracker {
            tracker: Arc::new(tracker),
            own: TenantCarriers::DeploymentOnly,
            deployment: CarrierProviders::default(),
        }
    }
}

/// Per-tenant carrier trackers over the deployment's credentials, each built once per
/// [`TENANT_CARRIERS_TTL`] and tenant (one secret read), reusing the clients' token caches.
pub struct TenantTrackers<S> {
    clients: Arc<ChannelClients<S>>,
    deployment: CarrierCredentials,
    shared: Arc<TenantTracker>,
    cache: TenantCache<Arc<TenantTracker>>,
}

impl<S: SecretSource> TenantTrackers<S> {
    pub fn new(clients: Arc<ChannelClients<S>>, deployment: CarrierCredentials) -> Self {
        let shared = Arc::new(TenantTracker {
            tracker: Arc::new(clients.tracker(&deployment)),
            own: TenantCarriers::DeploymentOnly,
            deployment: deployment.providers(),
        });
        TenantTrackers {
            clients,
            deployment,
            shared,
            cache: TenantCache::new(TENANT_CARRIERS_TTL),
        }
    }

    /// The deployment's credentials from the carriers secret `settings` name (see
    /// [`ChannelClients::carrier_credentials`]), under every tenant's own.
    pub async fn from_settings(
        clients: Arc<ChannelClients<S>>,
        settings: &crate::config::Settings,
    ) -> Result<Self, ConnectorError> {
        let deployment = clients.carrier_credentials(settings).await?;
        Ok(Self::new(clients, deployment))
    }

    /// The tracker every tenant without credentials of its own uses.
    pub fn deployment(&self) -> &Arc<TenantTracker> {
        &self.shared
    }

    /// `tenant`'s tracker. Never fails: a secret that cannot be read leaves the deployment's
    /// credentials (logged, and shown by the carriers API).
    pub async fn for_tenant(&self, tenant: &TenantId) -> Arc<TenantTracker> {
        let Ok(tracker) = self
            .cache
            .get_or_load(tenant, || async {
                Ok::<_, std::convert::Infallible>(self.load(tenant).await)
            })
            .await;
        tracker
    }

    /// Reads the tenant's secret again on its next use (its credentials changed here).
    pub fn forget(&self, tenant: &TenantId) {
        self.cache.forget(tenant);
    }

    async fn load(&self, tenant: &TenantId) -> Arc<TenantTracker> {
        let text = match self
            .clients
            .secrets()
            .fresh_secret(&carriers_ref(tenant))
            .await
        {
            Ok(text) => text,
            Err(e) if matches!(e.kind, ErrorKind::Rejected { status: 404, .. }) => {
                return self.shared.clone();
            }
            Err(e) => return self.unreadable(tenant, e.to_string()),
        };
        match serde_json::from_str::<CarrierCredentials>(&text) {
            Ok(own) => {
                let providers = own.providers();
                let merged = own.over(&self.deployment);
                Arc::new(TenantTracker {
                    tracker: Arc::new(self.clients.tracker(&merged)),
                    own: TenantCarriers::Own(providers),
                    deployment: self.shared.deployment,
                })
            }
            // serde's message names the field, not the value.
            Err(e) => self.unreadable(tenant, format!("not the expected JSON: {e}")),
        }
    }

    fn unreadable(&self, tenant: &TenantId, reason: String) -> Arc<TenantTracker> {
        tracing::warn!(%tenant, %reason, "tenant carriers secret unreadable; deployment's used");
        Arc::new(TenantTracker {
            tracker: self.shared.tracker.clone(),
            own: TenantCarriers::Unreadable(reason),
            deployment: self.shared.deployment,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use super::*;
    use crate::connectors::accounts::Endpoints;
    use crate::connectors::carriers::Carrier;
    use crate::connectors::{CallContext, HttpConfig};

    /// Secrets by name, counting reads.
    #[derive(Default)]
    struct Vault {
        values: Mutex<HashMap<String, String>>,
        reads: Mutex<usize>,
    }

    impl SecretSource for Vault {
        async fn secret(&self, reference: &SecretRef) -> Result<String, ConnectorError> {
            *self.reads.lock().unwrap() += 1;
            self.values
                .lock()
                .unwrap()
                .get(&reference.0)
                .cloned()
                .ok_or_else(|| {
                    CallContext::new("secrets", reference.0.clone(), "GetSecretValue").error(
                        ErrorKind::Rejected {
                            status: 404,
                            code: "ResourceNotFoundException".into(),
                            detail: "no such secret".into(),
                        },
                    )
                })
        }
    }

    fn tenant(id: &str) -> TenantId {
        TenantId::parse(id).unwrap()
    }

    fn trackers(vault: Vault) -> TenantTrackers<Vault> {
        let clients = Arc::new(ChannelClients::new(
            vault,
            Endpoints::default(),
            HttpConfig::default(),
        ));
        let deployment: CarrierCredentials =
            serde_json::from_str(r#"{"dhl_api_key": "deployment-dhl"}"#).unwrap();
        TenantTrackers::new(clients, deployment)
    }

    #[tokio::test]
    async fn a_tenant_s_own_credentials_add_to_the_deployment_s_and_others_see_none_of_them() {
        let vault = Vault::default();
        vault.values.lock().unwrap().insert(
            "marketdesk/acme/carriers".into(),
            r#"{"aftership_api_key": "acme-key", "fedex": {"client_id": "a", "client_secret": "b"}}"#.into(),
        );
        let trackers = trackers(vault);
        let acme = trackers.for_tenant(&tenant("acme")).await;
        assert!(acme.tracker.is_live(&Carrier::PosteItaliane));
        assert!(acme.tracker.is_live(&Carrier::Fedex));
        assert!(acme.tracker.is_live(&Carrier::Dhl), "deployment's DHL kept");
        assert_eq!(
            acme.own,
            TenantCarriers::Own(CarrierProviders {
                aftership: true,
                fedex: true,
                ..Default::default()
            })
        );
        assert!(acme.deployment.dhl && !acme.deployment.aftership);

        let globex = trackers.for_tenant(&tenant("globex")).await;
        assert_eq!(globex.own, TenantCarriers::DeploymentOnly);
        assert!(!globex.tracker.is_live(&Carrier::PosteItaliane));
        assert!(globex.tracker.is_live(&Carrier::Dhl));
    }

    #[tokio::test]
    async fn one_read_per_tenant_and_period_until_forgotten() {
        let trackers = trackers(Vault::default());
        let acme = tenant("acme");
        trackers.for_tenant(&acme).await;
        trackers.for_tenant(&acme).await;
        assert_eq!(*trackers.clients.secrets().reads.lock().unwrap(), 1);
        trackers.clients.secrets().values.lock().unwrap().insert(
            "marketdesk/acme/carriers".into(),
            r#"{"dhl_api_key": "own"}"#.into(),
        );
        trackers.forget(&acme);
        let now = trackers.for_tenant(&acme).await;
        assert_eq!(*trackers.clients.secrets().reads.lock().unwrap(), 2);
        assert!(matches!(now.own, TenantCarriers::Own(p) if p.dhl));
    }

    #[tokio::test]
    async fn a_broken_secret_falls_back_to_the_deployment_and_says_why_without_the_value() {
        let vault = Vault::default();
        vault.values.lock().unwrap().insert(
            "marketdesk/acme/carriers".into(),
            r#"{"dhl_api_key": 42, "note": "sk_live_secret"}"#.into(),
        );
        let trackers = trackers(vault);
        let acme = trackers.for_tenant(&tenant("acme")).await;
        let TenantCarriers::Unreadable(reason) = &acme.own else {
            panic!("{:?}", acme.own);
        };
        assert!(!reason.contains("sk_live_secret"), "{reason}");
        assert!(acme.tracker.is_live(&Carrier::Dhl));
    }

    #[test]
    fn own_credentials_win_over_the_deployment_s_per_provider() {
        let base: CarrierCredentials = serde_json::from_str(
            r#"{"dhl_api_key": "base", "ups": {"client_id": "base", "client_secret": "s"}}"#,
        )
        .unwrap();
        let own: CarrierCredentials =
            serde_json::from_str(r#"{"ups": {"client_id": "own", "client_secret": "s"}}"#).unwrap();
        let merged = own.over(&base);
        assert_eq!(merged.ups.unwrap().client_id, "own");
        assert_eq!(merged.dhl_api_key.unwrap().expose(), "base");
        assert!(merged.aftership_api_key.is_none());
    }
}
