#!/usr/bin/env python3
"""Write examples/clinic.csv: the example clinic's questionnaires.

Everything here is fictional.  Each client's course is written by hand
below as a few (date, total) points per instrument; totals in between are
interpolated on the client's schedule, with a small fixed wobble, and each
total is spread over the items by a fixed rule: items the client keeps
("persistent" symptoms, e.g. guilt and despair items) are filled first,
so they stay high while the total falls, which the report's item heat map
shows.  Risk items stay at their lowest answer except where a risk answer
is written in on purpose.

The output is deterministic; run it from the repository root:
    python3 examples/make_clinic_csv.py > examples/clinic.csv
"""
import datetime as dt
import json
import sys

WOBBLE = [0, 1, -1, 0, 1, 0, -1, 1, 0, -1]

# client: (first date, last date, {instrument: (every n weeks, keyframes,
#          persistent items, risk answers {date: {item: score}})})
CLINIC = {
    "S01": ("2026-03-02", "2026-08-31", {
        "phq9": (1, [("2026-03-02", 16), ("2026-04-20", 15),
                     ("2026-06-15", 10), ("2026-07-27", 9),
                     ("2026-08-24", 13)], [2, 6, 3, 4], {}),
        "epds": (2, [("2026-03-02", 17), ("2026-06-15", 11),
                     ("2026-08-31", 15)], [3, 8, 9, 4],
                 {"2026-03-16": {10: 1}}),
        "gad7": (2, [("2026-03-02", 13), ("2026-06-08", 9),
                     ("2026-08-31", 11)], [2, 3, 7], {}),
        "pgs33": (3, [("2026-03-02", 124), ("2026-06-22", 104),
                      ("2026-08-31", 114)],
                  [6, 10, 5, 12, 16, 18, 22, 23, 29, 31], {}),
    }),
    "J01": ("2026-03-09", "2026-08-24", {
        "phq9": (1, [("2026-03-09", 11), ("2026-05-04", 7),
                     ("2026-08-24", 4)], [4, 3], {}),
        "epds": (2, [("2026-03-09", 9), ("2026-08-24", 5)], [4, 6], {}),
        "gad7": (2, [("2026-03-09", 9), ("2026-08-24", 4)], [1, 5], {}),
        "pgs33": (3, [("2026-03-09", 98), ("2026-08-24", 66)],
                  [10, 6, 14], {}),
    }),
    "C03": ("2026-04-06", "2026-08-17", {
        "phq9": (1, [("2026-04-06", 19), ("2026-05-11", 17),
                     ("2026-08-17", 7)], [6, 2, 1], {}),
        "epds": (2, [("2026-04-06", 18), ("2026-08-17", 8)], [3, 8], {}),
        "pgs33": (3, [("2026-04-06", 132), ("2026-05-11", 128),
                      ("2026-08-17", 92)], [6, 10, 5, 27], {}),
    }),
    "C04": ("2026-04-13", "2026-09-07", {
        "phq9": (1, [("2026-04-13", 7), ("2026-06-29", 6),
                     ("2026-09-07", 14)], [3, 4], {}),
        "gad7": (1, [("2026-04-13", 6), ("2026-06-29", 5),
                     ("2026-09-07", 15)], [1, 2, 7], {}),
        "epds": (2, [("2026-04-13", 8), ("2026-09-07", 14)], [4, 5], {}),
    }),
    "C05": ("2026-04-20", "2026-09-14", {
        "phq9": (1, [("2026-04-20", 12), ("2026-07-27", 12),
                     ("2026-08-03", 14), ("2026-09-14", 12)],
                 [1, 4, 3], {}),
        "gad7": (2, [("2026-04-20", 9), ("2026-09-14", 9)], [2, 4], {}),
        "pgs33": (4, [("2026-04-20", 110), ("2026-09-14", 104)],
                  [10, 6, 12, 5], {}),
    }),
    "C06": ("2026-03-23", "2026-07-27", {
        "phq9": (1, [("2026-03-23", 18), ("2026-04-13", 17),
                     ("2026-07-27", 6)], [2, 6, 3], {}),
        "gad7": (2, [("2026-03-23", 15), ("2026-07-27", 5)], [2, 3], {}),
        "epds": (2, [("2026-03-23", 16), ("2026-07-27", 7)], [3, 9], {}),
        "pgs33": (3, [("2026-03-23", 130), ("2026-07-27", 85)],
                  [6, 10, 5], {}),
    }),
    "C07": ("2026-01-05", "2026-04-27", {
        "phq9": (2, [("2026-01-05", 12), ("2026-04-27", 5)], [4, 3], {}),
    }),
}

# A missing item, to show prorating: (client, date, instrument, item).
MISSING = {("J01", "2026-04-13", "phq9", 5)}

# Items kept at their lowest answer unless a risk answer is written in.
RISK = {"phq9": [9], "epds": [10], "pgs33": [8]}
MAX_ITEMS = 33


def load(code):
    with open("instruments/%s.json" % code) as f:
        d = json.load(f)
    sets = d.get("option_sets", {})
    items = []
    for it in d["items"]:
        opts = it["options"]
        opts = sets[opts] if isinstance(opts, str) else opts
        items.append({o["score"]: o["code"] for o in opts})
    return items


def spread(items, total, persistent, risk):
    """Item scores summing to total: persistent items first, by rounds."""
    lo = [min(m) for m in items]
    hi = [max(m) for m in items]
    order = [p - 1 for p in persistent]
    order += [i for i in range(len(items)) if i not in order]
    order = [i for i in order if i + 1 not in risk]
    score = lo[:]
    left = total - sum(lo)
    for i in order[:len(persistent)]:
        step = min(left, hi[i] - 1 - lo[i])
        if step > 0 and i + 1 not in risk:
            score[i] += step
            left -= step
    level = 0
    while left > 0 and level < max(hi) + 1:
        level += 1
        for i in order:
            if left > 0 and score[i] < min(hi[i], lo[i] + level):
                score[i] += 1
                left -= 1
    return score


def interpolate(keys, day):
    pts = [(dt.date.fromisoformat(d), v) for d, v in keys]
    if day <= pts[0][0]:
        return pts[0][1]
    for (d0, v0), (d1, v1) in zip(pts, pts[1:]):
        if d0 <= day <= d1:
            f = (day - d0).days / max((d1 - d0).days, 1)
            return v0 + f * (v1 - v0)
    return pts[-1][1]


def rows():
    inst = {c: load(c) for c in ("phq9", "epds", "gad7", "pgs33")}
    for client, (first, last, plan) in CLINIC.items():
        start = dt.date.fromisoformat(first)
        end = dt.date.fromisoformat(last)
        for code, (every, keys, persistent, risk_at) in plan.items():
            items = inst[code]
            lo = sum(min(m) for m in items)
            hi = sum(max(m) for m in items)
            k = 0
            day = start
            while day <= end:
                total = round(interpolate(keys, day)) + WOBBLE[k % 10]
                total = max(lo, min(hi, total))
                score = spread(items, total, persistent, RISK.get(code, []))
                for item, s in risk_at.get(day.isoformat(), {}).items():
                    score[item - 1] = s
                codes = [str(items[i][s]) for i, s in enumerate(score)]
                for c, d, i, n in MISSING:
                    if (c, d, i) == (client, day.isoformat(), code):
                        codes[n - 1] = ""
                codes += [""] * (MAX_ITEMS - len(codes))
                yield [client, day.isoformat(), code] + codes
                k += 1
                day += dt.timedelta(weeks=every)


def main():
    out = sys.stdout
    head = ["client_id", "administered_at", "instrument"]
    head += ["item%d" % i for i in range(1, MAX_ITEMS + 1)]
    out.write(",".join(head) + "\n")
    for r in sorted(rows(), key=lambda r: (r[0], r[1], r[2])):
        out.write(",".join(r) + "\n")


if __name__ == "__main__":
    main()
