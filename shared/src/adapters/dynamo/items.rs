//! Item envelopes: an entity plus its explicit key attributes.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::store::StoreError;

pub type Attributes = HashMap<String, AttributeValue>;

/// An entity with its keys. Index keys are omitted when `None` (sparse indexes).
#[derive(Debug, Serialize, Deserialize)]
pub struct Item<T> {
    #[serde(rename = "PK")]
    pub pk: String,
    #[serde(rename = "SK")]
    pub sk: String,
    #[serde(rename = "GSI1PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(rename = "GSI1SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
    #[serde(rename = "GSI2PK", default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(rename = "GSI2SK", default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    /// Expiry (epoch seconds) for the table's TTL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    #[serde(flatten)]
    pub data: T,
}

impl<T> Item<T> {
    pub fn new(pk: String, sk: impl Into<String>, data: T) -> Self {
        Item {
            pk,
            sk: sk.into(),
            gsi1pk: None,
            gsi1sk: None,
            gsi2pk: None,
            gsi2sk: None,
            ttl: None,
            data,
        }
    }
}

impl<T: Serialize> Item<T> {
    pub fn to_attributes(&self) -> Result<Attributes, StoreError> {
        serde_dynamo::to_item(self).map_err(|e| StoreError::Corrupt {
            key: format!("{}/{}", self.pk, self.sk),
            reason: e.to_string(),
        })
    }
}

/// Reads an entity out of an item, reporting the key (not the content) when it is corrupt.
pub fn from_attributes<T: DeserializeOwned>(attrs: Attributes) -> Result<T, StoreError> {
    let key = attrs
        .get("PK")
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default();
    let sk = attrs
        .get("SK")
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default();
    serde_dynamo::from_item::<_, Item<T>>(attrs)
        .map(|item| item.data)
        .map_err(|e| StoreError::Corrupt {
            key: format!("{key}/{sk}"),
            reason: e.to_string(),
        })
}

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}
