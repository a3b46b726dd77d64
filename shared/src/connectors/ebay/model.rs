//! eBay's REST models: the Commerce Message API v1 here, [`fulfillment`] and [`feedback`] in
//! their modules; `Error` is shared.
//!
//! The Commerce Message API v1 (`specs/ebay/commerce_message_v1_oas3.json`) with the model's
//! field names. Note the model's own inconsistency: `senderUsername` in message details but
//! `senderUserName` in the answer to `sendMessage`.

use serde::{Deserialize, Serialize};

pub mod feedback;
pub mod fulfillment;

/// `GetAllMyConversationsResponse`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetAllMyConversationsResponse {
    #[serde(default)]
    pub conversations: Vec<ConversationDetail>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u32>,
}

/// `ConversationDetail`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationDetail {
    #[serde(default)]
    pub conversation_id: String,
    /// `ACTIVE`, `ARCHIVE`, `DELETE`, `READ`, `UNREAD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_title: Option<String>,
    /// `FROM_EBAY` or `FROM_MEMBERS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_message: Option<MessageDetail>,
    /// The listing's item id when `referenceType` is `LISTING`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread_count: Option<u32>,
}

/// `GetMessagesByConversationIdResponse`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetMessagesByConversationIdResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default)]
    pub messages: Vec<MessageDetail>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u32>,
}

/// `MessageDetail`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageDetail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_body: Option<String>,
    #[serde(default)]
    pub message_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub message_media: Vec<MessageMedia>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_status: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

/// `MessageMedia`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageMedia {
    pub media_name: String,
    /// `IMAGE`, `PDF`, `DOC` or `TXT`.
    pub media_type: String,
    /// An HTTPS URL of self-hosted media.
    pub media_url: String,
}

/// `Reference`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reference {
    pub reference_id: String,
    /// Only `LISTING` exists.
    pub reference_type: String,
}

/// `SendMessageRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_copy_to_sender: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub message_media: Vec<MessageMedia>,
    pub message_text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_party_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Reference>,
}

/// `SendMessageResponse`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendMessageResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_body: Option<String>,
    #[serde(default)]
    pub message_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub message_media: Vec<MessageMedia>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_status: Option<bool>,
    #[serde(
        default,
        rename = "recipientUserName",
        skip_serializing_if = "Option::is_none"
    )]
    pub recipient_user_name: Option<String>,
    #[serde(
        default,
        rename = "senderUserName",
        skip_serializing_if = "Option::is_none"
    )]
    pub sender_user_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
}

/// eBay's error body: `{"errors": [Error]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorResponse {
    #[serde(default)]
    pub errors: Vec<Error>,
}

/// `Error`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Error {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}
