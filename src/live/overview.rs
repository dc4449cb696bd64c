//! What waits for the operators, as one of them may see it: chat requests
//! not yet taken and tickets without an operator (or past their response
//! target), for the console's queue.

use crate::store::queue::{self, ChatRequest};
use crate::store::tickets::{self as ticket_store, Filter, Scope, Sort, Ticket};
use crate::store::users::{self, User};
use crate::store::{Db, StoreError, ticket_offers};
use crate::tickets::Status;

/// A chat request not yet taken, as the queue shows it.
#[derive(Debug, Clone)]
pub struct WaitingChat {
    pub request: ChatRequest,
    /// The asking user's name.
    pub user: String,
    pub offered_to_me: bool,
}

/// A ticket the queue shows: unassigned, or past its response target.
#[derive(Debug, Clone)]
pub struct WaitingTicket {
    pub ticket: Ticket,
    pub assignee: Option<String>,
    /// No operator answer and the response target has passed.
    pub overdue: bool,
    pub offered_to_me: bool,
}

/// What waits for the operators, as `viewer` may see it.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    pub chats: Vec<WaitingChat>,
    /// Most urgent response first.
    pub tickets: Vec<WaitingTicket>,
}

/// Chat requests not yet taken (a team's only for its members) and the
/// tickets that wait for someone: unassigned, or assigned and past their
/// response target without an answer.
pub async fn waiting(db: &Db, viewer: &User, now: i64) -> Result<Overview, StoreError> {
    let mut out = Overview::default();
    for request in queue::open_requests(db).await? {
        if !crate::live::chats::may_follow(db, viewer, &request).await? {
            continue;
        }
        let user = users::name_of(db, &request.user_id)
            .await?
            .unwrap_or_default();
        out.chats.push(WaitingChat {
            offered_to_me: request.offered_to.as_deref() == Some(viewer.id.as_str()),
            request,
            user,
        });
    }
    let open = ticket_store::list(
        db,
        &Scope::Everything,
        &Filter {
            statuses: vec![Status::New, Status::InAnalysis, Status::Assigned],
            sort: Sort::DueAsc,
            limit: 500,
            ..Filter::default()
        },
    )
    .await?;
    for ticket in open {
        let overdue = ticket.first_response_at.is_none() && ticket.response_due_at < now;
        if ticket.assignee_id.is_some() && !overdue {
            continue;
        }
        let assignee = match &ticket.assignee_id {
            Some(a) => users::name_of(db, a).await?,
            None => None,
        };
        let offered_to_me = ticket_offers::offered_to(db, &ticket.id)
            .await?
            .is_some_and(|o| o == viewer.id);
        out.tickets.push(WaitingTicket {
            ticket,
            assignee,
            overdue,
            offered_to_me,
        });
    }
    Ok(out)
}
