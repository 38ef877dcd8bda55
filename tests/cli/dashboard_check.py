#!/usr/bin/env python3
"""Compare the dashboard's figures with the command line's, over loopback.

    dashboard_check.py BASE NAME PASSWORD CAIRN DB CLIENT

Logs in to a running `cairn serve` at BASE, reads /client/CLIENT on both
time axes and /couple/CLIENT, and checks every figure the pages carry
(data-fig / data-value) against `cairn trend --json` and `cairn couple
--json` for the same client: first, latest, change, slope and its
interval, the reliable-change threshold, the cut-off, the expected score,
and each pair's difference with the reliable difference and the flags.
Prints one line per mismatch and exits 1 if there is any; else prints
what it compared.  Python standard library only.
"""
import json
import re
import subprocess
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import http_client  # noqa: E402  (tests/cli/http_client.py)

FIG = re.compile(r'data-fig="([a-z_]+)" data-value="([^"]*)"')
ROW = re.compile(r'<tr><td>(\d{4}-\d\d-\d\d)</td>(?:<td>(-?\d+)</td>)?'
                 r'<td class="num">([^<]*)</td>')


def login(base, name, pw):
    _, hdrs, page = http_client.request(base + "/login", None)
    cookie = "; ".join(v.split(";")[0] for n, v in hdrs
                       if n.lower() == "set-cookie")
    fields = http_client.hidden(page) + [("name", name), ("password", pw)]
    status, hdrs, _ = http_client.request(base + "/login", None, "POST",
                                          fields, cookie=cookie)
    if status != 303:
        sys.exit("login: %d" % status)
    return "; ".join(v.split(";")[0] for n, v in hdrs
                     if n.lower() == "set-cookie")


def get(base, path, cookie):
    status, _, page = http_client.request(base + path, None, cookie=cookie)
    if status != 200:
        sys.exit("GET %s: %d" % (path, status))
    return page


def sections(page, rows=None):
    """{instrument code: [(figure, value), ...]} per questionnaire; with
    `rows` (a dict), also each chart table's (date, week, score) rows."""
    out = {}
    for part in page.split('<section class="course" aria-labelledby="h-')[1:]:
        code = part.split('"', 1)[0]
        out[code] = [(n, float(v)) for n, v in FIG.findall(part)]
        if rows is not None:
            table = part.split('<table class="data">', 1)[-1]
            table = table.split("</table>", 1)[0]
            rows[code] = ROW.findall(table)
    return out


def cli(cairn, db, *args):
    r = subprocess.run([cairn, "--db", db, *args], capture_output=True,
                       text=True, check=True)
    return json.loads(r.stdout)


class Check:
    def __init__(self):
        self.n = 0
        self.bad = []

    def eq(self, what, page, want):
        self.n += 1
        if want is None or abs(page - want) > 1e-6 * max(1, abs(want)):
            self.bad.append("%s: page %r, command line %r" % (what, page,
                                                               want))


def trend_figures(t):
    f = {"baseline": t["baseline"]["score"], "cutoff": None}
    if t["n"] >= 2:
        f["latest"] = t["latest"]["score"]
        f["change"] = t["change"]
    s = t.get("slope_per_week") or {}
    if s.get("estimate") is not None:
        f["slope"] = s["estimate"]
        if s.get("ci95"):
            f["slope_low"], f["slope_high"] = s["ci95"]
    if t.get("rci"):
        f["rc_threshold"] = t["rci"]["threshold_points"]
        if t["rci"].get("value") is not None and t["rci"].get("sd"):
            f["rci"] = t["rci"]["value"]
    if t.get("clinical"):
        f["cutoff"] = t["clinical"]["cutoff"]
    if t.get("expected_latest") is not None:
        f["expected"] = t["expected_latest"]["mean"] \
            if isinstance(t["expected_latest"], dict) else t["expected_latest"]
    return f


def check_client(chk, base, cookie, cairn, db, client):
    for axis in ("since-first", "since-loss"):
        q = "?time=since-loss" if axis == "since-loss" else ""
        rows = {}
        page = sections(get(base, "/client/" + client + q, cookie), rows)
        if not page:
            chk.bad.append("%s: no questionnaire on the page" % axis)
        for code, figs in page.items():
            t = cli(cairn, db, "trend", "--client", client, "--instrument",
                    code, "--time", axis, "--json")
            want = trend_figures(t)
            for name, value in figs:
                chk.eq("%s %s %s" % (axis, code, name), value,
                       want.get(name))
            want_rows = [(p["date"][:10],
                          "%.0f" % p["weeks"] if axis == "since-loss" else "",
                          "%g" % p["score"]) for p in t["points"]]
            chk.n += 1
            if rows[code] != want_rows:
                chk.bad.append("%s %s: the chart's table %r, the command "
                               "line's points %r" % (axis, code, rows[code][:3],
                                                     want_rows[:3]))
            missing = set(want) - {n for n, _ in figs} - {"cutoff"}
            if missing:
                chk.bad.append("%s %s: not on the page: %s" % (
                    axis, code, ", ".join(sorted(missing))))


def check_couple(chk, base, cookie, cairn, db, client):
    raw = get(base, "/couple/" + client, cookie)
    page = sections(raw)
    view = cli(cairn, db, "couple", "--client", client, "--json")
    for inst in view["instruments"]:
        figs = page.get(inst["instrument"])
        if figs is None:
            chk.bad.append("couple: %s missing" % inst["instrument"])
            continue
        diffs = [v for n, v in figs if n == "difference"]
        want = [p["difference"] for p in inst["pairs"]]
        chk.n += 1
        if len(diffs) != len(want):
            chk.bad.append("couple %s: %d pairs on the page, %d on the "
                           "command line" % (inst["instrument"], len(diffs),
                                             len(want)))
        for i, (a, b) in enumerate(zip(diffs, want)):
            chk.eq("couple %s pair %d" % (inst["instrument"], i + 1), a, b)
        rd = [v for n, v in figs if n == "reliable_difference"]
        if inst["reliable_difference"] is not None:
            chk.eq("couple %s reliable difference" % inst["instrument"],
                   rd[0] if rd else float("nan"),
                   inst["reliable_difference"])
        part = raw.split('aria-labelledby="h-%s"' % inst["instrument"])[1]
        for flag in ("diverging", "incongruent"):
            chk.n += 1
            said = re.search(r'data-fig="%s">(not judged|yes|no)' % flag,
                             part)
            shown = None if said is None else {
                "yes": True, "no": False, "not judged": None}[said.group(1)]
            if said is None or shown != inst[flag]:
                chk.bad.append("couple %s %s: page %s, command line %s" % (
                    inst["instrument"], flag,
                    said.group(1) if said else "nothing", inst[flag]))


def main(argv):
    base, name, pw, cairn, db, client = argv[1:7]
    cookie = login(base, name, pw)
    chk = Check()
    check_client(chk, base, cookie, cairn, db, client)
    check_couple(chk, base, cookie, cairn, db, client)
    for b in chk.bad:
        print(b)
    print("compared %d figures" % chk.n)
    return 1 if chk.bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
