//! Which file column each contract column is read from: `--map` and `--preset adobe`.

use std::collections::BTreeMap;

/// The input tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TableKind {
    Profiles,
    Quarantine,
    Targets,
    /// What the campaign system knows of each delivery (service, weight, ...).
    Deliveries,
    /// Who is subscribed to which service.
    Subscriptions,
    /// The opt-in and opt-out events since the exports.
    Consent,
    /// The messages already sent (pressure rules).
    History,
    /// The delivery log that `suppress quarantine` reads.
    Log,
}

impl TableKind {
    pub const ALL: [TableKind; 8] = [
        TableKind::Profiles,
        TableKind::Quarantine,
        TableKind::Targets,
        TableKind::Deliveries,
        TableKind::Subscriptions,
        TableKind::Consent,
        TableKind::History,
        TableKind::Log,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TableKind::Profiles => "profiles",
            TableKind::Quarantine => "quarantine",
            TableKind::Targets => "targets",
            TableKind::Deliveries => "deliveries",
            TableKind::Subscriptions => "subscriptions",
            TableKind::Consent => "consent",
            TableKind::History => "history",
            TableKind::Log => "log",
        }
    }

    pub fn parse(text: &str) -> Option<TableKind> {
        TableKind::ALL.into_iter().find(|t| t.name() == text)
    }

    /// Every column the contract names for this table.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            TableKind::Profiles => &[
                "profile_id",
                "optout",
                "optout_email",
                "optout_sms",
                "optout_phone",
                "optout_fax",
                "optout_push",
                "optout_direct_mail",
                "email",
                "mobile_phone",
                "phone",
                "fax",
                "push_token",
                "postal_address",
            ],
            TableKind::Quarantine => {
                &["address", "channel", "status", "expires_at", "error_count", "last_error_at", "updated_at", "reason"]
            }
            TableKind::Targets => &["delivery_id", "profile_id", "channel"],
            TableKind::Deliveries => &["delivery_id", "service", "weight", "contact_date", "control_percent"],
            TableKind::Subscriptions => &["profile_id", "service", "expires_at"],
            TableKind::Consent => &["profile_id", "at", "action", "channel", "service"],
            TableKind::History => &["profile_id", "channel", "sent_at"],
            TableKind::Log => &["address", "channel", "at", "outcome", "reason"],
        }
    }
}

/// A named set of mappings for a known export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Adobe Campaign's recipient schema (`nms:recipient`).
    Adobe,
}

impl Preset {
    pub fn parse(text: &str) -> Option<Preset> {
        (text == "adobe").then_some(Preset::Adobe)
    }

    fn mappings(self) -> &'static [(TableKind, &'static str, &'static str)] {
        match self {
            Preset::Adobe => &[
                (TableKind::Profiles, "profile_id", "id"),
                (TableKind::Profiles, "optout", "blackList"),
                (TableKind::Profiles, "optout_email", "blackListEmail"),
                (TableKind::Profiles, "optout_sms", "blackListMobile"),
                (TableKind::Profiles, "optout_phone", "blackListPhone"),
                (TableKind::Profiles, "optout_fax", "blackListFax"),
                (TableKind::Profiles, "optout_direct_mail", "blackListPostalMail"),
                (TableKind::Profiles, "optout_push", "blackListPushnotification"),
                (TableKind::Profiles, "mobile_phone", "mobilePhone"),
            ],
        }
    }
}

/// The file column name of every contract column; unmapped columns keep their own name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnNames {
    mapped: BTreeMap<(TableKind, String), String>,
}

impl ColumnNames {
    /// Applies a preset, then the `--map` arguments (which win over the preset).
    pub fn new(preset: Option<Preset>, maps: &[String]) -> Result<ColumnNames, String> {
        let mut names = ColumnNames::default();
        if let Some(preset) = preset {
            for &(table, name, column) in preset.mappings() {
                names.mapped.insert((table, name.into()), column.into());
            }
        }
        for map in maps {
            let (table, name, column) = parse_map(map)?;
            names.mapped.insert((table, name), column);
        }
        Ok(names)
    }

    /// The file column to read for `table.name`.
    pub fn source<'a>(&'a self, table: TableKind, name: &'a str) -> &'a str {
        self.mapped.get(&(table, name.to_string())).map_or(name, String::as_str)
    }

    /// Every mapping in effect, as `table.name=column`, for the summary.
    pub fn describe(&self) -> Vec<String> {
        self.mapped.iter().map(|((table, name), column)| format!("{}.{name}={column}", table.name())).collect()
    }
}

fn parse_map(text: &str) -> Result<(TableKind, String, String), String> {
    let tables = TableKind::ALL.map(TableKind::name).join(", ");
    let (key, column) = text
        .split_once('=')
        .ok_or_else(|| format!("--map {text}: expected TABLE.NAME=COLUMN, such as profiles.email=EmailAddress"))?;
    let (table, name) = key
        .split_once('.')
        .ok_or_else(|| format!("--map {text}: expected TABLE.NAME=COLUMN, such as profiles.email=EmailAddress"))?;
    let table =
        TableKind::parse(table).ok_or_else(|| format!("--map {text}: unknown table `{table}`; tables are {tables}"))?;
    if !table.columns().contains(&name) {
        return Err(format!(
            "--map {text}: `{name}` is not a column of {}; its columns are {}",
            table.name(),
            table.columns().join(", ")
        ));
    }
    if column.is_empty() {
        return Err(format!("--map {text}: the column name after `=` is empty"));
    }
    Ok((table, name.into(), column.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmapped_columns_keep_their_name() {
        let names = ColumnNames::new(None, &[]).unwrap();
        assert_eq!(names.source(TableKind::Profiles, "email"), "email");
    }

    #[test]
    fn map_applies_to_any_table() {
        let names =
            ColumnNames::new(None, &["profiles.email=EmailAddress".into(), "targets.profile_id=recipient_id".into()])
                .unwrap();
        assert_eq!(names.source(TableKind::Profiles, "email"), "EmailAddress");
        assert_eq!(names.source(TableKind::Targets, "profile_id"), "recipient_id");
        let names = ColumnNames::new(
            None,
            &["deliveries.service=topic".into(), "consent.at=event_time".into(), "subscriptions.service=list".into()],
        )
        .unwrap();
        assert_eq!(names.source(TableKind::Deliveries, "service"), "topic");
        assert_eq!(names.source(TableKind::Consent, "at"), "event_time");
        assert_eq!(names.source(TableKind::Subscriptions, "service"), "list");
        assert!(ColumnNames::new(None, &["consent.expires_at=x".into()]).is_err());
        assert_eq!(names.source(TableKind::Profiles, "profile_id"), "profile_id");
    }

    #[test]
    fn adobe_preset_and_map_wins() {
        let names = ColumnNames::new(Some(Preset::Adobe), &["profiles.optout=noContact".into()]).unwrap();
        assert_eq!(names.source(TableKind::Profiles, "profile_id"), "id");
        assert_eq!(names.source(TableKind::Profiles, "optout"), "noContact");
        assert_eq!(names.source(TableKind::Profiles, "optout_sms"), "blackListMobile");
        assert_eq!(names.source(TableKind::Profiles, "optout_push"), "blackListPushnotification");
        assert_eq!(names.source(TableKind::Profiles, "optout_direct_mail"), "blackListPostalMail");
        assert_eq!(names.source(TableKind::Profiles, "mobile_phone"), "mobilePhone");
        assert_eq!(names.source(TableKind::Profiles, "email"), "email");
        // The preset only touches profiles.
        assert_eq!(names.source(TableKind::Targets, "profile_id"), "profile_id");
    }

    #[test]
    fn bad_maps_list_the_valid_choices() {
        let err = ColumnNames::new(None, &["people.email=x".into()]).unwrap_err();
        assert!(err.contains("profiles, quarantine, targets"), "{err}");
        let err = ColumnNames::new(None, &["profiles.mail=x".into()]).unwrap_err();
        assert!(err.contains("profile_id, optout"), "{err}");
        assert!(ColumnNames::new(None, &["profiles.email".into()]).is_err());
        assert!(ColumnNames::new(None, &["email=x".into()]).is_err());
        assert!(ColumnNames::new(None, &["profiles.email=".into()]).is_err());
    }
}
