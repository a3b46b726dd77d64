//! Opaque pagination cursors: DynamoDB's LastEvaluatedKey, base64url-encoded. A cursor is only
//! accepted for the listing (partition) it was issued for, so a cursor can never be used to
//! read another tenant's items.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::keys::{GSI1PK, GSI1SK, GSI2PK, GSI2SK, PK, SK};
use crate::store::StoreError;

const KEY_ATTRIBUTES: [&str; 6] = [PK, SK, GSI1PK, GSI1SK, GSI2PK, GSI2SK];

/// Encodes a LastEvaluatedKey; `None` when the listing is exhausted.
pub fn encode(last: Option<&HashMap<String, AttributeValue>>) -> Option<String> {
    let last = last.filter(|m| !m.is_empty())?;
    let plain: BTreeMap<&str, &str> = last
        .iter()
        .filter_map(|(k, v)| v.as_s().ok().map(|s| (k.as_str(), s.as_str())))
        .collect();
    let json = serde_json::to_vec(&plain).ok()?;
    Some(URL_SAFE_NO_PAD.encode(json))
}

/// Decodes a cursor issued for the partition `partition_attr = partition_value`.
pub fn decode(
    cursor: &str,
    partition_attr: &str,
    partition_value: &str,
) -> Result<HashMap<String, AttributeValue>, StoreError> {
    let invalid = |why: &str| StoreError::InvalidCursor(why.to_string());
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| invalid("not base64url"))?;
    let plain: BTreeMap<String, String> =
        serde_json::from_slice(&bytes).map_err(|_| invalid("not a cursor"))?;
    if plain.keys().any(|k| !KEY_ATTRIBUTES.contains(&k.as_str())) {
        return Err(invalid("unknown key attribute"));
    }
    if plain.get(partition_attr).map(String::as_str) != Some(partition_value) {
        return Err(invalid("issued for another listing"));
    }
    Ok(plain
        .into_iter()
        .map(|(k, v)| (k, AttributeValue::S(v)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(pairs: &[(&str, &str)]) -> HashMap<String, AttributeValue> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), AttributeValue::S(v.to_string())))
            .collect()
    }

    #[test]
    fn cursor_round_trips_for_its_own_listing() {
        let last = key(&[
            (PK, "T#a#TKT#1"),
            (SK, "A#META"),
            (GSI1PK, "T#a#Q#open"),
            (GSI1SK, "x"),
        ]);
        let cursor = encode(Some(&last)).unwrap();
        assert_eq!(decode(&cursor, GSI1PK, "T#a#Q#open").unwrap(), last);
    }

    #[test]
    fn cursor_of_another_tenant_or_listing_is_rejected() {
        let last = key(&[
            (PK, "T#a#TKT#1"),
            (SK, "A#META"),
            (GSI1PK, "T#a#Q#open"),
            (GSI1SK, "x"),
        ]);
        let cursor = encode(Some(&last)).unwrap();
        assert!(matches!(
            decode(&cursor, GSI1PK, "T#b#Q#open"),
            Err(StoreError::InvalidCursor(_))
        ));
        assert!(decode(&cursor, GSI1PK, "T#a#Q#pending").is_err());
        assert!(decode("%%%", GSI1PK, "T#a#Q#open").is_err());
        let forged = URL_SAFE_NO_PAD.encode(br#"{"GSI1PK":"T#a#Q#open","Evil":"x"}"#);
        assert!(decode(&forged, GSI1PK, "T#a#Q#open").is_err());
    }

    #[test]
    fn exhausted_listing_has_no_cursor() {
        assert_eq!(encode(None), None);
        assert_eq!(encode(Some(&HashMap::new())), None);
    }
}
