use super::AppState;
use axum::Router;
pub fn router(_l: usize) -> Router<AppState> {
    Router::new()
}
