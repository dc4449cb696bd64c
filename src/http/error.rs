//! HTTP errors, converted to responses in one place: JSON `{error, message,
//! field?}` for the API and a friendly page for the help center. Server
//! faults are logged with their detail and shown without it.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::help::search::SearchError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest {
        code: &'static str,
        message: String,
        field: Option<&'static str>,
    },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Conflict(String),
    /// A 409 the client acts on, told apart by its code.
    #[error("{message}")]
    ConflictCode { code: &'static str, message: String },
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// The body of every API error (also the schema the API document gives
/// every 4xx and 5xx response).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable code, e.g. `not_found`, `invalid`, `bad_json`.
    pub error: &'static str,
    /// A sentence for the person.
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
}

impl ApiError {
    pub fn bad(
        code: &'static str,
        field: Option<&'static str>,
        message: impl Into<String>,
    ) -> Self {
        ApiError::BadRequest {
            code,
            message: message.into(),
            field,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, field, message) = match &self {
            ApiError::BadRequest {
                code,
                message,
                field,
            } => (StatusCode::BAD_REQUEST, *code, *field, message.clone()),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", None, m.clone()),
            ApiError::Unauthorized(m) => {
                (StatusCode::UNAUTHORIZED, "unauthorized", None, m.clone())
            }
            ApiError::Forbidden(m) => (StatusCode::FORBIDDEN, "forbidden", None, m.clone()),
            ApiError::Conflict(m) => (StatusCode::CONFLICT, "conflict", None, m.clone()),
            ApiError::ConflictCode { code, message } => {
                (StatusCode::CONFLICT, *code, None, message.clone())
            }
            ApiError::TooManyRequests { message, .. } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                None,
                message.clone(),
            ),
            ApiError::PayloadTooLarge(m) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                None,
                m.clone(),
            ),
            ApiError::UnsupportedMediaType(m) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                None,
                m.clone(),
            ),
            ApiError::Internal(detail) => {
                tracing::error!("internal error: {detail}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    None,
                    "Something went wrong on our side. Please try again.".to_string(),
                )
            }
        };
        let body = ErrorBody {
            error: code,
            message,
            field,
        };
        let mut res = (status, Json(body)).into_response();
        if let ApiError::TooManyRequests { retry_after, .. } = &self
            && let Ok(v) = axum::http::HeaderValue::from_str(&retry_after.to_string())
        {
            res.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        res
    }
}

impl From<crate::accounts::identity::IdentityError> for ApiError {
    fn from(e: crate::accounts::identity::IdentityError) -> Self {
        use crate::accounts::identity::IdentityError as I;
        match e {
            I::Malformed(m) => ApiError::bad("invalid_identity", None, m),
            I::NoSecret | I::BadSignature | I::Expired => ApiError::Forbidden(format!(
                "The identity could not be verified ({e}); continuing as an anonymous visitor."
            )),
        }
    }
}

impl From<crate::accounts::host_link::LinkError> for ApiError {
    fn from(e: crate::accounts::host_link::LinkError) -> Self {
        use crate::accounts::host_link::LinkError as L;
        match e {
            L::StaffEmail => ApiError::Forbidden(e.to_string()),
            L::Store(s) => s.into(),
        }
    }
}

impl From<crate::tickets::workflow::WorkflowError> for ApiError {
    fn from(e: crate::tickets::workflow::WorkflowError) -> Self {
        use crate::tickets::TransitionError as T;
        use crate::tickets::workflow::WorkflowError as W;
        match e {
            W::Transition(t @ (T::StaffOnly | T::RequesterOnly)) => {
                ApiError::Forbidden(t.to_string())
            }
            W::Transition(t) => ApiError::Conflict(format!("This change is not possible: {t}.")),
            W::Conflict => ApiError::Conflict(e.to_string()),
            W::Invalid { field, message } => ApiError::BadRequest {
                code: "invalid",
                message,
                field: Some(field),
            },
            W::Store(s) => s.into(),
        }
    }
}

impl From<crate::tickets::attachments::AttachmentError> for ApiError {
    fn from(e: crate::tickets::attachments::AttachmentError) -> Self {
        use crate::tickets::attachments::AttachmentError as A;
        match e {
            A::Io(io) => ApiError::Internal(format!("attachment storage: {io}")),
            A::TooLarge { .. } => ApiError::PayloadTooLarge(e.to_string()),
            other => ApiError::BadRequest {
                code: other.code(),
                message: other.to_string(),
                field: Some("files"),
            },
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::NotFound("not found".into()),
            // Two requests creating the same thing at once: the loser is told.
            StoreError::Sqlx(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                ApiError::Conflict(
                    "This already exists (perhaps created a moment ago); please reload.".into(),
                )
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<SearchError> for ApiError {
    fn from(e: SearchError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        ApiError::Internal(format!("background task failed: {e}"))
    }
}

/// An error shown as a help-center page.
#[derive(Debug)]
pub enum PageError {
    NotFound,
    BadRequest(String),
    Internal(String),
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match self {
            PageError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "We could not find this page. It may have moved: try searching the help center."
                    .to_string(),
            ),
            PageError::BadRequest(m) => (
                StatusCode::BAD_REQUEST,
                "Something is off with this request",
                m,
            ),
            PageError::Internal(detail) => {
                tracing::error!("internal error on a page: {detail}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "Something went wrong on our side. Please try again in a moment.".to_string(),
                )
            }
        };
        let html = super::templates::render(
            "error.html",
            minijinja::context! { title => title, message => message, lang => "en" },
        )
        .unwrap_or_else(|_| format!("<!doctype html><title>{title}</title><h1>{title}</h1>"));
        (status, Html(html)).into_response()
    }
}

impl From<SearchError> for PageError {
    fn from(e: SearchError) -> Self {
        PageError::Internal(e.to_string())
    }
}

impl From<tokio::task::JoinError> for PageError {
    fn from(e: tokio::task::JoinError) -> Self {
        PageError::Internal(e.to_string())
    }
}

impl From<crate::accounts::invite::InviteError> for ApiError {
    fn from(e: crate::accounts::invite::InviteError) -> Self {
        use crate::accounts::invite::InviteError as I;
        match e {
            I::Exists(_) => ApiError::Conflict(e.to_string()),
            I::Store(s) => s.into(),
        }
    }
}

/// A request's email field that is not an address (every email a request
/// carries is parsed with `Email::parse` before it goes further).
impl From<crate::accounts::email::EmailError> for ApiError {
    fn from(e: crate::accounts::email::EmailError) -> Self {
        ApiError::bad("invalid_email", Some("email"), e.to_string())
    }
}

impl From<crate::accounts::email_code::CodeError> for ApiError {
    fn from(e: crate::accounts::email_code::CodeError) -> Self {
        use crate::accounts::email_code::CodeError as C;
        match e {
            C::Store(s) => s.into(),
            C::Wrong => ApiError::bad("wrong_code", Some("code"), e.to_string()),
            C::Staff => ApiError::Forbidden(e.to_string()),
        }
    }
}

impl From<crate::live::requests::ChatError> for ApiError {
    fn from(e: crate::live::requests::ChatError) -> Self {
        use crate::live::requests::ChatError as C;
        match e {
            C::Store(s) => s.into(),
            C::Workflow(w) => w.into(),
            C::UnknownTeam(_) => ApiError::bad("unknown_team", Some("team"), e.to_string()),
            C::UnknownOperator(_) => {
                ApiError::bad("unknown_operator", Some("operator"), e.to_string())
            }
            C::NotYoursToEnd | C::NotYoursToTransfer => ApiError::Forbidden(e.to_string()),
            C::UserGone => ApiError::NotFound(e.to_string()),
            C::ChatOff | C::AtCapacity | C::Taken | C::NotOffered | C::NoLongerYours | C::Over => {
                ApiError::Conflict(e.to_string())
            }
        }
    }
}

impl From<crate::live::presence::PresenceError> for ApiError {
    fn from(e: crate::live::presence::PresenceError) -> Self {
        use crate::live::presence::PresenceError as P;
        match e {
            P::Store(s) => s.into(),
            P::Capacity => ApiError::bad("invalid", Some("capacity"), e.to_string()),
        }
    }
}

impl From<crate::live::settings::SettingsError> for ApiError {
    fn from(e: crate::live::settings::SettingsError) -> Self {
        use crate::live::settings::SettingsError as S;
        match e {
            S::Store(s) => s.into(),
            S::OutOfRange { field, .. } => ApiError::bad("invalid", Some(field), e.to_string()),
        }
    }
}

impl From<crate::live::invitations::InvitationError> for ApiError {
    fn from(e: crate::live::invitations::InvitationError) -> Self {
        use crate::live::invitations::InvitationError as I;
        match e {
            I::Store(s) => s.into(),
            I::OwnTicket => ApiError::bad("own_ticket", None, e.to_string()),
            I::ChatOff | I::AlreadyPending(_) | I::Over => ApiError::Conflict(e.to_string()),
        }
    }
}

impl From<crate::tickets::workflow::TakeError> for ApiError {
    fn from(e: crate::tickets::workflow::TakeError) -> Self {
        use crate::tickets::workflow::TakeError as T;
        match e {
            T::Workflow(w) => w.into(),
            T::OfferedToOther | T::Taken => ApiError::Conflict(e.to_string()),
        }
    }
}

// Extractor rejections become JSON errors like every other (axum's own are
// plain text), so a malformed query, path or form gets the documented body.
impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(e: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::bad(
            "invalid_query",
            None,
            format!("The query string is not valid: {}", e.body_text()),
        )
    }
}

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(e: axum::extract::rejection::PathRejection) -> Self {
        use axum::extract::rejection::PathRejection as P;
        match e {
            // A segment that is not even text (`%FF`) names nothing here.
            P::FailedToDeserializePathParams(d) => {
                ApiError::NotFound(format!("Nothing is at this address: {}", d.body_text()))
            }
            other => ApiError::Internal(format!("path parameters: {}", other.body_text())),
        }
    }
}

/// `Path`, rejecting with the JSON error (404) rather than axum's text.
pub struct ApiPath<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiPath<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        let axum::extract::Path(t) = axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map_err(ApiError::from)?;
        Ok(ApiPath(t))
    }
}

impl From<axum::extract::multipart::MultipartRejection> for ApiError {
    fn from(e: axum::extract::multipart::MultipartRejection) -> Self {
        ApiError::UnsupportedMediaType(format!(
            "Send the form as multipart/form-data: {}",
            e.body_text()
        ))
    }
}
