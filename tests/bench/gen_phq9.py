#!/usr/bin/python3
"""Generate a wide-form PHQ-9 CSV for `make bench`.

usage: gen_phq9.py CLIENTS OUT.csv [SEED]

Each client gets 4-20 weekly assessments from a random start in
2021-2023; answers drift with a per-client severity and trend; about 1% of
items are missing (an empty cell).  Fixed seed, so every run writes the
same file.
"""
import datetime
import random
import sys


def main():
    clients = int(sys.argv[1])
    out = sys.argv[2]
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 20240501)
    epoch = datetime.date(2021, 1, 4)
    rows = 0
    with open(out, "w", encoding="ascii", newline="") as f:
        w = f.write
        w("client_id,administered_at,instrument,"
          + ",".join("item%d" % i for i in range(1, 10)) + "\n")
        for c in range(1, clients + 1):
            code = "C%06d" % c
            start = epoch + datetime.timedelta(days=rng.randrange(0, 1000))
            weeks = rng.randint(4, 20)
            level = rng.uniform(0.3, 2.7)
            slope = rng.uniform(-0.12, 0.04)
            lines = []
            for k in range(weeks):
                day = (start + datetime.timedelta(weeks=k)).isoformat()
                mean = level + slope * k
                cells = []
                for _ in range(9):
                    if rng.random() < 0.01:
                        cells.append("")
                        continue
                    v = int(mean + rng.uniform(-1.0, 1.0) + 0.5)
                    cells.append(str(min(3, max(0, v))))
                lines.append("%s,%s,PHQ-9,%s\n" % (code, day, ",".join(cells)))
            w("".join(lines))
            rows += weeks
    print("%s: %d clients, %d assessments" % (out, clients, rows))


if __name__ == "__main__":
    main()
