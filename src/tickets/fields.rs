//! The closed vocabularies of a ticket's fields: each a code stored in the
//! database and sent over the API, and an English label for pages.

use serde::{Deserialize, Serialize};

/// Declares a field enum with its codes (`as_str`/`parse`), labels and the
/// list of all values, so forms, validation and storage share one source.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }

            /// The codes, comma-separated, for error messages.
            pub fn codes() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                Self::parse(&s).ok_or_else(|| format!("unknown {} `{s}`", stringify!($name)))
            }
        }
    };
}

code_enum!(
    /// What the ticket is about; the bot suggests one when it escalates.
    TicketKind {
        BugReport = "bug_report", "Bug report";
        FeatureRequest = "feature_request", "Feature request";
        SettingsHelp = "settings_help", "Settings help";
    }
);

code_enum!(Priority {
    Low = "low", "Low";
    Normal = "normal", "Normal";
    High = "high", "High";
    Urgent = "urgent", "Urgent";
});

code_enum!(Reproducibility {
    Always = "always", "Always";
    Sometimes = "sometimes", "Sometimes";
    Once = "once", "Once";
    NotTried = "not_tried", "Not tried";
});

code_enum!(Impact {
    OneUser = "one_user", "One user";
    SeveralUsers = "several_users", "Several users";
    Everyone = "everyone", "Everyone";
    Cosmetic = "cosmetic", "Cosmetic";
});

code_enum!(
    /// Where a ticket was opened.
    Source {
        Widget = "widget", "Widget";
        Portal = "portal", "Portal";
        Api = "api", "API";
        Chat = "chat", "Live chat";
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_refused() {
        for k in TicketKind::ALL {
            assert_eq!(TicketKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(Priority::parse("urgent"), Some(Priority::Urgent));
        assert_eq!(Priority::parse("URGENT"), None);
        assert_eq!(
            Impact::codes(),
            "one_user, several_users, everyone, cosmetic"
        );
        assert_eq!(
            serde_json::to_string(&TicketKind::SettingsHelp)
                .ok()
                .as_deref(),
            Some("\"settings_help\"")
        );
    }
}
