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
--   instead of failing the run, and the summary is only the per-delivery counts.

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
CREATE MACRO kind_of(channel) AS CASE channel
    WHEN 'email' THEN 'email' WHEN 'push' THEN 'token' WHEN 'direct_mail' THEN 'postal' ELSE 'phone' END;

CREATE TEMP TABLE profiles AS
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
                WHEN j.address IS NULL THEN 'missing_address'
                WHEN NOT valid(kind_of(j.channel), j.address) THEN 'invalid_address'
                WHEN o.address IS NOT NULL THEN 'optout_address'
                WHEN v.verdict = 'denylisted' THEN 'denylisted'
                WHEN v.verdict = 'quarantined' THEN 'quarantined' END AS reason
    FROM joined j
    LEFT JOIN optout_addresses o ON o.channel = j.channel AND o.address = j.address
    LEFT JOIN verdicts v ON v.channel = j.channel AND v.address = j.address
)
SELECT delivery_id, channel, profile_id,
       CASE WHEN reason IS NULL AND row_number() OVER (
                PARTITION BY delivery_id, channel, reason IS NULL, address ORDER BY profile_id) > 1
            THEN 'duplicate' ELSE reason END AS reason,
       CASE WHEN reason IN ('unknown_profile', 'optout_all', 'optout_channel', 'missing_address')
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
