//! The analysis as one SQL query over the views of [`crate::tables`], in the contract's terms:
//! one common table expression per step, in the order of the contract's sections.
//!
//! 1. `decided`: per (profile, scope), the consent event that decides it (rules 1–3 of
//!    "Consent: the state a delivery sees"), `applied` those that apply;
//! 2. `effective`: the profiles with their effective opt-outs (rule 4);
//! 3. `subscribed`: the effective subscriptions to the services in use;
//! 4. `verdicts`: per (channel, canonical address), what the active quarantine entries amount to;
//! 5. `optout_addresses`: with `--propagate-optout`, the opted-out profiles' valid addresses;
//! 6. `classified`: every target row's first reason among 1–9 (null when kept);
//! 7. `deduplicated`: reason 10 among the rows still kept;
//! 8. `pressured`: with caps, the candidates `suppress_pressure` excludes (reason 11);
//! 9. `outcomes`: reason 12, the control groups, and the output address.
//!
//! A reason is its number (`Reason::number`) until the outputs name it.

use suppress_model::Channel;

use crate::sql::text_literal;
use crate::Options;

/// What the plan needs to know about the run beyond the options.
pub struct Shape<'a> {
    pub channels: &'a [Channel],
    /// The services of the deliveries in use.
    pub services: &'a [String],
    pub has_quarantine: bool,
    pub has_deliveries: bool,
    pub has_subscriptions: bool,
    pub has_consent: bool,
    pub has_history: bool,
}

/// The query whose rows are the outcomes: `delivery_id`, `channel`, `profile_id`, `reason`
/// (number, null when kept), `address`, `cap` (with reason 11: the index of the cap).
pub fn outcomes(options: &Options, shape: &Shape) -> String {
    // 9. Reason 12 and the output address (null for reasons 1–5).
    with_steps(
        options,
        shape,
        "SELECT delivery_id, channel, profile_id, \
         CASE WHEN reason IS NULL AND suppress_control_group(delivery_id, channel, profile_id, control_percent) \
         THEN 12 ELSE reason END AS reason, \
         CASE WHEN reason <= 5 THEN NULL ELSE address END AS address, cap FROM pressure_decided",
    )
}

/// `query` over the steps of the analysis (each a common table expression it may name:
/// `effective`, `verdicts`, `optout_addresses`, ...); DataFusion plans only those it reads.
pub fn with_steps(options: &Options, shape: &Shape, query: &str) -> String {
    let with: Vec<String> = steps(options, shape).iter().map(|(name, sql)| format!("{name} AS ({sql})")).collect();
    format!("WITH {} {query}", with.join(",\n"))
}

/// Whether a deciding event (a row of `decided`) applies: without --exported-at a deciding
/// opt_in cannot be told from one the export overruled.
pub fn applies(options: &Options) -> &'static str {
    if options.exported_at.is_some() {
        "true"
    } else {
        "action = 'opt_out'"
    }
}

/// The channels some cap covers: the history that can count against one.
pub fn covered_channels(options: &Options) -> Vec<Channel> {
    Channel::ALL.into_iter().filter(|c| options.caps.iter().any(|cap| cap.covers(*c))).collect()
}

/// Steps 1–8, in order.
fn steps(options: &Options, shape: &Shape) -> Vec<(&'static str, String)> {
    let mut steps: Vec<(&str, String)> = Vec::new();
    let channels = shape.channels;
    let as_of = options.as_of;

    // 1. Consent: the deciding event per (profile, scope).
    if shape.has_consent {
        let not_yet = format!("at <= {as_of}");
        let already = options.exported_at.map_or("true".into(), |e| format!("at > {e}"));
        steps.push((
            "decided",
            format!(
                "SELECT profile_id, scope, service, first_value(action ORDER BY at DESC, action DESC) AS action \
                 FROM consent WHERE {not_yet} AND {already} GROUP BY profile_id, scope, service"
            ),
        ));
        steps.push(("applied", format!("SELECT * FROM decided WHERE {}", applies(options))));
    }

    // 2. The effective opt-outs.
    let flag_names: Vec<String> =
        std::iter::once("optout".to_string()).chain(channels.iter().map(|c| c.optout_column().to_string())).collect();
    let addresses: Vec<String> = channels.iter().map(|c| format!("p.address_{}", c.name())).collect();
    if shape.has_consent {
        let per_scope: Vec<String> = std::iter::once(("all", "optout"))
            .chain(channels.iter().map(|c| (c.name(), c.optout_column())))
            .map(|(scope, name)| format!("bool_or(CASE WHEN scope = '{scope}' THEN action = 'opt_out' END) AS {name}"))
            .collect();
        steps.push((
            "flags",
            format!(
                "SELECT profile_id, {} FROM applied WHERE service IS NULL GROUP BY profile_id",
                per_scope.join(", ")
            ),
        ));
        let effective: Vec<String> = flag_names.iter().map(|n| format!("coalesce(f.{n}, p.{n}) AS {n}")).collect();
        steps.push((
            "effective",
            format!(
                "SELECT p.profile_id, {}, {} FROM profiles_once p LEFT JOIN flags f ON f.profile_id = p.profile_id",
                effective.join(", "),
                addresses.join(", ")
            ),
        ));
    } else {
        steps.push(("effective", "SELECT * FROM profiles_once".into()));
    }

    // 3. The effective subscriptions to the services in use.
    let services_in_use = match shape.services.is_empty() {
        true => "false".into(),
        false => {
            format!("service IN ({})", shape.services.iter().map(|s| text_literal(s)).collect::<Vec<_>>().join(", "))
        }
    };
    let mut sources = Vec::new();
    if shape.has_subscriptions {
        sources.push(format!("SELECT profile_id, service FROM subscriptions WHERE active AND {services_in_use}"));
    }
    if shape.has_consent {
        steps.push((
            "service_decisions",
            "SELECT profile_id, service, action FROM applied WHERE service IS NOT NULL".into(),
        ));
        sources.push(format!(
            "SELECT profile_id, service FROM service_decisions WHERE action = 'opt_in' AND {services_in_use}"
        ));
    }
    let subscribed = match sources.is_empty() {
        true => {
            "SELECT CAST(NULL AS BIGINT) AS profile_id, arrow_cast(NULL, 'Utf8') AS service WHERE false".to_string()
        }
        false => {
            let together = sources.join(" UNION ALL ");
            let unsubscribed = match shape.has_consent {
                true => {
                    "AND NOT EXISTS (SELECT 1 FROM service_decisions d WHERE d.profile_id = t.profile_id \
                         AND d.service = t.service AND d.action = 'opt_out')"
                }
                false => "",
            };
            format!("SELECT DISTINCT t.profile_id, t.service FROM ({together}) t WHERE true {unsubscribed}")
        }
    };
    steps.push(("subscribed", subscribed));

    // 4. Quarantine verdicts.
    if shape.has_quarantine {
        let channel_list = channels.iter().map(|c| text_literal(c.name())).collect::<Vec<_>>().join(", ");
        steps.push((
            "verdicts",
            format!(
                "SELECT channel, address, CASE WHEN bool_or(status = 'denylisted') THEN 'denylisted' \
                 WHEN bool_or(status = 'allowlisted') THEN NULL \
                 WHEN bool_or(status = 'quarantined') THEN 'quarantined' END AS verdict \
                 FROM (SELECT channel, status, suppress_address_of(checked) AS address FROM quarantine \
                       WHERE active AND suppress_is_valid(checked) AND channel IN ({channel_list})) \
                 GROUP BY channel, address"
            ),
        ));
    }

    // 5. Opted-out profiles' addresses.
    if options.propagate_optout {
        let per_channel: Vec<String> = channels
            .iter()
            .map(|c| {
                format!(
                    "SELECT '{name}' AS channel, suppress_address_of(address_{name}) AS address FROM effective \
                     WHERE (optout OR {flag}) AND suppress_is_valid(address_{name})",
                    name = c.name(),
                    flag = c.optout_column()
                )
            })
            .collect();
        steps.push((
            "optout_addresses",
            format!("SELECT DISTINCT channel, address FROM ({})", per_channel.join(" UNION ALL ")),
        ));
    }

    // 6. Reasons 1–9.
    let per_channel = |column: &dyn Fn(Channel) -> String| {
        let arms: Vec<String> = channels.iter().map(|c| format!("WHEN '{}' THEN {}", c.name(), column(*c))).collect();
        format!("CASE t.channel {} END", arms.join(" "))
    };
    let optout_channel = per_channel(&|c| format!("p.{}", c.optout_column()));
    let checked = per_channel(&|c| format!("p.address_{}", c.name()));
    let deliveries = match shape.has_deliveries {
        true => "LEFT JOIN deliveries d ON d.delivery_id = t.delivery_id",
        false => "LEFT JOIN (SELECT arrow_cast(NULL, 'Utf8') AS delivery_id, arrow_cast(NULL, 'Utf8') AS service, \
                  CAST(NULL AS BIGINT) AS weight, CAST(NULL AS BIGINT) AS contact, CAST(NULL AS DOUBLE) AS control_percent \
                  WHERE false) d ON d.delivery_id = t.delivery_id",
    };
    steps.push((
        "joined",
        format!(
            "SELECT t.delivery_id, t.channel, t.profile_id, p.profile_id IS NOT NULL AS known, p.optout, \
             {optout_channel} AS optout_channel, {checked} AS checked, suppress_address_of({checked}) AS address, \
             d.service, coalesce(d.weight, 5) AS weight, coalesce(d.contact, {as_of}) AS contact, \
             coalesce(d.control_percent, 0.0) AS control_percent \
             FROM targets t LEFT JOIN effective p ON p.profile_id = t.profile_id {deliveries}"
        ),
    ));
    let (optout_join, optout_reason) = match options.propagate_optout {
        true => (
            "LEFT JOIN optout_addresses o ON o.channel = j.channel AND o.address = j.address",
            "WHEN o.address IS NOT NULL THEN 7",
        ),
        false => ("", ""),
    };
    let (verdict_join, verdict_reasons) = match shape.has_quarantine {
        true => (
            "LEFT JOIN verdicts v ON v.channel = j.channel AND v.address = j.address",
            "WHEN v.verdict = 'denylisted' THEN 8 WHEN v.verdict = 'quarantined' THEN 9",
        ),
        false => ("", ""),
    };
    steps.push((
        "classified",
        format!(
            "SELECT j.delivery_id, j.channel, j.profile_id, j.address, j.weight, j.contact, j.control_percent, \
             CASE WHEN NOT j.known THEN 1 WHEN j.optout THEN 2 WHEN j.optout_channel THEN 3 \
             WHEN j.service IS NOT NULL AND s.profile_id IS NULL THEN 4 \
             WHEN j.checked IS NULL THEN 5 WHEN NOT suppress_is_valid(j.checked) THEN 6 \
             {optout_reason} {verdict_reasons} END AS reason \
             FROM joined j LEFT JOIN subscribed s ON s.profile_id = j.profile_id AND s.service = j.service \
             {optout_join} {verdict_join}"
        ),
    ));

    // 7. Reason 10: among the rows still kept, one per (delivery, canonical address), the
    // smallest profile_id (a profile listed twice is kept once).
    steps.push((
        "deduplicated",
        "SELECT delivery_id, channel, profile_id, address, weight, contact, control_percent, \
         CASE WHEN row_number() OVER (PARTITION BY delivery_id, channel, address ORDER BY profile_id) > 1 \
         THEN 10 END AS reason FROM classified WHERE reason IS NULL \
         UNION ALL SELECT delivery_id, channel, profile_id, address, weight, contact, control_percent, reason \
         FROM classified WHERE reason IS NOT NULL"
            .into(),
    ));

    // 8. Reason 11: the candidates of each profile arbitrated against its history.
    let after_pressure = if options.caps.is_empty() {
        "SELECT *, CAST(NULL AS INT) AS cap FROM deduplicated".to_string()
    } else {
        let caps = text_literal(&options.caps.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(","));
        steps.push((
            "candidates",
            "SELECT profile_id, array_agg(named_struct('delivery_id', delivery_id, 'channel', channel, \
             'weight', weight, 'contact', contact)) AS listed FROM deduplicated WHERE reason IS NULL GROUP BY profile_id"
                .into(),
        ));
        let history = match shape.has_history {
            true => {
                let covered: Vec<String> = covered_channels(options).iter().map(|c| text_literal(c.name())).collect();
                steps.push((
                    "sent",
                    format!(
                        "SELECT profile_id, array_agg(named_struct('channel', channel, 'sent_at', sent_at)) AS sent \
                         FROM history WHERE channel IN ({}) GROUP BY profile_id",
                        covered.join(", ")
                    ),
                ));
                "LEFT JOIN sent h ON h.profile_id = c.profile_id"
            }
            false => {
                "LEFT JOIN (SELECT CAST(NULL AS BIGINT) AS profile_id, NULL AS sent WHERE false) h \
                      ON h.profile_id = c.profile_id"
            }
        };
        steps.push((
            "excluded",
            format!(
                "SELECT c.profile_id, unnest(suppress_pressure(c.listed, h.sent, {caps})) AS x FROM candidates c {history}"
            ),
        ));
        steps.push((
            "pressured",
            "SELECT profile_id, x['delivery_id'] AS delivery_id, x['channel'] AS channel, x['cap'] AS cap FROM excluded"
                .into(),
        ));
        "SELECT d.delivery_id, d.channel, d.profile_id, d.address, d.control_percent, \
         CASE WHEN x.cap IS NOT NULL THEN 11 ELSE d.reason END AS reason, x.cap \
         FROM deduplicated d LEFT JOIN pressured x ON d.reason IS NULL AND x.profile_id = d.profile_id \
         AND x.delivery_id = d.delivery_id AND x.channel = d.channel"
            .to_string()
    };
    steps.push(("pressure_decided", after_pressure));
    steps
}
