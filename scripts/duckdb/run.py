"""Runs suppress.sql (the contract as DuckDB SQL) on one set of Parquet files.

Usage: python run.py --profiles F --targets F --quarantine F --out DIR --as-of RFC3339
                     [--default-country CC] [--threads N] [--propagate-optout] [--channel NAME]
                     [--deliveries F] [--subscriptions F] [--consent F] [--exported-at RFC3339]
Writes DIR/recipients.parquet, DIR/exclusions.parquet and DIR/summary.csv.
"""
import argparse
import os
import pathlib
import string

import duckdb


def main():
    parser = argparse.ArgumentParser()
    for name in ("--profiles", "--targets", "--quarantine", "--out", "--as-of"):
        parser.add_argument(name, required=True)
    parser.add_argument("--default-country", default="")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--propagate-optout", action="store_true")
    parser.add_argument("--channel", help="channel of every target row when targets have none")
    for name in ("--deliveries", "--subscriptions", "--consent", "--exported-at"):
        parser.add_argument(name)
    args = parser.parse_args()

    def literal(text):
        return text.replace("'", "''")

    def table(path, empty):
        return f"read_parquet('{literal(path)}')" if path else f"(SELECT {empty} WHERE false)"

    os.makedirs(args.out, exist_ok=True)
    template = string.Template((pathlib.Path(__file__).parent / "suppress.sql").read_text())
    sql = template.substitute(
        THREADS=args.threads,
        PROFILES=literal(args.profiles),
        TARGETS=literal(args.targets),
        QUARANTINE=literal(args.quarantine),
        OUT=literal(args.out),
        AS_OF=literal(args.as_of),
        COUNTRY=literal(args.default_country),
        PROPAGATE="true" if args.propagate_optout else "false",
        TARGET_CHANNEL=f"'{literal(args.channel)}'" if args.channel else "channel",
        DELIVERIES=table(args.deliveries, "NULL::VARCHAR AS delivery_id, NULL::VARCHAR AS service"),
        SUBSCRIPTIONS=table(
            args.subscriptions, "NULL::BIGINT AS profile_id, NULL::VARCHAR AS service, NULL::TIMESTAMPTZ AS expires_at"
        ),
        CONSENT=table(
            args.consent,
            "NULL::BIGINT AS profile_id, NULL::TIMESTAMPTZ AS \"at\", NULL::VARCHAR AS action, "
            "NULL::VARCHAR AS channel, NULL::VARCHAR AS service",
        ),
        EXPORTED_AT=f"TIMESTAMPTZ '{literal(args.exported_at)}'" if args.exported_at else "NULL::TIMESTAMPTZ",
        HAS_EXPORTED_AT="true" if args.exported_at else "false",
    )
    # An in-memory database, as a user would start; DuckDB spills to a temp directory when
    # it needs to, so give it one next to the outputs.
    con = duckdb.connect(config={"temp_directory": os.path.join(args.out, ".duckdb-tmp")})
    con.execute(sql)
    con.close()


if __name__ == "__main__":
    main()
