//! `GET /v1/templates`: the starter set of reply templates, read-only (tenant templates need
//! storage, which does not exist yet).

use axum::Json;
use marketdesk::templates::{Template, starter_set};
use serde::Serialize;
use utoipa::ToSchema;

use crate::Authenticated;

#[derive(Debug, Serialize)]
pub struct TemplateList {
    items: &'static [Template],
}

/// The template list (documentation of [`TemplateList`]).
#[derive(Debug, ToSchema)]
#[schema(as = TemplateList)]
#[allow(dead_code)]
pub struct TemplateListSchema {
    items: Vec<TemplateSchema>,
}

/// A reply template; placeholders are written `[ORDER_ID]`, `[TRACKING]`, `[CARRIER]`,
/// `[TRACKING_URL]`, `[DELIVERY_DATE]`, `[SHIPMENT_STATUS]`, `[AMOUNT]`, `[PRODUCT_NAME]`,
/// `[BUYER_NAME]`, `[SELLER_NAME]`, `[ORDER_DATE]`, `[QUANTITY]`, `[LAST_UPDATE]`,
/// `[LAST_LOCATION]`.
#[derive(Debug, ToSchema)]
#[schema(as = Template)]
#[allow(dead_code)]
pub struct TemplateSchema {
    #[schema(example = "wismo_live")]
    id: String,
    #[schema(example = "Where is my order (live tracking)")]
    name: String,
    /// The buyer intent it answers (`where_is_my_order`, `return`, `refund`…).
    #[schema(example = "where_is_my_order")]
    intent: Option<String>,
    variants: Vec<VariantSchema>,
}

/// One wording: for one channel (or every channel when absent) in one language.
#[derive(Debug, ToSchema)]
#[schema(as = TemplateVariant)]
#[allow(dead_code)]
pub struct VariantSchema {
    /// `amazon`, `ebay`, `shopify` or `email`; absent for every channel without its own wording.
    #[schema(example = "ebay")]
    channel: Option<String>,
    #[schema(example = "it")]
    language: String,
    body: String,
}

/// The starter reply templates, every variant, as shipped.
#[utoipa::path(
    get,
    path = "/v1/templates",
    tag = "templates",
    responses(
        (status = 200, description = "The starter set", body = TemplateListSchema),
        (status = 401, description = "No valid token", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list(Authenticated(_caller): Authenticated) -> Json<TemplateList> {
    Json(TemplateList {
        items: starter_set(),
    })
}
