//! Creates the stack's table, queues and schedule group on the emulator from
//! `infra/template.yaml` itself, so the local table can never drift from the deployed one.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use aws_sdk_sqs::types::QueueAttributeName;
use serde::Deserialize;
use serde_yaml::Value;

/// The SAM template, embedded at build time.
pub const TEMPLATE: &str = include_str!("../../infra/template.yaml");

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("infra/template.yaml: {0}")]
    Invalid(String),
    #[error("creating {resource} on the emulator failed: {message}")]
    Create { resource: String, message: String },
}

fn invalid(msg: impl Into<String>) -> TemplateError {
    TemplateError::Invalid(msg.into())
}

/// The parts of the template the local stack creates.
#[derive(Debug, Clone)]
pub struct Resources {
    pub table: TableDefinition,
    /// Logical id → queue properties, in template order.
    pub queues: Vec<QueueDefinition>,
    pub schedule_group: bool,
    pub mail_bucket: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableDefinition {
    pub billing_mode: String,
    pub attribute_definitions: Vec<AttributeDef>,
    pub key_schema: Vec<KeyDef>,
    #[serde(default)]
    pub global_secondary_indexes: Vec<IndexDef>,
    pub time_to_live_specification: Option<TtlDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeDef {
    pub attribute_name: String,
    pub attribute_type: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyDef {
    pub attribute_name: String,
    pub key_type: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IndexDef {
    pub index_name: String,
    pub key_schema: Vec<KeyDef>,
    pub projection: ProjectionDef,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProjectionDef {
    pub projection_type: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TtlDef {
    pub attribute_name: String,
    pub enabled: bool,
}

#[derive(Debug, Clone)]
pub struct QueueDefinition {
    pub logical_id: String,
    pub visibility_timeout: Option<u32>,
    pub retention: Option<u32>,
    /// Logical id of the dead-letter queue and the receive count before redrive.
    pub redrive: Option<(String, u32)>,
}

/// What was created, by logical id.
#[derive(Debug, Clone)]
pub struct StackResources {
    pub table: String,
    pub queues: BTreeMap<String, Queue>,
    pub schedule_group: String,
    /// Where SES stores raw inbound mail.
    pub mail_bucket: String,
}

#[derive(Debug, Clone)]
pub struct Queue {
    pub url: String,
    pub arn: String,
}

impl StackResources {
    pub fn queue(&self, logical_id: &str) -> &Queue {
        &self.queues[logical_id]
    }
}

impl Resources {
    pub fn from_template() -> Result<Resources, TemplateError> {
        Self::parse(TEMPLATE)
    }

    pub fn parse(template: &str) -> Result<Resources, TemplateError> {
        let doc: Value = serde_yaml::from_str(template).map_err(|e| invalid(e.to_string()))?;
        let resources = doc
            .get("Resources")
            .and_then(Value::as_mapping)
            .ok_or_else(|| invalid("no Resources"))?;
        let of_type = |t: &'static str| {
            resources
                .iter()
                .filter(move |(_, r)| r.get("Type").and_then(Value::as_str) == Some(t))
                .map(|(id, r)| {
                    (
                        id.as_str().unwrap_or_default().to_string(),
                        r.get("Properties").cloned(),
                    )
                })
        };
        let mut tables = of_type("AWS::DynamoDB::Table");
        let (_, table) = tables
            .next()
            .ok_or_else(|| invalid("no AWS::DynamoDB::Table"))?;
        if tables.next().is_some() {
            return Err(invalid(
                "more than one table: marketdesk uses a single table",
            ));
        }
        let table: TableDefinition = serde_yaml::from_value(table.unwrap_or_default())
            .map_err(|e| invalid(format!("table properties: {e}")))?;

        let queues = of_type("AWS::SQS::Queue")
            .map(|(logical_id, props)| queue_definition(logical_id, props.unwrap_or_default()))
            .collect::<Result<Vec<_>, _>>()?;
        let schedule_group = of_type("AWS::Scheduler::ScheduleGroup").next().is_some();
        let mail_bucket = of_type("AWS::S3::Bucket").next().is_some();
        Ok(Resources {
            table,
            queues,
            schedule_group,
            mail_bucket,
        })
    }

    /// Creates every resource on the emulator with names starting with `prefix`.
    pub async fn create(
        &self,
        config: &aws_config::SdkConfig,
        prefix: &str,
    ) -> Result<StackResources, TemplateError> {
        let table = format!("{prefix}-table");
        self.create_table(&aws_sdk_dynamodb::Client::new(config), &table)
            .await?;
        let queues = self
            .create_queues(&aws_sdk_sqs::Client::new(config), prefix)
            .await?;
        let schedule_group = format!("{prefix}-schedules");
        if self.schedule_group {
            aws_sdk_scheduler::Client::new(config)
                .create_schedule_group()
                .name(&schedule_group)
                .send()
                .await
                .map_err(|e| create_error(&schedule_group, e))?;
        }
        let mail_bucket = format!("{prefix}-mail");
        if self.mail_bucket {
            marketdesk::adapters::aws::s3_client(config)
                .create_bucket()
                .bucket(&mail_bucket)
                .send()
                .await
                .map_err(|e| create_error(&mail_bucket, e))?;
        }
        Ok(StackResources {
            table,
            queues,
            schedule_group,
            mail_bucket,
        })
    }

    pub async fn create_table(
        &self,
        client: &aws_sdk_dynamodb::Client,
        name: &str,
    ) -> Result<(), TemplateError> {
        let def = &self.table;
        let mut request = client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::from(def.billing_mode.as_str()));
        for a in &def.attribute_definitions {
            request = request.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(&a.attribute_name)
                    .attribute_type(ScalarAttributeType::from(a.attribute_type.as_str()))
                    .build()
                    .map_err(|e| invalid(e.to_string()))?,
            );
        }
        for k in key_schema(&def.key_schema)? {
            request = request.key_schema(k);
        }
        for index in &def.global_secondary_indexes {
            request = request.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(&index.index_name)
                    .set_key_schema(Some(key_schema(&index.key_schema)?))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::from(
                                index.projection.projection_type.as_str(),
                            ))
                            .build(),
                    )
                    .build()
                    .map_err(|e| invalid(e.to_string()))?,
            );
        }
        request.send().await.map_err(|e| create_error(name, e))?;
        if let Some(ttl) = &def.time_to_live_specification {
            client
                .update_time_to_live()
                .table_name(name)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .attribute_name(&ttl.attribute_name)
                        .enabled(ttl.enabled)
                        .build()
                        .map_err(|e| invalid(e.to_string()))?,
                )
                .send()
                .await
                .map_err(|e| create_error(name, e))?;
        }
        Ok(())
    }

    async fn create_queues(
        &self,
        client: &aws_sdk_sqs::Client,
        prefix: &str,
    ) -> Result<BTreeMap<String, Queue>, TemplateError> {
        let mut created = BTreeMap::new();
        // Dead-letter queues first: the others name them in their redrive policy.
        let mut ordered: Vec<&QueueDefinition> = self.queues.iter().collect();
        ordered.sort_by_key(|q| q.redrive.is_some());
        for q in ordered {
            let name = format!("{prefix}-{}", q.logical_id);
            let mut request = client.create_queue().queue_name(&name);
            if let Some(v) = q.visibility_timeout {
                request = request.attributes(QueueAttributeName::VisibilityTimeout, v.to_string());
            }
            if let Some(v) = q.retention {
                request =
                    request.attributes(QueueAttributeName::MessageRetentionPeriod, v.to_string());
            }
            if let Some((dlq, max)) = &q.redrive {
                let dlq: &Queue = created.get(dlq).ok_or_else(|| {
                    invalid(format!("{}: unknown dead-letter queue {dlq}", q.logical_id))
                })?;
                let policy =
                    serde_json::json!({"deadLetterTargetArn": dlq.arn, "maxReceiveCount": max});
                request = request.attributes(QueueAttributeName::RedrivePolicy, policy.to_string());
            }
            let url = request
                .send()
                .await
                .map_err(|e| create_error(&name, e))?
                .queue_url
                .unwrap_or_default();
            let arn = client
                .get_queue_attributes()
                .queue_url(&url)
                .attribute_names(QueueAttributeName::QueueArn)
                .send()
                .await
                .map_err(|e| create_error(&name, e))?
                .attributes
                .and_then(|mut a| a.remove(&QueueAttributeName::QueueArn))
                .unwrap_or_default();
            created.insert(q.logical_id.clone(), Queue { url, arn });
        }
        Ok(created)
    }
}

fn key_schema(keys: &[KeyDef]) -> Result<Vec<KeySchemaElement>, TemplateError> {
    keys.iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(&k.attribute_name)
                .key_type(KeyType::from(k.key_type.as_str()))
                .build()
                .map_err(|e| invalid(e.to_string()))
        })
        .collect()
}

fn queue_definition(logical_id: String, props: Value) -> Result<QueueDefinition, TemplateError> {
    let number = |key: &str| props.get(key).and_then(Value::as_u64).map(|v| v as u32);
    let redrive = match props.get("RedrivePolicy") {
        None => None,
        Some(policy) => {
            // deadLetterTargetArn is `!GetAtt Dlq.Arn`: a tagged value naming the DLQ.
            let target = match policy.get("deadLetterTargetArn") {
                Some(Value::Tagged(tagged)) if tagged.tag == "!GetAtt" => tagged
                    .value
                    .as_str()
                    .and_then(|s| s.strip_suffix(".Arn"))
                    .map(str::to_string),
                _ => None,
            }
            .ok_or_else(|| {
                invalid(format!(
                    "{logical_id}: deadLetterTargetArn must be !GetAtt <Queue>.Arn"
                ))
            })?;
            let max = policy
                .get("maxReceiveCount")
                .and_then(Value::as_u64)
                .ok_or_else(|| invalid(format!("{logical_id}: maxReceiveCount missing")))?;
            Some((target, max as u32))
        }
    };
    Ok(QueueDefinition {
        visibility_timeout: number("VisibilityTimeout"),
        retention: number("MessageRetentionPeriod"),
        logical_id,
        redrive,
    })
}

fn create_error<E, R>(resource: &str, err: aws_sdk_dynamodb::error::SdkError<E, R>) -> TemplateError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    TemplateError::Create {
        resource: resource.to_string(),
        message: aws_sdk_dynamodb::error::DisplayErrorContext(&err).to_string(),
    }
}

/// The environment the template gives function `logical_id`: the `Globals` variables, then
/// the function's own. A `!Ref X` becomes `resolve("X")` (what CloudFormation would put there,
/// for the emulator's resources); other intrinsics and unresolved refs are left out.
pub fn function_environment(
    logical_id: &str,
    resolve: impl Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, String>, TemplateError> {
    let doc: Value = serde_yaml::from_str(TEMPLATE).map_err(|e| invalid(e.to_string()))?;
    let function = doc
        .get("Resources")
        .and_then(|r| r.get(logical_id))
        .ok_or_else(|| invalid(format!("no resource {logical_id}")))?;
    let sources = [
        doc.get("Globals").and_then(|g| g.get("Function")),
        function.get("Properties"),
    ];
    let mut env = BTreeMap::new();
    for source in sources.into_iter().flatten() {
        let Some(vars) = source
            .get("Environment")
            .and_then(|e| e.get("Variables"))
            .and_then(Value::as_mapping)
        else {
            continue;
        };
        for (name, value) in vars {
            let Some(name) = name.as_str() else { continue };
            let value = match value {
                Value::String(s) => Some(s.clone()),
                Value::Tagged(tagged) if tagged.tag == "!Ref" => {
                    tagged.value.as_str().and_then(&resolve)
                }
                _ => None,
            };
            if let Some(value) = value {
                env.insert(name.to_owned(), value);
            }
        }
    }
    Ok(env)
}

/// The `Resource`s of function `logical_id`'s policy statements allowing `action`, as
/// written (`!Ref X` as `Ref:X`, `!Sub s` as `s`).
pub fn function_policy_resources(
    logical_id: &str,
    action: &str,
) -> Result<Vec<String>, TemplateError> {
    let doc: Value = serde_yaml::from_str(TEMPLATE).map_err(|e| invalid(e.to_string()))?;
    let policies = doc
        .get("Resources")
        .and_then(|r| r.get(logical_id))
        .and_then(|f| f.get("Properties"))
        .and_then(|p| p.get("Policies"))
        .and_then(Value::as_sequence)
        .ok_or_else(|| invalid(format!("{logical_id} has no Policies")))?;
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Tagged(t) if t.tag == "!Ref" => t.value.as_str().map(|x| format!("Ref:{x}")),
        Value::Tagged(t) => t.value.as_str().map(str::to_owned),
        _ => None,
    };
    let mut found = Vec::new();
    for statement in policies
        .iter()
        .filter_map(|p| p.get("Statement").and_then(Value::as_sequence))
        .flatten()
    {
        let actions = statement.get("Action");
        let allows = match actions {
            Some(Value::String(a)) => a == action,
            Some(Value::Sequence(list)) => list.iter().any(|a| a.as_str() == Some(action)),
            _ => false,
        };
        if !allows || statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        match statement.get("Resource") {
            Some(Value::Sequence(list)) => found.extend(list.iter().filter_map(text)),
            Some(one) => found.extend(text(one)),
            None => {}
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use marketdesk::adapters::dynamo::keys;

    use super::*;

    #[test]
    fn template_declares_the_keys_and_indexes_the_adapter_uses() {
        let r = Resources::from_template().unwrap();
        let attrs: Vec<_> = r
            .table
            .attribute_definitions
            .iter()
            .map(|a| a.attribute_name.as_str())
            .collect();
        for key in [
            keys::PK,
            keys::SK,
            keys::GSI1PK,
            keys::GSI1SK,
            keys::GSI2PK,
            keys::GSI2SK,
        ] {
            assert!(attrs.contains(&key), "{key} missing from the template");
        }
        let indexes: Vec<_> = r
            .table
            .global_secondary_indexes
            .iter()
            .map(|i| i.index_name.as_str())
            .collect();
        assert_eq!(indexes, [keys::GSI1, keys::GSI2]);
        assert_eq!(
            r.table.time_to_live_specification.unwrap().attribute_name,
            "ttl"
        );
        assert_eq!(r.table.billing_mode, "PAY_PER_REQUEST");
    }

    #[test]
    fn every_work_queue_has_a_dead_letter_queue() {
        let r = Resources::from_template().unwrap();
        let ids: Vec<_> = r.queues.iter().map(|q| q.logical_id.as_str()).collect();
        for q in ["IngestQueue", "EscalationQueue", "OutboundQueue"] {
            let def = r.queues.iter().find(|d| d.logical_id == q).unwrap();
            let (dlq, max) = def.redrive.clone().unwrap();
            assert!(ids.contains(&dlq.as_str()));
            assert!(max >= 3, "{q} gives up after {max} receives");
        }
        assert!(r.schedule_group);
    }
}
