//! What unit tests of the desk's timed rules share: a temporary database
//! with one operator and one end user, and a `Desk` over it.

use std::sync::Arc;

use crate::accounts::Role;
use crate::store::users::{self, NewUser};
use crate::tickets::workflow::{Desk, TicketInput};
use crate::tickets::{Priority, Source, TicketKind};

/// A desk, the operator's id and the user's id (keep the directory alive).
pub async fn setup() -> (tempfile::TempDir, Desk, String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = crate::store::open(&dir.path().join("t.db"))
        .await
        .expect("db");
    let mut conn = db.acquire().await.expect("conn");
    let op = users::create(
        &mut conn,
        &NewUser {
            role: Role::Operator,
            ..NewUser::end_user(&email("op@x.com"), "Olga", None)
        },
    )
    .await
    .expect("op");
    let user = users::create(
        &mut conn,
        &NewUser::end_user(&email("u@x.com"), "Ugo", None),
    )
    .await
    .expect("user");
    drop(conn);
    let desk = Desk {
        db,
        public_url: "http://localhost".into(),
        targets: Default::default(),
        auto_close: crate::tickets::AutoClose::EndOfMonth,
        mail_wakeup: Arc::new(tokio::sync::Notify::new()),
    };
    (dir, desk, op.id, user.id)
}

/// A test's address, known to be valid.
pub fn email(address: &str) -> crate::accounts::Email {
    crate::accounts::Email::parse(address).expect("a valid test address")
}

/// Another operator.
pub async fn operator(desk: &Desk, address: &str, name: &str) -> String {
    let mut conn = desk.db.acquire().await.expect("conn");
    users::create(
        &mut conn,
        &NewUser {
            role: Role::Operator,
            ..NewUser::end_user(&email(address), name, None)
        },
    )
    .await
    .expect("operator")
    .id
}

/// A ticket opened by `user_id` now.
pub async fn ticket(desk: &Desk, user_id: &str) -> crate::store::tickets::Ticket {
    let user = users::by_id(&desk.db, user_id)
        .await
        .expect("get")
        .expect("user");
    desk.open_ticket(
        &user,
        &TicketInput {
            kind: TicketKind::BugReport,
            priority: Priority::Normal,
            summary: "It broke".into(),
            description: "Details".into(),
            category: None,
            reproducibility: None,
            impact: None,
            steps: None,
            additional_info: None,
            conversation_id: None,
            page_url: None,
            source: Source::Portal,
        },
        &[],
    )
    .await
    .expect("ticket")
}

/// The ticket assigned to `operator_id`, the way an operator does it.
pub async fn assign(
    desk: &Desk,
    t: &crate::store::tickets::Ticket,
    operator_id: &str,
) -> crate::store::tickets::Ticket {
    let op = users::by_id(&desk.db, operator_id)
        .await
        .expect("get")
        .expect("operator");
    desk.change_status(
        t,
        &op,
        crate::tickets::workflow::actor_for(&op),
        crate::tickets::Status::Assigned,
        Some(&op),
    )
    .await
    .expect("assign")
}
