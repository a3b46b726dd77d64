//! Amazon seller feedback: the tenant's feedback records with their removal assessment and the
//! compliant next step (`GET /v1/feedback`, `GET /v1/feedback/{id}`).

use axum::Json;
use axum::extract::{Path, State};
use marketdesk::domain::FeedbackRating;
use marketdesk::feedback::{Criterion, FeedbackRecord};
use marketdesk::store::FeedbackStore;
use serde::Deserialize;

use crate::extract::Query;
use crate::paging::{Listing, page_request};
use crate::{AppState, Authenticated, Problem};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FeedbackParams {
    /// Page size, 1 to 100 (default 25).
    #[serde(default)]
    limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[serde(default)]
    cursor: Option<String>,
    /// Only this rating: `negative` (1–2 stars), `neutral` (3) or `positive` (4–5).
    #[serde(default)]
    rating: Option<String>,
    /// Only feedback whose assessment meets this removal criterion: `obscene_language`,
    /// `seller_personal_info`, `product_review` or `fba_fulfilment`.
    #[serde(default)]
    criterion: Option<String>,
}

/// The tenant's Amazon seller feedback by order id, one record per order and day (from the
/// feedback report and the notice e-mails alike). `rating` and `criterion` filter the page
/// after it is read: a filtered page may hold fewer items than `limit` (follow `next_cursor`).
#[utoipa::path(
    get,
    path = "/v1/feedback",
    operation_id = "list_feedback",
    tag = "feedback",
    params(FeedbackParams),
    responses(
        (status = 200, description = "`items` (feedback records) and `next_cursor`",
            body = Listing<FeedbackRecord>),
        (status = 400, description = "Invalid parameter", body = Problem,
            content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list<S: FeedbackStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Query(params): Query<FeedbackParams>,
) -> Result<Json<Listing<FeedbackRecord>>, Problem> {
    let rating = params
        .rating
        .as_deref()
        .map(|r| match r {
            "negative" => Ok(FeedbackRating::Negative),
            "neutral" => Ok(FeedbackRating::Neutral),
            "positive" => Ok(FeedbackRating::Positive),
            other => Err(Problem::invalid(
                "rating",
                format!("'{other}' is not negative, neutral or positive"),
            )),
        })
        .transpose()?;
    let criterion = params
        .criterion
        .as_deref()
        .map(|c| {
            Criterion::parse(c).ok_or_else(|| {
                Problem::invalid("criterion", format!("'{c}' is not a removal criterion"))
            })
        })
        .transpose()?;
    let page = page_request(params.limit, params.cursor)?;
    let mut page = state.store.feedback_page(&caller.tenant, &page).await?;
    page.items.retain(|r| {
        rating.is_none_or(|want| r.rating == want)
            && criterion.is_none_or(|c| r.assessment.as_ref().is_some_and(|a| a.meets(c)))
    });
    Ok(Json(page.into()))
}

/// One feedback with its removal assessment: the criteria it appears to meet with their
/// evidence, the deadlines, the removal request text with the Seller Central link, and the one
/// suggested message to the buyer.
#[utoipa::path(
    get,
    path = "/v1/feedback/{id}",
    operation_id = "get_feedback",
    tag = "feedback",
    params(("id" = String, Path, description = "`{order}_{yyyymmdd}`, e.g. `171-1234567-1234567_20261103`")),
    responses(
        (status = 200, description = "The feedback record", body = FeedbackRecord),
        (status = 401, description = "No valid token", body = Problem,
            content_type = "application/problem+json"),
        (status = 404, description = "No such feedback for this tenant", body = Problem,
            content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_one<S: FeedbackStore>(
    State(state): State<AppState<S>>,
    Authenticated(caller): Authenticated,
    Path(id): Path<String>,
) -> Result<Json<FeedbackRecord>, Problem> {
    let not_found = || Problem::not_found(format!("no feedback {id}"));
    // Only ids of the key's shape reach the store.
    if id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == '_')
    {
        return Err(not_found());
    }
    state
        .store
        .feedback(&caller.tenant, &id)
        .await?
        .map(Json)
        .ok_or_else(not_found)
}
