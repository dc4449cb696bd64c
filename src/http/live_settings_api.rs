//! The admins' live-chat settings over JSON (checked in `live::settings`).

use axum::Json;
use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::session_api::{JsonBody, json_body};
use crate::store::live_settings;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(read_settings, write_settings))
}

/// The live-chat settings (admins).
#[utoipa::path(get, path = "/api/admin/live-settings", tag = "operators",
    responses((status = 200, body = live_settings::LiveSettings), (status = 401), (status = 403)))]
pub async fn read_settings(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<live_settings::LiveSettings>, ApiError> {
    caller.require_admin()?;
    Ok(Json(live_settings::get(&state.db).await?))
}

/// Changes the live-chat settings (admins); every value is checked.
#[utoipa::path(put, path = "/api/admin/live-settings", tag = "operators", request_body = live_settings::LiveSettings,
    responses((status = 200, body = live_settings::LiveSettings), (status = 400), (status = 401), (status = 403)))]
pub async fn write_settings(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody<live_settings::LiveSettings>,
) -> Result<Json<live_settings::LiveSettings>, ApiError> {
    caller.require_admin()?;
    let s = json_body(body)?;
    crate::live::settings::save(&state.db, &s).await?;
    Ok(Json(s))
}
