//! The admins' webhooks page (`/console/webhooks`): endpoints with their
//! delivery log, "send test event", remove, and the form to add one (its
//! secret shown once). Plain forms: works without JavaScript.

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use minijinja::context;
use serde::Deserialize;

use super::super::AppState;
use super::super::auth::Caller;
use super::super::error::ApiError;
use super::{NoticeQuery, PortalError, PortalResult, check_csrf, page};
use crate::store::now;
use crate::tickets::timing::format_utc as fmt_time;
use crate::webhooks::endpoints::{self, Created, DeliveryState};
use crate::webhooks::events::EventKind;

const HERE: &str = "/console/webhooks";

fn admin(caller: &Caller) -> Result<&crate::store::users::User, PortalError> {
    super::admin::admin_at(caller, HERE, "Webhooks are for admins.")
}

fn label(k: EventKind) -> &'static str {
    match k {
        EventKind::TicketCreated => "a ticket is opened",
        EventKind::TicketStatusChanged => "a ticket changes status",
        EventKind::TicketReplied => "a public reply on a ticket",
        EventKind::ChatRequested => "a user asks for a person",
        EventKind::ChatStarted => "an operator takes a chat",
        EventKind::ChatEnded => "a chat ends",
        EventKind::BotEscalated => "the bot hands a question over",
        EventKind::FeedbackCreated => "a vote or a chat rating",
        EventKind::Test => "a test",
    }
}

/// What the page shows besides the endpoints.
#[derive(Default)]
struct Extra {
    notice: Option<&'static str>,
    error: Option<String>,
    created: Option<Created>,
    url: String,
    checked: Vec<String>,
}

async fn render(state: &AppState, caller: &Caller, extra: Extra) -> PortalResult {
    let mut hooks = Vec::new();
    for h in endpoints::list(&state.db).await.map_err(ApiError::from)? {
        let deliveries: Vec<_> = endpoints::deliveries(&state.db, &h.id)
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .take(10)
            .map(|d| {
                let next = match d.state {
                    DeliveryState::Pending { next_attempt_at } if d.attempts > 0 => {
                        Some(fmt_time(next_attempt_at))
                    }
                    _ => None,
                };
                context! {
                    event => d.event, state => d.state.as_str(), attempts => d.attempts,
                    status => d.last_status, error => d.last_error, response => d.last_response,
                    created => fmt_time(d.created_at), next => next,
                }
            })
            .collect();
        hooks.push(context! {
            id => h.id, url => h.url,
            events => h.events.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            created => fmt_time(h.created_at), deliveries => deliveries,
        });
    }
    let events: Vec<_> = EventKind::SUBSCRIBABLE
        .iter()
        .map(|k| {
            context! {
                name => k.as_str(), label => label(*k),
                checked => extra.checked.iter().any(|c| c == k.as_str()),
            }
        })
        .collect();
    let failed = extra.error.is_some();
    let (secret, secret_url) = match extra.created {
        Some(c) => (Some(c.secret), Some(c.endpoint.url)),
        None => (None, None),
    };
    let mut res = page(
        caller,
        "portal/webhooks.html",
        "webhooks",
        context! {
            title => "Webhooks", hooks => hooks, events => events, url => extra.url,
            notice => extra.notice, error => extra.error, secret => secret, secret_url => secret_url,
        },
    )
    .await?;
    if failed {
        *res.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(res)
}

pub(super) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<NoticeQuery>,
) -> PortalResult {
    admin(&caller)?;
    let notice = match q.notice.as_deref() {
        Some("tested") => Some("Test event queued: it shows in the deliveries below in a moment."),
        Some("removed") => Some("Endpoint removed."),
        _ => None,
    };
    render(
        &state,
        &caller,
        Extra {
            notice,
            ..Extra::default()
        },
    )
    .await
}

/// The add form: `csrf`, `url`, and one `event` per ticked box.
pub(super) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PortalResult {
    let me = admin(&caller)?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    check_csrf(&caller, get("csrf")).await?;
    let url = get("url").unwrap_or_default().to_string();
    let checked: Vec<String> = pairs
        .iter()
        .filter(|(n, _)| n == "event")
        .map(|(_, v)| v.clone())
        .collect();
    match endpoints::create(&state.db, state.webhooks, &url, &checked, &me.id, now()).await {
        Ok(created) => {
            render(
                &state,
                &caller,
                Extra {
                    created: Some(created),
                    ..Extra::default()
                },
            )
            .await
        }
        Err(e @ endpoints::WebhookError::Store(_)) => Err(ApiError::from(e).into()),
        Err(e) => {
            render(
                &state,
                &caller,
                Extra {
                    error: Some(e.to_string()),
                    url,
                    checked,
                    ..Extra::default()
                },
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub(super) struct CsrfForm {
    csrf: String,
}

pub(super) async fn send_test(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> PortalResult {
    admin(&caller)?;
    check_csrf(&caller, Some(&f.csrf)).await?;
    endpoints::send_test(&state.db, &id, now())
        .await
        .map_err(ApiError::from)?;
    Ok(Redirect::to(&format!("{HERE}?notice=tested")).into_response())
}

pub(super) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> PortalResult {
    admin(&caller)?;
    check_csrf(&caller, Some(&f.csrf)).await?;
    endpoints::delete(&state.db, &id)
        .await
        .map_err(ApiError::from)?;
    Ok(Redirect::to(&format!("{HERE}?notice=removed")).into_response())
}
