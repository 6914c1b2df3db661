"""Checks that two output directories hold the same rows (as multisets, order ignored).

Usage: python compare.py DIR_A DIR_B. Prints one line per output file; exits 1 on a difference.
An output may be one file or a directory of part files (as a Ballista cluster writes them).
"""
import os
import sys

import duckdb


def main():
    a, b = sys.argv[1], sys.argv[2]
    con = duckdb.connect()
    con.execute("SET threads = 2")
    same = True
    def source(directory, name):
        path = f"{directory}/{name}.parquet"
        return f"{path}/**/*.parquet" if os.path.isdir(path) else path

    for name, columns in (("recipients", "delivery_id, channel, profile_id, address"),
                          ("exclusions", "delivery_id, channel, profile_id, reason, address")):
        left = f"SELECT {columns} FROM read_parquet('{source(a, name)}')"
        right = f"SELECT {columns} FROM read_parquet('{source(b, name)}')"
        rows = con.execute(f"SELECT count(*) FROM ({left})").fetchone()[0]
        only_a = con.execute(f"SELECT count(*) FROM ({left} EXCEPT ALL {right})").fetchone()[0]
        only_b = con.execute(f"SELECT count(*) FROM ({right} EXCEPT ALL {left})").fetchone()[0]
        print(f"{name}: {rows} rows, {only_a} only in {a}, {only_b} only in {b}")
        if only_a or only_b:
            same = False
            print(con.execute(f"({left} EXCEPT ALL {right}) LIMIT 5").fetchall())
            print(con.execute(f"({right} EXCEPT ALL {left}) LIMIT 5").fetchall())
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
