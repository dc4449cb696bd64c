//! The database: connection pool, migrations, and the queries of each
//! table in its own submodule. SQL is kept portable (`$1` placeholders,
//! BIGINT unix timestamps) so a PostgreSQL backend needs no rewrite.

pub mod bench_seed;
pub mod canned;
pub mod chat_messages;
mod codes;
pub mod conversations;
pub mod drafts;
pub mod feedback;
pub mod invitations;
pub mod live_settings;
pub mod organisations;
pub mod outbox;
pub mod queue;
pub mod reports;
pub mod sessions;
pub mod ticket_offers;
pub mod tickets;
pub mod users;
pub mod webhooks;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(
        "the database does not have the required settings (WAL, synchronous=FULL, foreign keys, busy timeout): {0}"
    )]
    Settings(String),
    #[error("cannot encode: {0}")]
    Encode(String),
    #[error("not found")]
    NotFound,
}

pub type Db = SqlitePool;

/// Opens (creating if needed) the SQLite database in WAL mode with foreign
/// keys on and a busy timeout, then applies pending migrations.
pub async fn open(path: &Path) -> Result<Db, StoreError> {
    let url = format!("sqlite://{}", path.display());
    let options = SqliteConnectOptions::from_str(&url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
    check_settings(&pool).await?;
    Ok(pool)
}

/// Refuses to run on a database whose durability settings are not the
/// ones asked for (e.g. a file system where WAL is unavailable).
async fn check_settings(pool: &Db) -> Result<(), StoreError> {
    let mut conn = pool.acquire().await?;
    let (journal,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await?;
    let (sync,): (i64,) = sqlx::query_as("PRAGMA synchronous")
        .fetch_one(&mut *conn)
        .await?;
    let (fk,): (i64,) = sqlx::query_as("PRAGMA foreign_keys")
        .fetch_one(&mut *conn)
        .await?;
    let (busy,): (i64,) = sqlx::query_as("PRAGMA busy_timeout")
        .fetch_one(&mut *conn)
        .await?;
    // synchronous: 2 is FULL.
    if !journal.eq_ignore_ascii_case("wal") || sync != 2 || fk != 1 || busy < 1000 {
        return Err(StoreError::Settings(format!(
            "journal_mode={journal}, synchronous={sync}, foreign_keys={fk}, busy_timeout={busy}"
        )));
    }
    Ok(())
}

/// Seconds since the Unix epoch, the portable timestamp of every table.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// One rule for chat and ticket offers: the offered operator says no (or
/// lets time pass), so the offer is withdrawn and the refusal remembered,
/// both or neither. `withdraw` and `record` take the offer's id as `$1`
/// and the operator's as `$2`; false if the offer was not theirs (then
/// nothing is recorded).
pub(crate) async fn decline_and_record(
    db: &Db,
    withdraw: &str,
    record: &str,
    offer_id: &str,
    operator_id: &str,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let n = sqlx::query(withdraw)
        .bind(offer_id)
        .bind(operator_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 1 {
        sqlx::query(record)
            .bind(offer_id)
            .bind(operator_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}
