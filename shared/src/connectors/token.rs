//! A cached OAuth access token per account. Concurrent callers share one refresh: the first
//! caller refreshes while holding the slot, the others wait and take the new token.

use std::future::Future;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use super::error::ConnectorError;
use super::http::Secret;

/// A token as the authorization server issued it.
#[derive(Debug, Clone)]
pub struct FreshToken {
    pub value: Secret,
    pub expires_in: Duration,
}

#[derive(Debug, Default)]
struct Slot {
    token: Option<(Secret, Instant)>,
    /// A permanent refusal (revoked grant): answered from here for a while instead of asking
    /// the server again for every waiting caller.
    refused: Option<(ConnectorError, Instant)>,
}

/// One account's access token.
#[derive(Debug)]
pub struct TokenCache {
    slot: Mutex<Slot>,
    margin: Duration,
    refusal_ttl: Duration,
}

impl Default for TokenCache {
    fn default() -> Self {
        Self::new(Duration::from_secs(60))
    }
}

impl TokenCache {
    /// A token is renewed `margin` before it expires (at most a fifth of its lifetime, so
    /// short-lived tokens are still used).
    pub fn new(margin: Duration) -> Self {
        Self {
            slot: Mutex::new(Slot::default()),
            margin,
            refusal_ttl: Duration::from_secs(30),
        }
    }

    /// The cached token, or a new one from `refresh` if there is none or it is about to expire.
    pub async fn get<F, Fut>(&self, refresh: F) -> Result<Secret, ConnectorError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<FreshToken, ConnectorError>>,
    {
        self.get_inner(None, refresh).await
    }

    /// After the API refused `rejected`: a new token, unless another caller already replaced it.
    pub async fn replace<F, Fut>(
        &self,
        rejected: &Secret,
        refresh: F,
    ) -> Result<Secret, ConnectorError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<FreshToken, ConnectorError>>,
    {
        self.get_inner(Some(rejected), refresh).await
    }

    async fn get_inner<F, Fut>(
        &self,
        rejected: Option<&Secret>,
        refresh: F,
    ) -> Result<Secret, ConnectorError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<FreshToken, ConnectorError>>,
    {
        let mut slot = self.slot.lock().await;
        let now = Instant::now();
        if let Some((token, renew_at)) = &slot.token
            && now < *renew_at
            && rejected != Some(token)
        {
            return Ok(token.clone());
        }
        if let Some((err, until)) = &slot.refused
            && now < *until
        {
            return Err(err.clone());
        }
        slot.token = None;
        match refresh().await {
            Ok(fresh) => {
                let margin = self.margin.min(fresh.expires_in / 5);
                let renew_at = Instant::now() + fresh.expires_in.saturating_sub(margin);
                slot.refused = None;
                slot.token = Some((fresh.value.clone(), renew_at));
                Ok(fresh.value)
            }
            Err(err) => {
                if !err.is_transient() {
                    slot.refused = Some((err.clone(), Instant::now() + self.refusal_ttl));
                }
                Err(err)
            }
        }
    }

    /// Forgets the token (e.g. after the account's credentials changed).
    pub async fn clear(&self) {
        *self.slot.lock().await = Slot::default();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::connectors::error::{CallContext, ErrorKind};

    fn issuer(
        counter: Arc<AtomicU32>,
        lifetime: Duration,
    ) -> impl Fn() -> std::future::Ready<Result<FreshToken, ConnectorError>> {
        move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            std::future::ready(Ok(FreshToken {
                value: Secret::new(format!("tok{n}")),
                expires_in: lifetime,
            }))
        }
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_refresh() {
        let cache = Arc::new(TokenCache::default());
        let calls = Arc::new(AtomicU32::new(0));
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let cache = cache.clone();
                let issue = issuer(calls.clone(), Duration::from_secs(3600));
                tokio::spawn(async move { cache.get(issue).await.unwrap() })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().expose(), "tok0");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_rejected_token_is_replaced_once_however_many_callers_saw_it_fail() {
        let cache = TokenCache::default();
        let calls = Arc::new(AtomicU32::new(0));
        let first = cache
            .get(issuer(calls.clone(), Duration::from_secs(3600)))
            .await
            .unwrap();
        let second = cache
            .replace(&first, issuer(calls.clone(), Duration::from_secs(3600)))
            .await
            .unwrap();
        let third = cache
            .replace(&first, issuer(calls.clone(), Duration::from_secs(3600)))
            .await
            .unwrap();
        assert_ne!(first, second);
        assert_eq!(second, third);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_token_is_renewed_before_it_expires() {
        let cache = TokenCache::default();
        let calls = Arc::new(AtomicU32::new(0));
        cache
            .get(issuer(calls.clone(), Duration::from_millis(100)))
            .await
            .unwrap();
        // Renewal is due at 80 ms (a fifth of the lifetime early).
        tokio::time::sleep(Duration::from_millis(85)).await;
        let token = cache
            .get(issuer(calls.clone(), Duration::from_millis(100)))
            .await
            .unwrap();
        assert_eq!(token.expose(), "tok1");
    }

    #[tokio::test]
    async fn a_permanent_refusal_is_not_asked_again_by_every_waiting_caller() {
        let cache = TokenCache::default();
        let calls = AtomicU32::new(0);
        let ctx = CallContext::new("lwa", "acct", "refreshToken");
        for _ in 0..3 {
            let err = cache
                .get(|| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    std::future::ready(Err(ctx.error(ErrorKind::Unauthorized {
                        status: 400,
                        code: "invalid_grant".into(),
                        detail: String::new(),
                    })))
                })
                .await
                .unwrap_err();
            assert!(err.is_unauthorized());
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
