//! What SES inbound does with a mail: the raw MIME into S3 under `inbound/{tenant}/{ulid}`, and
//! the bucket's `ObjectCreated` notification onto the ingest queue.

use aws_lambda_events::event::s3::{S3Bucket, S3Entity, S3Event, S3EventRecord, S3Object};
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;
use chrono::{DateTime, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use ulid::Ulid;

use super::GeneratedMail;

/// Why a mail could not be delivered. Names the bucket, key or queue, never the content.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    #[error("tenant id '{0}' cannot be a key segment (letters, digits, '-', '_' only)")]
    InvalidTenant(String),
    #[error("PutObject s3://{bucket}/{key} failed: {reason}")]
    PutObject {
        bucket: String,
        key: String,
        reason: String,
    },
    #[error("SendMessage to {queue_url} for s3://{bucket}/{key} failed: {reason}")]
    SendMessage {
        queue_url: String,
        bucket: String,
        key: String,
        reason: String,
    },
    #[error("the S3 event cannot be serialised: {0}")]
    Serialise(String),
}

/// What S3 leaves unencoded in event notification keys; a space becomes `+`.
const S3_KEY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'*')
    .remove(b'/')
    .remove(b' ');

/// A key as S3 writes it in event notifications (form-style: `+` for a space).
pub fn s3_key_encode(key: &str) -> String {
    utf8_percent_encode(key, S3_KEY)
        .to_string()
        .replace(' ', "+")
}

/// The notification S3 sends for a new object (`Records[0]`, event name `ObjectCreated:Put`).
pub fn s3_event(
    bucket: &str,
    key: &str,
    size: i64,
    e_tag: Option<String>,
    at: DateTime<Utc>,
) -> S3Event {
    let mut object = S3Object::default();
    object.key = Some(s3_key_encode(key));
    object.size = Some(size);
    object.e_tag = e_tag.map(|t| t.trim_matches('"').to_owned());
    object.sequencer = Some(format!("{:016X}", at.timestamp_micros()));
    let mut s3_bucket = S3Bucket::default();
    s3_bucket.name = Some(bucket.to_owned());
    s3_bucket.arn = Some(format!("arn:aws:s3:::{bucket}"));
    let mut entity = S3Entity::default();
    entity.schema_version = Some("1.0".to_owned());
    entity.configuration_id = Some("inbound-mail".to_owned());
    entity.bucket = s3_bucket;
    entity.object = object;
    let mut record = S3EventRecord::default();
    record.event_version = Some("2.1".to_owned());
    record.event_source = Some("aws:s3".to_owned());
    record.aws_region = Some("us-east-1".to_owned());
    record.event_time = at;
    record.event_name = Some("ObjectCreated:Put".to_owned());
    record.principal_id.principal_id = Some("AWS:SES".to_owned());
    record.s3 = entity;
    let mut event = S3Event::default();
    event.records = vec![record];
    event
}

/// Stores `mail` at `inbound/{tenant}/{ulid}` in `bucket` and sends the S3 event notification
/// to `queue_url`; returns the key. The ingest worker reads the tenant from the second segment.
pub async fn deliver(
    s3: &aws_sdk_s3::Client,
    sqs: &aws_sdk_sqs::Client,
    bucket: &str,
    queue_url: &str,
    tenant: &str,
    mail: &GeneratedMail,
) -> Result<String, DeliverError> {
    let valid = !tenant.is_empty()
        && tenant.len() <= 64
        && tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(DeliverError::InvalidTenant(tenant.to_owned()));
    }
    // A ULID, not the Message-ID: message ids hold `@`, `/` and whatever a sender chose.
    let key = format!("inbound/{tenant}/{}", Ulid::generate());
    let put = s3
        .put_object()
        .bucket(bucket)
        .key(&key)
        .content_type("message/rfc822")
        .body(ByteStream::from(mail.raw.clone()))
        .send()
        .await
        .map_err(|e| DeliverError::PutObject {
            bucket: bucket.to_owned(),
            key: key.clone(),
            reason: DisplayErrorContext(e).to_string(),
        })?;
    let event = s3_event(
        bucket,
        &key,
        mail.raw.len() as i64,
        put.e_tag().map(str::to_owned),
        Utc::now(),
    );
    let body = serde_json::to_string(&event).map_err(|e| DeliverError::Serialise(e.to_string()))?;
    sqs.send_message()
        .queue_url(queue_url)
        .message_body(body)
        .send()
        .await
        .map_err(|e| DeliverError::SendMessage {
            queue_url: queue_url.to_owned(),
            bucket: bucket.to_owned(),
            key: key.clone(),
            reason: aws_sdk_sqs::error::DisplayErrorContext(e).to_string(),
        })?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_encoded_as_s3_notifications_write_them() {
        assert_eq!(
            s3_key_encode("inbound/acme/01J0ABC"),
            "inbound/acme/01J0ABC"
        );
        assert_eq!(s3_key_encode("a b/ü+x"), "a+b/%C3%BC%2Bx");
    }

    #[test]
    fn the_event_has_the_shape_the_ingest_worker_reads() {
        let at = DateTime::parse_from_rfc3339("2026-11-01T10:00:00Z")
            .unwrap()
            .to_utc();
        let event = s3_event(
            "mail-bucket",
            "inbound/acme/01J0",
            1234,
            Some("\"abc\"".into()),
            at,
        );
        let json = serde_json::to_value(&event).unwrap();
        let record = &json["Records"][0];
        assert_eq!(record["eventSource"], "aws:s3");
        assert_eq!(record["eventName"], "ObjectCreated:Put");
        assert_eq!(record["s3"]["bucket"]["name"], "mail-bucket");
        assert_eq!(record["s3"]["object"]["key"], "inbound/acme/01J0");
        assert_eq!(record["s3"]["object"]["size"], 1234);
        assert_eq!(record["s3"]["object"]["eTag"], "abc");
        let back: S3Event = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
    }
}
