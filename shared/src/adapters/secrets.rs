//! Channel credentials from AWS Secrets Manager, cached for a few minutes per process so a
//! busy function does not read a secret per message, and a rotated one is picked up soon.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_sdk_secretsmanager::Client;

use crate::connectors::accounts::SecretSource;
use crate::connectors::{CallContext, ConnectorError, ErrorKind};
use crate::domain::SecretRef;

const CACHE_TTL: Duration = Duration::from_secs(300);

pub struct SecretsManager {
    client: Client,
    cache: Mutex<HashMap<String, (Instant, String)>>,
}

impl SecretsManager {
    pub fn new(client: Client) -> Self {
        SecretsManager {
            client,
            cache: Mutex::new(HashMap::new()),
        }
    }

    pub fn from_config(config: &aws_config::SdkConfig) -> Self {
        SecretsManager::new(Client::new(config))
    }
}

impl SecretSource for SecretsManager {
    async fn secret(&self, reference: &SecretRef) -> Result<String, ConnectorError> {
        if let Some((at, value)) = self.cache.lock().expect("poisoned").get(&reference.0)
            && at.elapsed() < CACHE_TTL
        {
            return Ok(value.clone());
        }
        let context = CallContext::new("secretsmanager", reference.0.clone(), "GetSecretValue");
        let out = self
            .client
            .get_secret_value()
            .secret_id(&reference.0)
            .send()
            .await
            .map_err(|e| {
                // The message names the secret, never its value.
                context.error(ErrorKind::Network(
                    aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string(),
                ))
            })?;
        let value = out.secret_string.ok_or_else(|| {
            context.error(ErrorKind::InvalidRequest(
                "secret has no string value".into(),
            ))
        })?;
        self.cache
            .lock()
            .expect("poisoned")
            .insert(reference.0.clone(), (Instant::now(), value.clone()));
        Ok(value)
    }
}
