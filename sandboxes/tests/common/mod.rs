//! Test support: JSON Schemas built from the official API models in `../shared/specs/`.
#![allow(dead_code)] // each test binary uses a part of it

use serde_json::{Value, json};

/// The official model files (`shared/specs/` beside the repository), read at test time:
/// `MARKETDESK_SPECS` if set, else the nearest `shared/specs` above this crate, so a git
/// worktree deeper in the tree finds them too.
pub fn specs_dir() -> std::path::PathBuf {
    if let Some(dir) = std::env::var_os("MARKETDESK_SPECS") {
        return dir.into();
    }
    let crate_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    crate_dir
        .ancestors()
        .map(|dir| dir.join("shared/specs"))
        .find(|dir| dir.join("ebay").is_dir())
        .unwrap_or_else(|| panic!("no shared/specs above {}", crate_dir.display()))
}

fn read_spec(file: &str) -> Value {
    let file = specs_dir().join(file);
    let path = file.display();
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

/// Forbids properties the model does not declare, so a misspelt field fails validation instead
/// of passing unnoticed (the models leave `additionalProperties` open).
fn strict(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if object.contains_key("properties") && !object.contains_key("additionalProperties") {
        object.insert("additionalProperties".into(), Value::Bool(false));
    }
    if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
        properties.values_mut().for_each(strict);
    }
    for key in ["items", "additionalProperties"] {
        if let Some(inner) = object.get_mut(key) {
            strict(inner);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = object.get_mut(key).and_then(Value::as_array_mut) {
            list.iter_mut().for_each(strict);
        }
    }
}

/// A validator for one schema of a model, its `$ref`s resolved from the same file.
pub struct Model {
    validator: jsonschema::Validator,
    name: String,
}

impl Model {
    /// `definition` of a Swagger 2.0 file (`#/definitions/…`), e.g. Amazon's models.
    pub fn swagger(file: &str, definition: &str) -> Self {
        let spec = read_spec(file);
        let mut definitions = spec["definitions"].clone();
        definitions
            .as_object_mut()
            .expect("definitions")
            .values_mut()
            .for_each(strict);
        assert!(
            definitions.get(definition).is_some(),
            "{file} has no definition {definition}"
        );
        let schema =
            json!({"$ref": format!("#/definitions/{definition}"), "definitions": definitions});
        Self::build(schema, format!("{file}#{definition}"))
    }

    /// `component` of an OpenAPI 3 file (`#/components/schemas/…`), e.g. eBay's models.
    pub fn openapi(file: &str, component: &str) -> Self {
        let spec = read_spec(file);
        let mut schemas = spec["components"]["schemas"].clone();
        schemas
            .as_object_mut()
            .expect("components.schemas")
            .values_mut()
            .for_each(strict);
        assert!(
            schemas.get(component).is_some(),
            "{file} has no schema {component}"
        );
        let schema = json!({
            "$ref": format!("#/components/schemas/{component}"),
            "components": {"schemas": schemas},
        });
        Self::build(schema, format!("{file}#{component}"))
    }

    /// A file that is itself one JSON Schema, e.g. Amazon's notification models.
    pub fn schema(file: &str) -> Self {
        let mut schema = read_spec(file);
        strict(&mut schema);
        Self::build(schema, file.to_owned())
    }

    /// The `examples` a schema file gives for its root.
    pub fn schema_examples(file: &str) -> Vec<Value> {
        read_spec(file)["examples"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn build(schema: Value, name: String) -> Self {
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft7)
            .should_validate_formats(true)
            .build(&schema)
            .unwrap_or_else(|e| panic!("schema {name}: {e}"));
        Self { validator, name }
    }

    /// Panics with every violation if `instance` does not match the model.
    pub fn assert_valid(&self, instance: &Value) {
        let errors: Vec<String> = self
            .validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "not a valid {}:\n{}\n{instance:#}",
            self.name,
            errors.join("\n")
        );
    }

    pub fn is_valid(&self, instance: &Value) -> bool {
        self.validator.is_valid(instance)
    }
}

/// The example bodies the model itself gives for `operation_path`/`method`/`status`.
pub fn swagger_examples(file: &str, path: &str, method: &str, status: &str) -> Vec<Value> {
    let spec = read_spec(file);
    spec["paths"][path][method]["responses"][status]["examples"]
        .as_object()
        .map(|e| e.values().cloned().collect())
        .unwrap_or_default()
}
