//! Demo accounts for trying every role at once (`serve --demo`).

use crate::accounts::{Email, Role, password};
use crate::store::users::{self, NewUser};
use crate::store::{Db, StoreError};

pub const PASSWORD: &str = "demo-password";

pub const ACCOUNTS: [(&str, &str, Role); 3] = [
    ("admin@demo.test", "Ada Admin", Role::Admin),
    ("operator@demo.test", "Oscar Operator", Role::Operator),
    ("user@demo.test", "Uma User", Role::EndUser),
];

/// Creates the demo accounts that do not exist yet; returns all of them
/// with their roles, for the start-up message.
pub async fn ensure(db: &Db) -> Result<Vec<(&'static str, &'static str)>, StoreError> {
    let hash = password::hash(PASSWORD).map_err(|e| StoreError::Encode(e.to_string()))?;
    for (address, name, role) in ACCOUNTS {
        let email = Email::parse(address).map_err(|e| StoreError::Encode(e.to_string()))?;
        if users::by_email(db, &email).await?.is_none() {
            let mut conn = db.acquire().await?;
            users::create(
                &mut conn,
                &NewUser {
                    email: &email,
                    name,
                    role,
                    locale: "en",
                    password_hash: Some(&hash),
                    external_id: None,
                    organisation_id: None,
                },
            )
            .await?;
        }
    }
    Ok(ACCOUNTS.iter().map(|(e, _, r)| (*e, r.as_str())).collect())
}
