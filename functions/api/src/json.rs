//! Request bodies as JSON, strictly: a duplicate key is refused (two values for one field is
//! ambiguous, and parsers disagree on which wins), and a problem names the field at fault —
//! `body` only for what is not JSON at all.

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::Problem;

/// Most bytes a request body may have; a larger one is a 413 (see `app`).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

const DUPLICATE: &str = "duplicate key ";

/// The body as a JSON value with no duplicate key anywhere.
pub fn parse_value(body: &[u8]) -> Result<Value, Problem> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let parsed = serde_path_to_error::deserialize::<_, Strict>(&mut de);
    match parsed {
        Ok(Strict(value)) => {
            de.end()
                .map_err(|e| Problem::invalid("body", format!("not JSON: {e}")))?;
            Ok(value)
        }
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            let message = inner.to_string();
            if let Some(key) = duplicate_key(&message) {
                return Err(Problem::invalid(
                    &join(&path, &key),
                    format!("appears more than once in the object; send `{key}` once"),
                ));
            }
            Err(Problem::invalid("body", format!("not JSON: {inner}")))
        }
    }
}

/// The body as `T`, naming the field whose value is wrong (`reply.body`, `tags[2]`), missing
/// or unknown.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    let value = parse_value(body)?;
    from_value(value)
}

/// `value` as `T`, naming the field at fault as [`parse_json`] does.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, Problem> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let message = inner.to_string();
        let field = match quoted_after(&message, "missing field `")
            .or_else(|| quoted_after(&message, "unknown field `"))
        {
            Some(name) if !path.ends_with(&name) => join(&path, &name),
            _ if path == "." => "body".to_owned(),
            _ => path,
        };
        Problem::invalid(&field, format!("invalid: {message}"))
    })
}

fn join(path: &str, key: &str) -> String {
    if path == "." || path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn quoted_after(message: &str, prefix: &str) -> Option<String> {
    let rest = message.split_once(prefix)?.1;
    Some(rest.split_once('`')?.0.to_owned())
}

fn duplicate_key(message: &str) -> Option<String> {
    let rest = message.split_once(DUPLICATE)?.1;
    serde_json::Deserializer::from_str(rest)
        .into_iter::<String>()
        .next()?
        .ok()
}

/// A JSON value whose objects refuse a second occurrence of a key.
struct Strict(Value);

impl<'de> de::Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        let mut seen = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                let quoted = serde_json::to_string(&key).unwrap_or_default();
                return Err(de::Error::custom(format!("{DUPLICATE}{quoted}")));
            }
            let Strict(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Reply {
        body: String,
        tags: Vec<String>,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    fn field(body: &str) -> Option<String> {
        parse_json::<Reply>(body.as_bytes()).unwrap_err().field
    }

    #[test]
    fn a_problem_names_the_field_at_fault_not_the_body() {
        let cases = [
            (r#"{"body": 5, "tags": []}"#, "body"),
            (r#"{"body": "x", "tags": [1]}"#, "tags[0]"),
            (
                r#"{"body": "x", "tags": [], "inner": {"count": "many"}}"#,
                "inner.count",
            ),
            (r#"{"body": "x", "tags": [], "inner": {}}"#, "inner.count"),
            (r#"{"body": "x"}"#, "tags"),
            (r#"{"body": "x", "tags": [], "extra": 1}"#, "extra"),
        ];
        for (body, expected) in cases {
            assert_eq!(field(body).as_deref(), Some(expected), "{body}");
        }
    }

    #[test]
    fn duplicate_keys_are_refused_wherever_they_are() {
        assert_eq!(
            field(r#"{"body": "a", "body": "b", "tags": []}"#).as_deref(),
            Some("body")
        );
        assert_eq!(
            field(r#"{"body": "a", "tags": [], "inner": {"count": 1, "count": 2}}"#).as_deref(),
            Some("inner.count")
        );
        assert!(parse_value(br#"[{"a": 1}, {"a": 2}]"#).is_ok());
    }

    #[test]
    fn what_is_not_json_names_the_body() {
        for body in ["", "{", "nope", r#"{"a": 1} trailing"#] {
            let problem = parse_value(body.as_bytes()).unwrap_err();
            assert_eq!(problem.field.as_deref(), Some("body"), "{body}");
            assert_eq!(problem.status, 400);
        }
    }
}
