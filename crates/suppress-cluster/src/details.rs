//! The finer figures of `summary.json`, counted as the native engine counts them: per input
//! what it contributed (accepted profiles and their opt-outs, active and expired quarantine
//! entries and subscriptions, history that can count), and what the consent events did. Each is
//! one small aggregate over the views and the analysis' steps, run after the outcomes.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};
use suppress_model::consent::EventIgnored;
use suppress_model::Channel;

use crate::error::ClusterError;
use crate::plan::{self, Shape};
use crate::sql::{collect_rows, text_literal};
use crate::tables::Input;
use crate::Options;

/// Table-specific figures by table name, the `consent` section, and the consent warnings.
#[derive(Debug, Default)]
pub struct Details {
    pub tables: BTreeMap<&'static str, Map<String, Value>>,
    pub consent: Option<Value>,
    pub warnings: Vec<String>,
}

/// `sum` of a condition: how many rows it holds for (0 rather than null over no rows).
fn count_if(condition: &str) -> String {
    format!("coalesce(sum(CASE WHEN {condition} THEN 1 ELSE 0 END), 0)")
}

fn number(text: &str) -> u64 {
    text.parse().unwrap_or(0)
}

/// A JSON object of `channel name → figure` for the channels in use.
fn per_channel(channels: &[Channel], figure: impl Fn(Channel) -> u64) -> Value {
    Value::Object(channels.iter().map(|c| (c.name().to_string(), json!(figure(*c)))).collect())
}

/// Counts every figure for the run of `options` on `ctx`, whose views are registered.
pub async fn count(
    ctx: &datafusion::prelude::SessionContext,
    options: &Options,
    shape: &Shape<'_>,
    consent: Option<&Input>,
) -> Result<Details, ClusterError> {
    let channels = shape.channels;
    let mut details = Details::default();
    let rows = |sql: String, context: &'static str| async move { collect_rows(ctx, &sql, context).await };

    // Profiles: accepted, and opted out as the consent events leave them.
    let flags: Vec<String> =
        std::iter::once(count_if("optout")).chain(channels.iter().map(|c| count_if(c.optout_column()))).collect();
    let row = rows(
        plan::with_steps(options, shape, &format!("SELECT count(*), {} FROM effective", flags.join(", "))),
        "profiles",
    )
    .await?
    .remove(0);
    let mut profiles = Map::new();
    profiles.insert("accepted".into(), json!(number(&row[0])));
    profiles.insert("optout_all".into(), json!(number(&row[1])));
    profiles.insert("optout_by_channel".into(), per_channel(channels, |c| number(&row[2 + position(channels, c)])));
    if options.propagate_optout {
        let by_channel = channel_counts(
            rows(
                plan::with_steps(options, shape, "SELECT channel, count(*) FROM optout_addresses GROUP BY channel"),
                "profiles",
            )
            .await?,
        );
        profiles.insert("optout_addresses_by_channel".into(), per_channel(channels, by_channel));
    }
    details.tables.insert("profiles", profiles);

    if shape.has_quarantine {
        let row = rows(
            format!(
                "SELECT {}, {}, {}, {} FROM quarantine",
                count_if("checked IS NULL"),
                count_if("checked IS NOT NULL AND NOT suppress_is_valid(checked)"),
                count_if("suppress_is_valid(checked)"),
                count_if("suppress_is_valid(checked) AND NOT active"),
            ),
            "quarantine",
        )
        .await?
        .remove(0);
        let excluded = channel_counts(
            rows(
                plan::with_steps(
                    options,
                    shape,
                    "SELECT channel, count(*) FROM verdicts WHERE verdict IS NOT NULL GROUP BY channel",
                ),
                "quarantine",
            )
            .await?,
        );
        let (usable, expired) = (number(&row[2]), number(&row[3]));
        let mut quarantine = Map::new();
        quarantine.insert("expired".into(), json!(expired));
        quarantine.insert("active".into(), json!(usable - expired));
        quarantine
            .insert("ignored".into(), json!({"missing_address": number(&row[0]), "invalid_address": number(&row[1])}));
        quarantine.insert("excluded_addresses_by_channel".into(), per_channel(channels, &excluded));
        details.tables.insert("quarantine", quarantine);
    }

    // Whether a row's profile is known: a left join, since DataFusion plans a subquery in a
    // condition only in WHERE.
    let known_join = |alias: &str| {
        format!("LEFT JOIN (SELECT profile_id AS known_id FROM profiles_once) k ON k.known_id = {alias}.profile_id")
    };
    let known = "k.known_id IS NOT NULL";
    if shape.has_subscriptions {
        let in_use = in_list("s.service", shape.services);
        let row = rows(
            format!(
                "SELECT {}, {}, {}, {} FROM subscriptions s {}",
                count_if(&format!("NOT ({known})")),
                count_if(&format!("{known} AND NOT ({in_use})")),
                count_if(&format!("{known} AND {in_use} AND NOT s.active")),
                count_if(&format!("{known} AND {in_use} AND s.active")),
                known_join("s"),
            ),
            "subscriptions",
        )
        .await?
        .remove(0);
        let mut subscriptions = Map::new();
        subscriptions.insert("active".into(), json!(number(&row[3])));
        subscriptions.insert("expired".into(), json!(number(&row[2])));
        subscriptions.insert("other_service".into(), json!(number(&row[1])));
        subscriptions.insert("ignored".into(), json!({"unknown_profile": number(&row[0])}));
        details.tables.insert("subscriptions", subscriptions);
    }

    if shape.has_history {
        // What can count: a channel some cap covers, strictly inside the contact dates widened
        // by the longest period, of a profile some target row names.
        let covered: Vec<String> = plan::covered_channels(options).iter().map(|c| c.name().to_string()).collect();
        let period = options.caps.iter().map(|c| c.period).max().unwrap_or(0);
        let contacts = format!(
            "(SELECT min(coalesce(d.contact, {as_of})) AS low, max(coalesce(d.contact, {as_of})) AS high \
             FROM (SELECT DISTINCT delivery_id FROM targets) t LEFT JOIN ({deliveries}) d ON d.delivery_id = t.delivery_id)",
            as_of = options.as_of,
            deliveries = match shape.has_deliveries {
                true => "SELECT delivery_id, contact FROM deliveries",
                false => "SELECT arrow_cast(NULL, 'Utf8') AS delivery_id, CAST(NULL AS BIGINT) AS contact WHERE false",
            },
        );
        let targeted = "tg.targeted_id IS NOT NULL";
        let useful = format!(
            "{} AND h.sent_at > w.low - {period} AND h.sent_at < w.high + {period} AND {targeted}",
            in_list("h.channel", &covered)
        );
        let row = rows(
            format!(
                "SELECT {}, {}, {} FROM history h CROSS JOIN {contacts} w {} \
                 LEFT JOIN (SELECT DISTINCT profile_id AS targeted_id FROM targets) tg ON tg.targeted_id = h.profile_id",
                count_if(&format!("NOT ({known})")),
                count_if(&format!("{known} AND NOT ({useful})")),
                count_if(&format!("{known} AND {useful}")),
                known_join("h"),
            ),
            "history",
        )
        .await?
        .remove(0);
        let mut history = Map::new();
        history.insert("kept".into(), json!(number(&row[2])));
        history.insert("cannot_count".into(), json!(number(&row[1])));
        history.insert("ignored".into(), json!({"unknown_profile": number(&row[0])}));
        details.tables.insert("history", history);
    }

    if let Some(input) = consent {
        details.tables.insert("consent", Map::new());
        let (read, bad_rows) = (input.files.rows, input.bad_rows.values().sum());
        consent_section(ctx, options, shape, read, bad_rows, &mut details).await?;
    }
    Ok(details)
}

/// The `consent` section and its warnings.
async fn consent_section(
    ctx: &datafusion::prelude::SessionContext,
    options: &Options,
    shape: &Shape<'_>,
    read: u64,
    bad_rows: u64,
    details: &mut Details,
) -> Result<(), ClusterError> {
    let as_of = options.as_of;
    let in_export = options.exported_at.map_or("false".into(), |e| format!("at <= {e}"));
    let row = collect_rows(
        ctx,
        &format!(
            "SELECT {}, {}, {} FROM consent e \
             LEFT JOIN (SELECT profile_id AS known_id FROM profiles_once) k ON k.known_id = e.profile_id",
            count_if(&format!("at > {as_of}")),
            count_if(&format!("at <= {as_of} AND NOT ({in_export})")),
            count_if(&format!("at <= {as_of} AND NOT ({in_export}) AND k.known_id IS NULL")),
        ),
        "consent",
    )
    .await?
    .remove(0);
    let (future, considered, unknown) = (number(&row[0]), number(&row[1]), number(&row[2]));
    let in_export_count = read - bad_rows - future - considered;

    // The deciding event of each (profile, scope) of the known profiles, with what it changes.
    let channel_flags: String =
        shape.channels.iter().map(|c| format!(" WHEN '{}' THEN p.{}", c.name(), c.optout_column())).collect();
    let channel_flag = match channel_flags.is_empty() {
        true => "false".to_string(),
        false => format!("CASE e.scope{channel_flags} ELSE false END"),
    };
    // The export's subscriptions to the services in use (what a service event changes).
    let exported = match shape.has_subscriptions {
        true => format!(
            "SELECT DISTINCT profile_id, service FROM subscriptions WHERE active AND {}",
            in_list("service", shape.services)
        ),
        false => "SELECT CAST(NULL AS BIGINT) AS profile_id, arrow_cast(NULL, 'Utf8') AS service WHERE false".into(),
    };
    let subscribed = "sub.profile_id IS NOT NULL";
    let used_channels: Vec<String> = shape.channels.iter().map(|c| c.name().to_string()).collect();
    // The plan's own deciding events (`decided`), of the known profiles (the join).
    let state = format!(
        "SELECT e.scope, e.service, e.action, \
         CASE WHEN e.service IS NOT NULL THEN {in_use_service} \
              WHEN e.scope = 'all' THEN {has_channels} ELSE {in_use_channel} END AS used, \
         CASE WHEN e.service IS NOT NULL THEN ({subscribed}) = (e.action = 'opt_out') \
              WHEN e.scope = 'all' THEN p.optout <> (e.action = 'opt_out') \
              ELSE {channel_flag} <> (e.action = 'opt_out') END AS changes \
         FROM decided e JOIN profiles_once p ON p.profile_id = e.profile_id \
         LEFT JOIN ({exported}) sub ON sub.profile_id = e.profile_id AND sub.service = e.service",
        in_use_service = in_list("e.service", shape.services),
        has_channels = !shape.channels.is_empty(),
        in_use_channel = in_list("e.scope", &used_channels),
    );
    let applies = plan::applies(options);
    let rows = collect_rows(
        ctx,
        &plan::with_steps(
            options,
            shape,
            &format!(
                "SELECT CASE WHEN service IS NOT NULL THEN concat('service:', service) ELSE scope END AS key, \
                 count(*), {}, {}, {} FROM ({state}) GROUP BY 1 ORDER BY 1",
                count_if(&format!("NOT ({applies})")),
                count_if(&format!("{applies} AND NOT used")),
                count_if(&format!("{applies} AND used AND changes")),
            ),
        ),
        "consent",
    )
    .await?;
    let mut changed: BTreeMap<String, u64> = BTreeMap::new();
    if !shape.channels.is_empty() {
        changed.insert("all".into(), 0);
    }
    for c in shape.channels {
        changed.insert(c.name().into(), 0);
    }
    for s in shape.services {
        changed.insert(format!("service:{s}"), 0);
    }
    let (mut groups, mut opt_ins, mut unused) = (0, 0, 0);
    for row in &rows {
        groups += number(&row[1]);
        opt_ins += number(&row[2]);
        unused += number(&row[3]);
        let n = number(&row[4]);
        if n > 0 {
            *changed.entry(row[0].clone()).or_default() += n;
        }
    }
    // The events of known profiles that no group's decision is: overruled by a later one.
    let superseded = considered - unknown - groups;
    let mut ignored = Map::new();
    for why in EventIgnored::ALL {
        let n = match why {
            EventIgnored::Future => future,
            EventIgnored::InExport => in_export_count,
            EventIgnored::UnknownProfile => unknown,
            EventIgnored::OptInWithoutExportedAt => opt_ins,
        };
        ignored.insert(why.name().into(), json!(n));
    }
    details.consent = Some(json!({
        "exported_at": options.exported_at.map(crate::summary::time_text),
        "events": {
            "read": read,
            "bad_rows": bad_rows,
            "ignored": ignored,
            "superseded": superseded,
            "applied": groups - opt_ins,
            "applied_to_unused_scopes": unused,
        },
        "profiles_changed": changed,
    }));
    if let Some(exported_at) = options.exported_at.filter(|&e| e > as_of) {
        details.warnings.push(format!(
            "consent: --exported-at {} is later than --as-of {}: every consent event is ignored",
            crate::summary::time_text(exported_at),
            crate::summary::time_text(as_of)
        ));
    }
    if opt_ins > 0 {
        details.warnings.push(format!(
            "consent: {opt_ins} deciding opt_in event(s) ignored: without --exported-at an opt_in cannot be told apart \
             from one the export has already overruled, so the export's state stands; give --exported-at (when \
             the profile and subscription exports were taken) to apply them"
        ));
    }
    Ok(())
}

/// `column IN (values)`, or `false` for no values.
fn in_list(column: &str, values: &[String]) -> String {
    match values.is_empty() {
        true => "false".into(),
        false => format!("{column} IN ({})", values.iter().map(|v| text_literal(v)).collect::<Vec<_>>().join(", ")),
    }
}

fn position(channels: &[Channel], channel: Channel) -> usize {
    channels.iter().position(|&c| c == channel).expect("a channel in use")
}

/// A lookup of `channel, count` rows.
fn channel_counts(rows: Vec<Vec<String>>) -> impl Fn(Channel) -> u64 {
    let counts: BTreeMap<String, u64> = rows.into_iter().map(|r| (r[0].clone(), number(&r[1]))).collect();
    move |c| counts.get(c.name()).copied().unwrap_or(0)
}
