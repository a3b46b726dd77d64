//! Per-tenant values a warm worker reuses for a while (its channel accounts, its configuration),
//! so reading them costs nothing per message: one read per tenant and period.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::TenantId;

#[derive(Debug)]
pub struct TenantCache<T> {
    ttl: Duration,
    entries: Mutex<HashMap<TenantId, (Instant, T)>>,
}

impl<T: Clone> TenantCache<T> {
    pub fn new(ttl: Duration) -> Self {
        TenantCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// `tenant`'s value if it was read less than the TTL ago, else `load`'s (kept on success;
    /// a failed read is not cached, so the next call tries again).
    pub async fn get_or_load<E, F>(
        &self,
        tenant: &TenantId,
        load: impl FnOnce() -> F,
    ) -> Result<T, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        if let Some((at, value)) = self.entries.lock().expect("poisoned").get(tenant)
            && at.elapsed() < self.ttl
        {
            return Ok(value.clone());
        }
        let value = load().await?;
        self.entries
            .lock()
            .expect("poisoned")
            .insert(tenant.clone(), (Instant::now(), value.clone()));
        Ok(value)
    }

    /// Drops `tenant`'s value: the next call loads it.
    pub fn forget(&self, tenant: &TenantId) {
        self.entries.lock().expect("poisoned").remove(tenant);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_value_is_read_once_per_period_and_a_failed_read_is_not_kept() {
        let cache = TenantCache::new(Duration::from_secs(60));
        let acme = TenantId::parse("acme").unwrap();
        let failed: Result<u32, &str> = cache.get_or_load(&acme, || async { Err("down") }).await;
        assert_eq!(failed, Err("down"));
        let first: Result<u32, &str> = cache.get_or_load(&acme, || async { Ok(1) }).await;
        let second: Result<u32, &str> = cache.get_or_load(&acme, || async { Ok(2) }).await;
        assert_eq!((first, second), (Ok(1), Ok(1)));

        let expired = TenantCache::new(Duration::ZERO);
        let _: Result<u32, &str> = expired.get_or_load(&acme, || async { Ok(1) }).await;
        let again: Result<u32, &str> = expired.get_or_load(&acme, || async { Ok(2) }).await;
        assert_eq!(again, Ok(2));
    }
}
