//! Channel credentials from AWS Secrets Manager, cached for a few minutes per process so a
//! busy function does not read a secret per message, and a rotated one is picked up soon;
//! and the API's writes of them when an account is connected, changed or removed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::SdkError;
use futures::future::BoxFuture;

use crate::accounts::{CredentialVault, ProvisioningError};

use crate::connectors::accounts::SecretSource;
use crate::connectors::{CallContext, ConnectorError, ErrorKind, Secret};
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
        self.fresh_secret(reference).await
    }

    async fn fresh_secret(&self, reference: &SecretRef) -> Result<String, ConnectorError> {
        let context = CallContext::new("secretsmanager", reference.0.clone(), "GetSecretValue");
        let out = self
            .client
            .get_secret_value()
            .secret_id(&reference.0)
            .send()
            .await
            .map_err(|e| {
                let not_found = e
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception());
                // The message names the secret, never its value.
                let detail = aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string();
                // An absent secret is an answer (e.g. a tenant without carrier credentials of
                // its own), not a network failure worth retrying.
                context.error(if not_found {
                    ErrorKind::Rejected {
                        status: 404,
                        code: "ResourceNotFoundException".into(),
                        detail,
                    }
                } else {
                    ErrorKind::Network(detail)
                })
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

fn vault_error(
    reference: &SecretRef,
    operation: &'static str,
    e: impl std::error::Error + 'static,
) -> ProvisioningError {
    // The message names the secret and the failure, never the value.
    ProvisioningError::Backend {
        name: reference.0.clone(),
        operation,
        message: aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string(),
    }
}

impl CredentialVault for SecretsManager {
    fn put<'a>(
        &'a self,
        reference: &'a SecretRef,
        value: &'a Secret,
    ) -> BoxFuture<'a, Result<(), ProvisioningError>> {
        Box::pin(async move {
            let created = self
                .client
                .create_secret()
                .name(&reference.0)
                .secret_string(value.expose())
                .send()
                .await;
            match created {
                Ok(_) => {}
                Err(SdkError::ServiceError(e)) if e.err().is_resource_exists_exception() => {
                    self.client
                        .put_secret_value()
                        .secret_id(&reference.0)
                        .secret_string(value.expose())
                        .send()
                        .await
                        .map_err(|e| vault_error(reference, "PutSecretValue", e))?;
                }
                Err(e) => return Err(vault_error(reference, "CreateSecret", e)),
            }
            // This process reads the new value at once; others within the cache's lifetime.
            self.cache.lock().expect("poisoned").remove(&reference.0);
            Ok(())
        })
    }

    fn delete<'a>(
        &'a self,
        reference: &'a SecretRef,
    ) -> BoxFuture<'a, Result<(), ProvisioningError>> {
        Box::pin(async move {
            let deleted = self
                .client
                .delete_secret()
                .secret_id(&reference.0)
                .force_delete_without_recovery(true)
                .send()
                .await;
            self.cache.lock().expect("poisoned").remove(&reference.0);
            match deleted {
                Ok(_) => Ok(()),
                Err(SdkError::ServiceError(e)) if e.err().is_resource_not_found_exception() => {
                    Ok(())
                }
                Err(e) => Err(vault_error(reference, "DeleteSecret", e)),
            }
        })
    }
}
