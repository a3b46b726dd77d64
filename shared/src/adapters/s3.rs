//! Raw inbound mail in S3, as SES stores it.

use aws_sdk_s3::Client;

use crate::inbound_mail::DEFAULT_MAX_BYTES;
use crate::ingest::IngestError;
use crate::ingest::service::MailBlobs;

#[derive(Debug, Clone)]
pub struct S3MailBlobs {
    client: Client,
}

impl S3MailBlobs {
    pub fn new(client: Client) -> Self {
        S3MailBlobs { client }
    }

    pub fn from_config(config: &aws_config::SdkConfig) -> Self {
        S3MailBlobs::new(super::aws::s3_client(config))
    }
}

impl MailBlobs for S3MailBlobs {
    async fn raw_mail(&self, bucket: &str, key: &str) -> Result<Vec<u8>, IngestError> {
        let out = self
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| {
                // A missing object will never appear: quarantine rather than retry forever.
                if e.as_service_error().is_some_and(|s| s.is_no_such_key()) {
                    IngestError::Invalid {
                        field: "s3.object.key",
                        reason: "object does not exist".into(),
                    }
                } else {
                    IngestError::Blob(aws_sdk_s3::error::DisplayErrorContext(e).to_string())
                }
            })?;
        if out
            .content_length()
            .is_some_and(|len| len > DEFAULT_MAX_BYTES as i64)
        {
            return Err(IngestError::Mail(format!(
                "object is larger than {DEFAULT_MAX_BYTES} bytes"
            )));
        }
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| IngestError::Blob(e.to_string()))?;
        Ok(bytes.into_bytes().to_vec())
    }
}
