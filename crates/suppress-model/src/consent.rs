//! Consent events: their actions, their scope, service names, and which event of a scope
//! decides ("Consent: the state a delivery sees" in the contract).

use crate::{ascii, Channel};

/// What a consent event asks for.
///
/// Declared so that, on a tie of `at`, the greater one wins: `opt_out` (when in doubt, nothing
/// is sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConsentAction {
    OptIn,
    OptOut,
}

const SPELLINGS: [(&str, ConsentAction); 12] = [
    ("opt_out", ConsentAction::OptOut),
    ("optout", ConsentAction::OptOut),
    ("opt-out", ConsentAction::OptOut),
    ("unsubscribe", ConsentAction::OptOut),
    ("unsubscribed", ConsentAction::OptOut),
    ("stop", ConsentAction::OptOut),
    ("opt_in", ConsentAction::OptIn),
    ("optin", ConsentAction::OptIn),
    ("opt-in", ConsentAction::OptIn),
    ("subscribe", ConsentAction::OptIn),
    ("subscribed", ConsentAction::OptIn),
    ("start", ConsentAction::OptIn),
];

impl ConsentAction {
    /// Parses an action or one of its aliases, trimmed, ASCII letters lowercased.
    pub fn parse(text: &str) -> Option<ConsentAction> {
        SPELLINGS.iter().find(|(name, _)| ascii::name_matches(text, name)).map(|&(_, action)| action)
    }

    pub fn name(self) -> &'static str {
        match self {
            ConsentAction::OptOut => "opt_out",
            ConsentAction::OptIn => "opt_in",
        }
    }

    /// Every accepted spelling, for error messages.
    pub fn spellings() -> String {
        SPELLINGS.map(|(name, _)| name).join(", ")
    }
}

/// A service name as the contract compares it: trimmed, ASCII letters lowercased; `None` when
/// empty after trimming (no service).
pub fn service_name(text: &str) -> Option<String> {
    let trimmed = ascii::trim(text);
    (!trimmed.is_empty()).then(|| trimmed.to_ascii_lowercase())
}

/// What one consent event changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConsentScope<S> {
    /// The profile's `optout`.
    AllChannels,
    /// One channel's opt-out column.
    Channel(Channel),
    /// The profile's subscription to a service.
    Service(S),
}

/// Why an event's `channel` makes a bad row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownScope(pub String);

/// The scope of an event from its `service` and `channel` cells (`None` for null or a column
/// the table lacks): the service when non-empty (the channel is then not read), else the
/// channel when it names one, else all channels when the channel is null, empty or `all`.
pub fn consent_scope(service: Option<&str>, channel: Option<&str>) -> Result<ConsentScope<String>, UnknownScope> {
    if let Some(service) = service.and_then(service_name) {
        return Ok(ConsentScope::Service(service));
    }
    match channel {
        None => Ok(ConsentScope::AllChannels),
        Some(text) if ascii::trim(text).is_empty() || ascii::name_matches(text, "all") => Ok(ConsentScope::AllChannels),
        Some(text) => Channel::parse(text).map(ConsentScope::Channel).ok_or_else(|| UnknownScope(text.into())),
    }
}

/// The event that decides a scope among its remaining events: the latest `at`, and on a tie
/// `opt_out`. Events are compared by this key; the greatest decides.
#[inline]
pub fn deciding_key(at_micros: i64, action: ConsentAction) -> (i64, ConsentAction) {
    (at_micros, action)
}

/// Why a consent event does not take part in deciding its scope (step 1 of the contract), or
/// `None` when it does. `exported_at` is `--exported-at`, when given.
pub fn ignored_because(at: i64, as_of: i64, exported_at: Option<i64>) -> Option<EventIgnored> {
    if at > as_of {
        Some(EventIgnored::Future)
    } else if exported_at.is_some_and(|e| at <= e) {
        Some(EventIgnored::InExport)
    } else {
        None
    }
}

/// Why a well-formed consent event was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventIgnored {
    /// `at` later than `--as-of`: it has not happened yet.
    Future,
    /// `at` at or before `--exported-at`: the exports already hold it.
    InExport,
    /// The profile id is not an (unambiguous) profile.
    UnknownProfile,
    /// The deciding event of its scope is an `opt_in` and there is no `--exported-at` to prove
    /// it newer than the export.
    OptInWithoutExportedAt,
}

impl EventIgnored {
    pub const ALL: [EventIgnored; 4] = [
        EventIgnored::Future,
        EventIgnored::InExport,
        EventIgnored::UnknownProfile,
        EventIgnored::OptInWithoutExportedAt,
    ];

    /// The key in `summary.json`.
    pub fn name(self) -> &'static str {
        match self {
            EventIgnored::Future => "future",
            EventIgnored::InExport => "in_export",
            EventIgnored::UnknownProfile => "unknown_profile",
            EventIgnored::OptInWithoutExportedAt => "opt_in_without_exported_at",
        }
    }
}

/// Whether the deciding event of a scope applies: an `opt_out` always does, an `opt_in` only
/// when `--exported-at` is given (step 3).
pub fn decision_applies(action: ConsentAction, has_exported_at: bool) -> bool {
    action == ConsentAction::OptOut || has_exported_at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_alias_of_the_contract_and_nothing_else() {
        for out in ["opt_out", "optout", "opt-out", "unsubscribe", "unsubscribed", "stop", " STOP\t", "Opt_Out"] {
            assert_eq!(ConsentAction::parse(out), Some(ConsentAction::OptOut), "{out}");
        }
        for inn in ["opt_in", "optin", "opt-in", "subscribe", "subscribed", "start", "\x0BStart"] {
            assert_eq!(ConsentAction::parse(inn), Some(ConsentAction::OptIn), "{inn}");
        }
        for bad in ["opt out", "opt_in ", "", "yes", "unsubscribe_keyword", "\u{A0}stop"] {
            let expected = if bad == "opt_in " { Some(ConsentAction::OptIn) } else { None };
            assert_eq!(ConsentAction::parse(bad), expected, "{bad:?}");
        }
    }

    #[test]
    fn service_names_are_trimmed_and_ascii_lowercased() {
        assert_eq!(service_name(" NewsLetter\t").as_deref(), Some("newsletter"));
        // Only ASCII letters fold: `É` stays.
        assert_eq!(service_name("ÉTÉ").as_deref(), Some("ÉtÉ"));
        assert_eq!(service_name(" \x0B "), None);
        assert_eq!(service_name("\u{A0}"), Some("\u{A0}".into()));
    }

    #[test]
    fn the_scope_is_the_service_then_the_channel_then_all_channels() {
        use ConsentScope::*;
        assert_eq!(consent_scope(Some(" News "), Some("not a channel")), Ok(Service("news".into())));
        assert_eq!(consent_scope(Some("  "), Some(" SMS")), Ok(Channel(crate::Channel::Sms)));
        assert_eq!(consent_scope(None, Some("email")), Ok(Channel(crate::Channel::Email)));
        for all in [None, Some(""), Some(" \t"), Some("ALL"), Some(" all ")] {
            assert_eq!(consent_scope(None, all), Ok(AllChannels), "{all:?}");
        }
        assert_eq!(consent_scope(None, Some("mail")), Err(UnknownScope("mail".into())));
        assert_eq!(consent_scope(Some(""), Some("everything")), Err(UnknownScope("everything".into())));
    }

    #[test]
    fn latest_at_decides_and_opt_out_wins_a_tie() {
        use ConsentAction::*;
        assert!(deciding_key(10, OptIn) > deciding_key(9, OptOut));
        assert!(deciding_key(10, OptOut) > deciding_key(10, OptIn));
        let events = [(5, OptIn), (7, OptIn), (7, OptOut), (6, OptIn)];
        let decider = events.iter().copied().max_by_key(|&(at, a)| deciding_key(at, a));
        assert_eq!(decider, Some((7, OptOut)));
    }

    #[test]
    fn future_and_exported_events_are_ignored_at_their_boundaries() {
        let (as_of, exported) = (100, 50);
        assert_eq!(ignored_because(100, as_of, Some(exported)), None, "exactly at --as-of applies");
        assert_eq!(ignored_because(101, as_of, Some(exported)), Some(EventIgnored::Future));
        assert_eq!(ignored_because(50, as_of, Some(exported)), Some(EventIgnored::InExport), "exactly at");
        assert_eq!(ignored_because(51, as_of, Some(exported)), None);
        assert_eq!(ignored_because(-5, as_of, None), None);
        // An --exported-at after --as-of ignores every event.
        for at in [-1, 0, 99, 100, 150, 200, 201] {
            assert!(ignored_because(at, 100, Some(200)).is_some(), "{at}");
        }
    }

    #[test]
    fn a_deciding_opt_in_needs_exported_at() {
        assert!(decision_applies(ConsentAction::OptOut, false));
        assert!(decision_applies(ConsentAction::OptOut, true));
        assert!(!decision_applies(ConsentAction::OptIn, false));
        assert!(decision_applies(ConsentAction::OptIn, true));
    }
}
