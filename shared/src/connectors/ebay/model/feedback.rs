//! The Feedback API v1 beta (`specs/ebay/commerce_feedback_v1_beta_oas3.json`): the parts of
//! `getFeedback` the helpdesk reads, with the model's field names.

use serde::{Deserialize, Serialize};

/// `GetFeedbackResponse`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetFeedbackResponse {
    #[serde(default)]
    pub feedback_entries: Vec<FeedbackDetail>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Pagination>,
}

/// `Pagination`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
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

/// `FeedbackDetail`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedbackDetail {
    #[serde(default)]
    pub feedback_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated_feedback: Option<bool>,
    /// `POSITIVE`, `NEUTRAL` or `NEGATIVE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback_comment: Option<Comment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback_entered_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_line_item_summary: Option<OrderLineItemSummary>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_user_detail: Option<ProviderUserDetail>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_comment: Option<Comment>,
}

/// `Comment`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Comment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// `OrderLineItemSummary`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLineItemSummary {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_line_item_id: Option<String>,
}

/// `ProviderUserDetail`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderUserDetail {
    /// `BUYER` or `SELLER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The eBay user name of who left the feedback (an immutable id for some US users).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}
