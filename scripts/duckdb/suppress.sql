-- The delivery analysis of ../../../shared/CONTRACT.md written as DuckDB SQL, independently of
-- the Rust engine: what a data engineer would write instead of running `suppress`. It is the
-- baseline of scripts/bench-vs-duckdb, which substitutes the
-- parameters written as a dollar sign and {NAME} (run.py uses string.Template, so a dollar
-- sign meant literally is written twice).
--
-- Known gaps against the contract, none of which the generated data exercises:
-- * DuckDB's lower() is a simple per-character mapping, so `İ` and a final `Σ` lowercase
--   differently from Rust's str::to_lowercase;
-- * RE2's Unicode tables, not exactly Unicode 15, decide categories L, M and N;
-- * bad rows (unknown channel or status, null ids, duplicate profile_id) are dropped silently
--   instead of failing the run, and the summary is only the per-delivery counts;
-- * a consent event's channel column is read as present (gen writes it), and the deliveries
--   table is assumed free of duplicates.

SET threads = ${THREADS};
SET preserve_insertion_order = false;

-- Names: trim ASCII whitespace (VT included), lowercase ASCII letters only.
CREATE MACRO ws() AS chr(32) || chr(9) || chr(10) || chr(13) || chr(11) || chr(12);
CREATE MACRO name_of(s) AS translate(trim(s, ws()), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz');
CREATE MACRO channel_of(s) AS CASE name_of(s)
    WHEN 'email' THEN 'email' WHEN 'sms' THEN 'sms' WHEN 'phone' THEN 'phone'
    WHEN 'fax' THEN 'fax' WHEN 'push' THEN 'push' WHEN 'direct_mail' THEN 'direct_mail' END;
CREATE MACRO status_of(s) AS CASE name_of(s)
    WHEN 'denylisted' THEN 'denylisted' WHEN 'denylist' THEN 'denylisted'
    WHEN 'blacklisted' THEN 'denylisted' WHEN 'blocklisted' THEN 'denylisted'
    WHEN 'quarantined' THEN 'quarantined' WHEN 'quarantine' THEN 'quarantined'
    WHEN 'allowlisted' THEN 'allowlisted' WHEN 'allowlist' THEN 'allowlisted'
    WHEN 'whitelisted' THEN 'allowlisted'
    WHEN 'valid' THEN 'valid' WHEN 'with_errors' THEN 'valid' WHEN 'erroneous' THEN 'valid' END;

-- Canonical forms. NULL when the address is missing (null or empty after trimming).
CREATE MACRO present(s) AS nullif(trim(s, ws()), '');
-- The written trunk prefix `(0)` goes first, every occurrence in one left-to-right pass.
CREATE MACRO phone_digits(s) AS regexp_replace(replace(present(s), '(0)', ''), '[ \t\n\r\x0B\x0C\-.()/]', '', 'g');
-- A leading 00 becomes +; without a +, one leading 0 gives way to +CC (when CC is given).
CREATE MACRO phone_canon(s) AS CASE WHEN '${COUNTRY}' = ''
    THEN regexp_replace(phone_digits(s), '^00', '+')
    ELSE regexp_replace(regexp_replace(phone_digits(s), '^00', '+'), '^0?([^+]|$$)', '+${COUNTRY}\1') END;
CREATE MACRO canon(kind, s) AS CASE kind
    WHEN 'email' THEN lower(present(s))
    WHEN 'phone' THEN phone_canon(s)
    WHEN 'token' THEN present(s)
    WHEN 'postal' THEN lower(regexp_replace(present(s), '[ \t\n\r\x0B\x0C]+', ' ', 'g')) END;

-- Validity of a canonical form; lengths in bytes (strlen), characters by RE2 classes.
CREATE MACRO email_valid(c) AS
    strlen(c) <= 254
    AND strlen(c) - strlen(replace(c, '@', '')) = 1
    AND strlen(split_part(c, '@', 1)) BETWEEN 1 AND 64
    AND strlen(split_part(c, '@', 2)) BETWEEN 1 AND 253
    AND regexp_full_match(split_part(c, '@', 1),
        '[\p{L}\p{M}\p{N}!#$$%&''*+/=?^_`{|}~-]+(\.[\p{L}\p{M}\p{N}!#$$%&''*+/=?^_`{|}~-]+)*')
    AND regexp_full_match(split_part(c, '@', 2),
        '[\p{L}\p{M}\p{N}]([\p{L}\p{M}\p{N}-]*[\p{L}\p{M}\p{N}])?(\.[\p{L}\p{M}\p{N}]([\p{L}\p{M}\p{N}-]*[\p{L}\p{M}\p{N}])?)+')
    AND list_max(list_transform(string_split(split_part(c, '@', 2), '.'), lambda l: strlen(l))) <= 63
    AND NOT regexp_matches(split_part(c, '@', 2), '\.[0-9]+$$');
CREATE MACRO valid(kind, c) AS CASE kind
    WHEN 'email' THEN email_valid(c)
    WHEN 'phone' THEN regexp_full_match(c, '\+[1-9][0-9]{7,14}')
    WHEN 'token' THEN strlen(c) <= 4096 AND NOT regexp_matches(c, '[ \t\n\r\x0B\x0C]')
    WHEN 'postal' THEN true END;
CREATE MACRO action_of(s) AS CASE name_of(s)
    WHEN 'opt_out' THEN 'out' WHEN 'optout' THEN 'out' WHEN 'opt-out' THEN 'out'
    WHEN 'unsubscribe' THEN 'out' WHEN 'unsubscribed' THEN 'out' WHEN 'stop' THEN 'out'
    WHEN 'opt_in' THEN 'in' WHEN 'optin' THEN 'in' WHEN 'opt-in' THEN 'in'
    WHEN 'subscribe' THEN 'in' WHEN 'subscribed' THEN 'in' WHEN 'start' THEN 'in' END;
CREATE MACRO kind_of(channel) AS CASE channel
    WHEN 'email' THEN 'email' WHEN 'push' THEN 'token' WHEN 'direct_mail' THEN 'postal' ELSE 'phone' END;

CREATE TEMP TABLE exported_profiles AS
SELECT CAST(profile_id AS BIGINT) AS profile_id,
       coalesce(CAST(optout AS BOOLEAN), false) AS optout,
       coalesce(CAST(optout_email AS BOOLEAN), false) AS optout_email,
       coalesce(CAST(optout_sms AS BOOLEAN), false) AS optout_sms,
       coalesce(CAST(optout_phone AS BOOLEAN), false) AS optout_phone,
       coalesce(CAST(optout_fax AS BOOLEAN), false) AS optout_fax,
       coalesce(CAST(optout_push AS BOOLEAN), false) AS optout_push,
       coalesce(CAST(optout_direct_mail AS BOOLEAN), false) AS optout_direct_mail,
       email, mobile_phone, phone, fax, push_token, postal_address
FROM read_parquet('${PROFILES}');

-- Consent: per (profile, scope) the latest event at or before --as-of and after --exported-at
-- decides, opt_out on a tie; a deciding opt_in only with --exported-at.
CREATE TEMP TABLE decided AS
WITH events AS (
    SELECT CAST(profile_id AS BIGINT) AS profile_id, CAST("at" AS TIMESTAMPTZ) AS "at", action_of(action) AS action,
           CASE WHEN nullif(name_of(service), '') IS NOT NULL THEN 'service:' || name_of(service)
                WHEN channel IS NULL OR name_of(channel) IN ('', 'all') THEN 'all'
                ELSE channel_of(channel) END AS scope
    FROM ${CONSENT}
    WHERE "at" <= TIMESTAMPTZ '${AS_OF}' AND (${EXPORTED_AT} IS NULL OR "at" > ${EXPORTED_AT})
), deciding AS (
    SELECT profile_id, scope,
           max_by(action, epoch_us("at") * 2 + CASE WHEN action = 'out' THEN 1 ELSE 0 END) AS action
    FROM events GROUP BY profile_id, scope
)
SELECT * FROM deciding WHERE action = 'out' OR ${HAS_EXPORTED_AT};

CREATE TEMP TABLE profiles AS
WITH flags AS (
    SELECT profile_id,
           max(CASE WHEN scope = 'all' THEN action = 'out' END) AS optout,
           max(CASE WHEN scope = 'email' THEN action = 'out' END) AS optout_email,
           max(CASE WHEN scope = 'sms' THEN action = 'out' END) AS optout_sms,
           max(CASE WHEN scope = 'phone' THEN action = 'out' END) AS optout_phone,
           max(CASE WHEN scope = 'fax' THEN action = 'out' END) AS optout_fax,
           max(CASE WHEN scope = 'push' THEN action = 'out' END) AS optout_push,
           max(CASE WHEN scope = 'direct_mail' THEN action = 'out' END) AS optout_direct_mail
    FROM decided WHERE scope NOT LIKE 'service:%' GROUP BY profile_id
)
SELECT p.profile_id,
       coalesce(f.optout, p.optout) AS optout,
       coalesce(f.optout_email, p.optout_email) AS optout_email,
       coalesce(f.optout_sms, p.optout_sms) AS optout_sms,
       coalesce(f.optout_phone, p.optout_phone) AS optout_phone,
       coalesce(f.optout_fax, p.optout_fax) AS optout_fax,
       coalesce(f.optout_push, p.optout_push) AS optout_push,
       coalesce(f.optout_direct_mail, p.optout_direct_mail) AS optout_direct_mail,
       p.email, p.mobile_phone, p.phone, p.fax, p.push_token, p.postal_address
FROM exported_profiles p LEFT JOIN flags f USING (profile_id);

CREATE TEMP TABLE delivery_services AS
SELECT CAST(delivery_id AS VARCHAR) AS delivery_id, nullif(name_of(service), '') AS service
FROM ${DELIVERIES};

-- Effective subscriptions: the active exported ones and the service opt-ins, less the
-- service opt-outs.
CREATE TEMP TABLE subscribed AS
WITH exported AS (
    SELECT CAST(profile_id AS BIGINT) AS profile_id, name_of(service) AS service FROM ${SUBSCRIPTIONS}
    WHERE expires_at IS NULL OR expires_at > TIMESTAMPTZ '${AS_OF}'
), together AS (
    SELECT profile_id, service FROM exported
    UNION ALL SELECT profile_id, substr(scope, 9) FROM decided WHERE scope LIKE 'service:%' AND action = 'in'
)
SELECT DISTINCT t.profile_id, t.service FROM together t
WHERE NOT EXISTS (SELECT 1 FROM decided d
                  WHERE d.profile_id = t.profile_id AND d.scope = 'service:' || t.service AND d.action = 'out');

-- One verdict per (channel, canonical address) over the active, valid quarantine entries.
CREATE TEMP TABLE verdicts AS
WITH entries AS (
    SELECT channel_of(channel) AS channel, status_of(status) AS status, address
    FROM read_parquet('${QUARANTINE}')
    WHERE expires_at IS NULL OR expires_at > TIMESTAMPTZ '${AS_OF}'
), typed AS (
    SELECT channel, kind_of(channel) AS kind, status, address FROM entries WHERE channel IS NOT NULL
), canonical AS (
    SELECT channel, kind, status, canon(kind, address) AS address FROM typed
)
SELECT channel, address,
       CASE WHEN bool_or(status = 'denylisted') THEN 'denylisted'
            WHEN bool_or(status = 'allowlisted') THEN NULL
            WHEN bool_or(status = 'quarantined') THEN 'quarantined' END AS verdict
FROM canonical
WHERE address IS NOT NULL AND valid(kind, address)
GROUP BY channel, address;

-- With --propagate-optout: the valid canonical addresses of every opted-out profile.
CREATE TEMP TABLE optout_addresses AS
WITH opted AS (
    SELECT 'email' AS channel, email AS raw FROM profiles WHERE ${PROPAGATE} AND (optout OR optout_email)
    UNION ALL SELECT 'sms', mobile_phone FROM profiles WHERE ${PROPAGATE} AND (optout OR optout_sms)
    UNION ALL SELECT 'phone', phone FROM profiles WHERE ${PROPAGATE} AND (optout OR optout_phone)
    UNION ALL SELECT 'fax', fax FROM profiles WHERE ${PROPAGATE} AND (optout OR optout_fax)
    UNION ALL SELECT 'push', push_token FROM profiles WHERE ${PROPAGATE} AND (optout OR optout_push)
    UNION ALL SELECT 'direct_mail', postal_address FROM profiles
        WHERE ${PROPAGATE} AND (optout OR optout_direct_mail)
), canonical AS (
    SELECT channel, canon(kind_of(channel), raw) AS address FROM opted
)
SELECT DISTINCT channel, address FROM canonical
WHERE address IS NOT NULL AND valid(kind_of(channel), address);

CREATE TEMP TABLE analysis AS
WITH targets AS (
    SELECT CAST(delivery_id AS VARCHAR) AS delivery_id, channel_of(${TARGET_CHANNEL}) AS channel,
           CAST(profile_id AS BIGINT) AS profile_id
    FROM read_parquet('${TARGETS}')
), joined AS (
    SELECT t.delivery_id, t.channel, t.profile_id, p.profile_id IS NOT NULL AS known, p.optout,
           CASE t.channel WHEN 'email' THEN p.optout_email WHEN 'sms' THEN p.optout_sms
               WHEN 'phone' THEN p.optout_phone WHEN 'fax' THEN p.optout_fax
               WHEN 'push' THEN p.optout_push ELSE p.optout_direct_mail END AS optout_channel,
           canon(kind_of(t.channel), CASE t.channel WHEN 'email' THEN p.email
               WHEN 'sms' THEN p.mobile_phone WHEN 'phone' THEN p.phone WHEN 'fax' THEN p.fax
               WHEN 'push' THEN p.push_token ELSE p.postal_address END) AS address
    FROM targets t LEFT JOIN profiles p ON p.profile_id = t.profile_id
), classified AS (
    SELECT j.delivery_id, j.channel, j.profile_id, j.address,
           CASE WHEN NOT j.known THEN 'unknown_profile'
                WHEN j.optout THEN 'optout_all'
                WHEN j.optout_channel THEN 'optout_channel'
                WHEN ds.service IS NOT NULL AND s.profile_id IS NULL THEN 'not_subscribed'
                WHEN j.address IS NULL THEN 'missing_address'
                WHEN NOT valid(kind_of(j.channel), j.address) THEN 'invalid_address'
                WHEN o.address IS NOT NULL THEN 'optout_address'
                WHEN v.verdict = 'denylisted' THEN 'denylisted'
                WHEN v.verdict = 'quarantined' THEN 'quarantined' END AS reason
    FROM joined j
    LEFT JOIN optout_addresses o ON o.channel = j.channel AND o.address = j.address
    LEFT JOIN verdicts v ON v.channel = j.channel AND v.address = j.address
    LEFT JOIN delivery_services ds ON ds.delivery_id = j.delivery_id
    LEFT JOIN subscribed s ON s.profile_id = j.profile_id AND s.service = ds.service
)
SELECT delivery_id, channel, profile_id,
       CASE WHEN reason IS NULL AND row_number() OVER (
                PARTITION BY delivery_id, channel, reason IS NULL, address ORDER BY profile_id) > 1
            THEN 'duplicate' ELSE reason END AS reason,
       CASE WHEN reason IN ('unknown_profile', 'optout_all', 'optout_channel', 'not_subscribed', 'missing_address')
            THEN NULL ELSE address END AS address
FROM classified;

COPY (SELECT delivery_id, channel, profile_id, address FROM analysis WHERE reason IS NULL)
    TO '${OUT}/recipients.parquet' (FORMAT parquet, COMPRESSION snappy);
COPY (SELECT delivery_id, channel, profile_id, reason, address FROM analysis WHERE reason IS NOT NULL)
    TO '${OUT}/exclusions.parquet' (FORMAT parquet, COMPRESSION snappy);
COPY (SELECT delivery_id, channel, count(*) AS targeted, count(*) FILTER (reason IS NULL) AS kept,
             count(*) FILTER (reason IS NOT NULL) AS excluded
      FROM analysis GROUP BY ALL ORDER BY ALL)
    TO '${OUT}/summary.csv' (HEADER);
