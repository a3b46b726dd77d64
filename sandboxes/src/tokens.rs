//! Access tokens issued by a sandbox's token endpoint, with a lifetime tests can shorten.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::rng::Rng;

/// What the API makes of a presented token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenCheck {
    Valid,
    Expired,
    Unknown,
}

#[derive(Debug)]
struct Issued {
    tokens: HashMap<String, Instant>,
    lifetime: Duration,
    refresh_token_valid: bool,
    counter: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct TokenIssuer {
    inner: Arc<Mutex<Issued>>,
    seed: u64,
}

impl TokenIssuer {
    pub fn new(seed: u64, lifetime: Duration) -> Self {
        let issued = Issued {
            tokens: HashMap::new(),
            lifetime,
            refresh_token_valid: true,
            counter: 0,
        };
        Self {
            inner: Arc::new(Mutex::new(issued)),
            seed,
        }
    }

    /// A new token and its lifetime, or `None` once the refresh token has been revoked.
    pub fn issue(&self, prefix: &str) -> Option<(String, Duration)> {
        let mut issued = self.inner.lock().unwrap();
        if !issued.refresh_token_valid {
            return None;
        }
        issued.counter += 1;
        let n = issued.counter;
        let token = format!("{prefix}{n}-{:016x}", Rng::new(self.seed ^ n).next_u64());
        let lifetime = issued.lifetime;
        issued
            .tokens
            .insert(token.clone(), Instant::now() + lifetime);
        Some((token, lifetime))
    }

    pub fn check(&self, token: &str) -> TokenCheck {
        match self.inner.lock().unwrap().tokens.get(token) {
            Some(expires) if Instant::now() < *expires => TokenCheck::Valid,
            Some(_) => TokenCheck::Expired,
            None => TokenCheck::Unknown,
        }
    }

    pub fn set_lifetime(&self, lifetime: Duration) {
        self.inner.lock().unwrap().lifetime = lifetime;
    }

    pub fn forget_all(&self) {
        self.inner.lock().unwrap().tokens.clear();
    }

    pub fn revoke_refresh_token(&self) {
        self.inner.lock().unwrap().refresh_token_valid = false;
    }
}
