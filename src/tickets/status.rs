//! The ticket workflow as an explicit state machine: which action may move
//! a ticket from which status, and who may take it. Everything that changes
//! a status goes through [`transition`], so a refused move cannot happen by
//! accident elsewhere.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not yet read by an operator.
    New,
    /// Read; will be handled.
    InAnalysis,
    /// An operator took it.
    Assigned,
    /// Waiting for the requester's answer.
    Feedback,
    /// Answered or fixed; the requester may still reopen it.
    Resolved,
    /// Archived, read-only.
    Closed,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::New,
        Status::InAnalysis,
        Status::Assigned,
        Status::Feedback,
        Status::Resolved,
        Status::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::InAnalysis => "in_analysis",
            Status::Assigned => "assigned",
            Status::Feedback => "feedback",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::New => "New",
            Status::InAnalysis => "In analysis",
            Status::Assigned => "Assigned",
            Status::Feedback => "Feedback",
            Status::Resolved => "Resolved",
            Status::Closed => "Closed",
        }
    }

    /// The status colour everyone in the product uses for it.
    pub fn colour(self) -> &'static str {
        match self {
            Status::New => "pink",
            Status::InAnalysis => "orange",
            Status::Assigned => "blue",
            Status::Feedback => "purple",
            Status::Resolved => "green",
            Status::Closed => "grey",
        }
    }

    /// Closed tickets are archived: no reply, field change or status move.
    pub fn is_read_only(self) -> bool {
        self == Status::Closed
    }
}

impl TryFrom<String> for Status {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Status::parse(&s).ok_or_else(|| format!("unknown status `{s}`"))
    }
}

/// Who takes an action on a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// The end user who opened the ticket (or a member of their
    /// organisation allowed to act on it).
    Requester,
    /// An operator or admin.
    Staff,
    /// The server itself (automatic closing).
    System,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// An operator has read the ticket.
    MarkRead,
    /// An operator takes (or is given) the ticket.
    Assign,
    /// An operator asks the requester for information.
    RequestFeedback,
    /// The requester answers a ticket waiting for them.
    RequesterReply,
    Resolve,
    /// The requester is not satisfied with the resolution.
    Reopen,
    Close,
    /// A resolved ticket's closing time has come.
    AutoClose,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Action::MarkRead,
        Action::Assign,
        Action::RequestFeedback,
        Action::RequesterReply,
        Action::Resolve,
        Action::Reopen,
        Action::Close,
        Action::AutoClose,
    ];
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("ticket is closed and can no longer be changed")]
    Closed,
    #[error("a ticket cannot go from {} with this action", .0.label())]
    NotAllowed(Status),
    #[error("only the support team can do this")]
    StaffOnly,
    #[error("only the requester can do this")]
    RequesterOnly,
    #[error("the ticket must be assigned to an operator first")]
    NeedsAssignee,
}

/// The status after `action` by `actor`, or why it is refused.
/// `assigned` says whether the ticket has an operator.
pub fn transition(
    from: Status,
    action: Action,
    actor: Actor,
    assigned: bool,
) -> Result<Status, TransitionError> {
    use Action as A;
    use Status as S;
    if from.is_read_only() {
        return Err(TransitionError::Closed);
    }
    // Operators' moves are refused to others whatever the status, so a
    // requester is told "not yours" rather than "not now".
    if matches!(
        action,
        A::MarkRead | A::Assign | A::RequestFeedback | A::Resolve
    ) && actor != Actor::Staff
    {
        return Err(TransitionError::StaffOnly);
    }
    let staff = || {
        if actor == Actor::Staff {
            Ok(())
        } else {
            Err(TransitionError::StaffOnly)
        }
    };
    match (action, from) {
        (A::MarkRead, S::New) => staff().map(|_| S::InAnalysis),
        (A::Assign, S::New | S::InAnalysis | S::Assigned | S::Feedback) => {
            staff().map(|_| S::Assigned)
        }
        (A::RequestFeedback, S::InAnalysis | S::Assigned) => {
            staff()?;
            if assigned {
                Ok(S::Feedback)
            } else {
                Err(TransitionError::NeedsAssignee)
            }
        }
        (A::RequesterReply, S::Feedback) => {
            if actor == Actor::Requester {
                Ok(S::Assigned)
            } else {
                Err(TransitionError::RequesterOnly)
            }
        }
        (A::Resolve, S::New | S::InAnalysis | S::Assigned | S::Feedback) => {
            staff().map(|_| S::Resolved)
        }
        (A::Reopen, S::Resolved) => match actor {
            Actor::System => Err(TransitionError::RequesterOnly),
            // Back to the operator who had it, or to the unread pile.
            _ if assigned => Ok(S::Assigned),
            _ => Ok(S::New),
        },
        // Staff may archive at any point (spam, duplicates); the requester
        // only once the ticket is resolved (accepting the resolution).
        (A::Close, S::Resolved) if actor != Actor::System => Ok(S::Closed),
        (A::Close, S::New | S::InAnalysis | S::Assigned | S::Feedback) => {
            staff().map(|_| S::Closed)
        }
        (A::AutoClose, S::Resolved) if actor == Actor::System => Ok(S::Closed),
        _ => Err(TransitionError::NotAllowed(from)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action as A;
    use Actor::*;
    use Status as S;

    /// Every allowed move, written out independently of `transition`:
    /// (from, action, actor, has assignee) → to.
    const ALLOWED: &[(Status, Action, Actor, bool, Status)] = &[
        (S::New, A::MarkRead, Staff, false, S::InAnalysis),
        (S::New, A::MarkRead, Staff, true, S::InAnalysis),
        (S::New, A::Assign, Staff, false, S::Assigned),
        (S::New, A::Assign, Staff, true, S::Assigned),
        (S::InAnalysis, A::Assign, Staff, false, S::Assigned),
        (S::InAnalysis, A::Assign, Staff, true, S::Assigned),
        (S::Assigned, A::Assign, Staff, false, S::Assigned),
        (S::Assigned, A::Assign, Staff, true, S::Assigned),
        (S::Feedback, A::Assign, Staff, false, S::Assigned),
        (S::Feedback, A::Assign, Staff, true, S::Assigned),
        (S::InAnalysis, A::RequestFeedback, Staff, true, S::Feedback),
        (S::Assigned, A::RequestFeedback, Staff, true, S::Feedback),
        (
            S::Feedback,
            A::RequesterReply,
            Requester,
            false,
            S::Assigned,
        ),
        (S::Feedback, A::RequesterReply, Requester, true, S::Assigned),
        (S::New, A::Resolve, Staff, false, S::Resolved),
        (S::New, A::Resolve, Staff, true, S::Resolved),
        (S::InAnalysis, A::Resolve, Staff, false, S::Resolved),
        (S::InAnalysis, A::Resolve, Staff, true, S::Resolved),
        (S::Assigned, A::Resolve, Staff, false, S::Resolved),
        (S::Assigned, A::Resolve, Staff, true, S::Resolved),
        (S::Feedback, A::Resolve, Staff, false, S::Resolved),
        (S::Feedback, A::Resolve, Staff, true, S::Resolved),
        (S::Resolved, A::Reopen, Requester, true, S::Assigned),
        (S::Resolved, A::Reopen, Requester, false, S::New),
        (S::Resolved, A::Reopen, Staff, true, S::Assigned),
        (S::Resolved, A::Reopen, Staff, false, S::New),
        (S::Resolved, A::Close, Requester, false, S::Closed),
        (S::Resolved, A::Close, Requester, true, S::Closed),
        (S::Resolved, A::Close, Staff, false, S::Closed),
        (S::Resolved, A::Close, Staff, true, S::Closed),
        (S::New, A::Close, Staff, false, S::Closed),
        (S::New, A::Close, Staff, true, S::Closed),
        (S::InAnalysis, A::Close, Staff, false, S::Closed),
        (S::InAnalysis, A::Close, Staff, true, S::Closed),
        (S::Assigned, A::Close, Staff, false, S::Closed),
        (S::Assigned, A::Close, Staff, true, S::Closed),
        (S::Feedback, A::Close, Staff, false, S::Closed),
        (S::Feedback, A::Close, Staff, true, S::Closed),
        (S::Resolved, A::AutoClose, System, false, S::Closed),
        (S::Resolved, A::AutoClose, System, true, S::Closed),
    ];

    #[test]
    fn every_combination_is_either_listed_as_allowed_or_refused() {
        // `find` takes the first row: a second row for the same move, with
        // another target, would silently be ignored.
        for (i, row) in ALLOWED.iter().enumerate() {
            assert!(
                !ALLOWED[..i]
                    .iter()
                    .any(|r| (r.0, r.1, r.2, r.3) == (row.0, row.1, row.2, row.3)),
                "{row:?} is listed twice"
            );
        }
        let mut allowed = 0;
        for from in Status::ALL {
            for action in Action::ALL {
                for actor in [Requester, Staff, System] {
                    for assigned in [false, true] {
                        let expected = ALLOWED
                            .iter()
                            .find(|(f, a, who, asg, _)| {
                                *f == from && *a == action && *who == actor && *asg == assigned
                            })
                            .map(|row| row.4);
                        let got = transition(from, action, actor, assigned);
                        match expected {
                            Some(to) => {
                                assert_eq!(
                                    got,
                                    Ok(to),
                                    "{from:?} --{action:?} by {actor:?} (assigned: {assigned})"
                                );
                                allowed += 1;
                            }
                            None => assert!(
                                got.is_err(),
                                "{from:?} --{action:?} by {actor:?} (assigned: {assigned}) should be refused, got {got:?}"
                            ),
                        }
                    }
                }
            }
        }
        // Every listed move was reached by the loops: none names a status or
        // an action missing from `ALL`, so none went untested.
        assert_eq!(allowed, ALLOWED.len());
    }

    #[test]
    fn closed_refuses_everything_with_the_closed_reason() {
        for action in Action::ALL {
            for actor in [Requester, Staff, System] {
                assert_eq!(
                    transition(S::Closed, action, actor, true),
                    Err(TransitionError::Closed)
                );
            }
        }
    }

    #[test]
    fn feedback_without_an_operator_says_why() {
        assert_eq!(
            transition(S::InAnalysis, A::RequestFeedback, Staff, false),
            Err(TransitionError::NeedsAssignee)
        );
        assert_eq!(
            transition(S::Assigned, A::Resolve, Requester, true),
            Err(TransitionError::StaffOnly)
        );
    }

    #[test]
    fn codes_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Status::parse("done"), None);
        assert_eq!(Status::New.colour(), "pink");
        assert_eq!(Status::Closed.colour(), "grey");
    }
}
