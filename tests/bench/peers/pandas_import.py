#!/usr/bin/python3
"""The pandas + sqlite3 peer of `cairn import` for `make bench`.

usage: pandas_import.py IN.csv OUT.db

Does the same job the way a Python analyst would: read the wide CSV with
pandas, score PHQ-9 (prorate up to two missing items, total rounded half
up, bands, item 9 flag), then write clients, assessments, one row per item
response and the scores in one transaction.  Run with Debian's python3
(python3-pandas).
"""
import sqlite3
import sys

import numpy as np
import pandas as pd

BANDS = [(0, 4, "minimal"), (5, 9, "mild"), (10, 14, "moderate"),
         (15, 19, "moderately_severe"), (20, 27, "severe")]


def score(items):
    answered = items.notna().sum(axis=1)
    sums = items.sum(axis=1, skipna=True)
    prorated = answered < 9
    total = np.floor(sums * 9.0 / answered.replace(0, np.nan) + 0.5)
    total[answered < 7] = np.nan
    band = pd.Series([None] * len(total), dtype=object)
    for lo, hi, name in BANDS:
        band[(total >= lo) & (total <= hi)] = name
    flag = items["item9"].fillna(0) >= 1
    return total, band, prorated, flag


def main():
    src, out = sys.argv[1], sys.argv[2]
    df = pd.read_csv(src, dtype={"client_id": str, "administered_at": str,
                                 "instrument": str})
    items = df[["item%d" % i for i in range(1, 10)]]
    total, band, prorated, flag = score(items)
    db = sqlite3.connect(out, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.executescript("""
        CREATE TABLE client (id INTEGER PRIMARY KEY, code TEXT UNIQUE);
        CREATE TABLE assessment (id INTEGER PRIMARY KEY,
            client_id INTEGER REFERENCES client(id), instrument TEXT,
            administered_at TEXT, total REAL, band TEXT, prorated INTEGER,
            flag INTEGER);
        CREATE TABLE item_response (assessment_id INTEGER, item INTEGER,
            code INTEGER, PRIMARY KEY (assessment_id, item)) WITHOUT ROWID;
        CREATE INDEX assessment_client ON assessment(client_id,
            administered_at);
    """)
    db.execute("BEGIN")
    codes = pd.unique(df["client_id"])
    ids = {c: i + 1 for i, c in enumerate(codes)}
    db.executemany("INSERT INTO client (id, code) VALUES (?, ?)",
                   ((i, c) for c, i in ids.items()))
    client_ids = df["client_id"].map(ids)
    aid = np.arange(1, len(df) + 1)
    db.executemany(
        "INSERT INTO assessment VALUES (?, ?, 'phq9', ?, ?, ?, ?, ?)",
        zip(aid.tolist(), client_ids.tolist(), df["administered_at"].tolist(),
            [None if np.isnan(t) else t for t in total.tolist()],
            band.tolist(), prorated.astype(int).tolist(),
            flag.astype(int).tolist()))
    long = items.copy()
    long.columns = range(1, 10)
    long.insert(0, "assessment_id", aid)
    long = long.melt(id_vars="assessment_id", var_name="item",
                     value_name="code")
    codes_col = [None if np.isnan(v) else int(v) for v in long["code"]]
    db.executemany("INSERT INTO item_response VALUES (?, ?, ?)",
                   zip(long["assessment_id"].tolist(), long["item"].tolist(),
                       codes_col))
    db.execute("COMMIT")
    db.close()
    print("%s: %d assessments, %d item rows" % (out, len(df), len(long)))


if __name__ == "__main__":
    main()
