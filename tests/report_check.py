#!/usr/bin/python3
"""Check a Cairn workbook with an independent reader.

Run with Debian's python3 and python3-openpyxl (/usr/bin/python3):

    report_check.py client|couple|caseload FILE.xlsx --cairn BIN --db DB
                    [--client CODE] [--instruments DIR]

The expected numbers come from the engine's own output (`cairn history
--json`, `cairn client show --json`, `cairn event list --json`) and from
the instrument definitions, recomputed here (baseline, latest, change,
least-squares slope, Jacobson-Truax reliable change, partner pairs), never
from the reports library.  Charts are read from the xlsx package's XML,
because openpyxl does not load charts.

Prints one TAP line per check ("ok - ..." / "not ok - ...") and exits 1
when any check fails.
"""
import argparse
import datetime as dt
import json
import math
import os
import re
import subprocess
import sys
import zipfile
import xml.etree.ElementTree as ET

import openpyxl
from openpyxl.utils import get_column_letter

NS = {
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/"
          "core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
}
ALERT_FILL = "FFC7CE"
FAILED = []
OVERRIDDEN = False


def check(ok, what, why=""):
    if ok:
        print("ok - %s" % what)
    else:
        print("not ok - %s" % what)
        if why:
            for line in str(why).splitlines():
                print("#   %s" % line)
        FAILED.append(what)
    return ok


def near(a, b, tol=1e-9):
    return (isinstance(a, (int, float)) and not isinstance(a, bool) and
            abs(a - b) <= tol * max(1.0, abs(b)))


# ---- the engine's own numbers ----

class Engine:
    def __init__(self, args):
        self.cairn = args.cairn
        self.db = args.db
        self.idir = args.instruments
        self.defs = {}

    def run(self, *argv):
        out = subprocess.run([self.cairn, "--db", self.db] + list(argv),
                             check=True, capture_output=True, text=True)
        return out.stdout

    def json_lines(self, *argv):
        text = self.run(*argv).strip()
        return json.loads(text) if text else []

    def history(self, code):
        return [a for a in self.json_lines("history", "--client", code,
                                           "--json")
                if a.get("status", "current") == "current"]

    def client(self, code):
        return json.loads(self.run("client", "show", code, "--json"))

    def clients(self):
        return json.loads(self.run("client", "list", "--json"))

    def alerts(self, code):
        """The engine's alerts of one client: {key: state}."""
        return {a["id"]: a["state"] for a in
                json.loads(self.run("alerts", "--all", "--json"))
                if a["client"] == code}

    def events(self, code):
        return self.json_lines("event", "list", "--client", code, "--json")

    def definition(self, code):
        if code not in self.defs:
            with open(os.path.join(self.idir, code + ".json")) as f:
                self.defs[code] = json.load(f)
        return self.defs[code]

    def alias(self, code):
        d = self.definition(code)
        a = d.get("aliases") or []
        return a[0] if a and len(a[0]) <= 12 and " " not in a[0] else code

    def main_scale(self, code):
        return self.definition(code)["scales"][0]

    def item_scores(self, code):
        """Per item: {code: score}."""
        d = self.definition(code)
        sets = d.get("option_sets", {})
        out = []
        for it in d["items"]:
            opts = it.get("options")
            opts = sets[opts] if isinstance(opts, str) else opts
            out.append({o["code"]: o["score"] for o in opts or []})
        return out


def days(iso):
    d = dt.datetime.fromisoformat(iso.replace("Z", "+00:00")[:19])
    return (d - dt.datetime(1970, 1, 1)).total_seconds() / 86400.0


def course(history, code, scale="total"):
    """Scored points (date, score) of one instrument, in date order."""
    pts = []
    for a in history:
        if a["instrument"] != code:
            continue
        s = a["scales"].get(scale)
        if s is not None and s.get("score") is not None:
            pts.append((a["administered_at"], s["score"]))
    return pts


def ols_slope(pts):
    t = [(days(d) - days(pts[0][0])) / 7.0 for d, _ in pts]
    y = [v for _, v in pts]
    n = len(t)
    mt, my = sum(t) / n, sum(y) / n
    sxx = sum((x - mt) ** 2 for x in t)
    sxy = sum((x - mt) * (v - my) for x, v in zip(t, y))
    return sxy / sxx if sxx > 0 else None


def rc_threshold(scale):
    rc = scale.get("reliable_change") or {}
    if rc.get("sd") is None or rc.get("reliability") is None:
        return None, None
    s_diff = math.sqrt(2) * rc["sd"] * math.sqrt(1 - rc["reliability"])
    return s_diff, 1.96 * s_diff


# ---- the package: properties and charts ----

class Package:
    def __init__(self, path):
        self.zip = zipfile.ZipFile(path)
        self.names = set(self.zip.namelist())

    def xml(self, name):
        return ET.fromstring(self.zip.read(name))

    def rels(self, name):
        base = os.path.dirname(name)
        rel = os.path.join(base, "_rels", os.path.basename(name) + ".rels")
        if rel not in self.names:
            return {}
        out = {}
        for r in self.xml(rel).findall("rel:Relationship", NS):
            out[r.get("Id")] = os.path.normpath(
                os.path.join(base, r.get("Target")))
        return out

    def sheet_files(self):
        wb = self.xml("xl/workbook.xml")
        rels = self.rels("xl/workbook.xml")
        out = {}
        for s in wb.find("m:sheets", NS):
            rid = s.get("{%s}id" % NS["r"])
            out[s.get("name")] = rels[rid]
        return out

    def charts(self, sheet):
        """Charts drawn on `sheet`: a list of dicts title/series."""
        f = self.sheet_files()[sheet]
        out = []
        for target in self.rels(f).values():
            if "drawings/" not in target:
                continue
            for chart in self.rels(target).values():
                if "charts/" in chart:
                    out.append(self.chart(chart))
        return out

    def chart(self, name):
        root = self.xml(name)
        title = "".join(t.text or "" for t in
                        root.findall("c:chart/c:title//a:t", NS))
        kinds = [k.tag.split("}")[1] for k in
                 root.find("c:chart/c:plotArea", NS)
                 if k.tag.endswith("Chart")]
        series = []
        for ser in root.iter("{%s}ser" % NS["c"]):
            nm = ser.find("c:tx/c:v", NS)
            nm = nm.text if nm is not None else ""
            refs = {}
            cache = {}
            for key in ("xVal", "yVal", "cat", "val"):
                f = ser.find("c:%s//c:f" % key, NS)
                if f is not None:
                    refs[key] = f.text
                pts = ser.findall("c:%s//c:numCache/c:pt/c:v" % key, NS)
                cache[key] = [float(v.text) for v in pts]
            series.append({"name": nm, "refs": refs, "cache": cache})
        axes = []
        for ax in root.iter("{%s}valAx" % NS["c"]):
            lim = {k: float(e.get("val")) for k in ("min", "max")
                   for e in [ax.find("c:scaling/c:%s" % k, NS)]
                   if e is not None}
            fmt = ax.find("c:numFmt", NS)
            axes.append({"title": "".join(t.text or "" for t in
                                          ax.findall("c:title//a:t", NS)),
                         "min": lim.get("min"), "max": lim.get("max"),
                         "format": fmt.get("formatCode") if fmt is not None
                         else None})
        return {"title": title, "kinds": kinds, "series": series,
                "axes": axes}

    def cell_types(self, sheet):
        """How many cells of `sheet` are stored as each type ("s": a
        shared string, "inlineStr", "n" for numbers and blanks)."""
        out = {}
        for c in self.xml(self.sheet_files()[sheet]).iter(
                "{%s}c" % NS["m"]):
            t = c.get("t", "n")
            out[t] = out.get(t, 0) + 1
        return out

    def core(self):
        root = self.xml("docProps/core.xml")
        get = lambda p: (root.find(p, NS).text
                         if root.find(p, NS) is not None else None)
        return {"title": get("dc:title"), "creator": get("dc:creator"),
                "created": get("dcterms:created")}


def ref_cells(wb, ref):
    """Values of a range like 'PHQ-9'!$A$5:$A$9 (one column or row)."""
    m = re.match(r"^'?(.*?)'?!\$([A-Z]+)\$(\d+)(?::\$([A-Z]+)\$(\d+))?$",
                 ref)
    sheet = m.group(1).replace("''", "'")
    first = "%s%s" % (m.group(2), m.group(3))
    last = "%s%s" % (m.group(4) or m.group(2), m.group(5) or m.group(3))
    ws = wb[sheet]
    return [c.value for row in ws[first:last] for c in row]


def span(sheet, col, r1, r2):
    """A chart range as libxlsxwriter writes it (one cell: no colon)."""
    if r1 == r2:
        return "%s!$%s$%d" % (sheet, col, r1)
    return "%s!$%s$%d:$%s$%d" % (sheet, col, r1, col, r2)


def quoted(sheet):
    return "'%s'" % sheet if re.search(r"[^A-Za-z0-9_]", sheet) else sheet


# ---- checks every workbook gets ----

NUMBERLIKE = re.compile(r"^[-+]?\d+(\.\d+)?$")


def text_width(v, fmt):
    if isinstance(v, str):
        return len(v)
    if isinstance(v, (dt.datetime, dt.date)):
        return 10
    if isinstance(v, (int, float)):
        if "0.00" in fmt:
            return len("%.2f" % v)
        return len("%g" % v)
    return 0


def check_common(wb, pkg, title_prefix):
    core = pkg.core()
    check(core["creator"] == "Cairn" and
          (core["title"] or "").startswith(title_prefix) and
          core["created"] is not None,
          "document properties: title, author, fixed creation time",
          core)
    formulas, strings, cut, short = [], [], [], []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                if c.data_type == "f" or (isinstance(c.value, str) and
                                          c.value.startswith("=")):
                    formulas.append("%s!%s" % (ws.title, c.coordinate))
                label = str(ws.cell(row=c.row, column=1).value or "")
                if isinstance(c.value, str) and NUMBERLIKE.match(c.value) \
                        and "version" not in label.lower():
                    strings.append("%s!%s=%r" % (ws.title, c.coordinate,
                                                 c.value))
                cut.extend(cut_off(ws, c))
                short.extend(too_short(ws, c))
    check(not formulas, "no formulas", formulas[:5])
    check(not strings, "numbers are numbers, not rounded strings",
          strings[:5])
    check(not cut, "column widths: nothing is cut off", cut[:5])
    check(not short, "row heights: wrapped text has the lines it needs",
          short[:5])
    unfrozen = [ws.title for ws in wb.worksheets
                if ws.freeze_panes is None and ws.title != "Chart data"]
    check(not unfrozen, "header rows frozen on every sheet", unfrozen)
    check_print(wb)


# Printing, as the reader sees it: a character of the default font is
# about 8.8 pixels wide on paper in LibreOffice (7 in Excel), 96 pixels
# to the inch; the printable width of A4 and Letter with the margins set.
PAPERS = {"A4": (8.27, 11.69), "Letter": (8.5, 11.0)}


def sheet_inches(ws):
    px = 0
    for c in range(1, ws.max_column + 1):
        d = ws.column_dimensions.get(get_column_letter(c))
        w = d.width if d is not None and d.width else 8.43
        px += math.floor(w * 8.8 + 5)
    return px / 96.0


def check_print(wb):
    bad = []
    for ws in wb.worksheets:
        ps = ws.page_setup
        if ws.title == "Chart data":
            if ws.sheet_state != "hidden":
                bad.append("Chart data is not hidden, so it would print")
            continue
        if ws.sheet_state != "visible":
            continue
        if ws.print_options.gridLines:
            bad.append("%s: prints gridlines" % ws.title)
        if ws.freeze_panes and not ws.print_title_rows:
            bad.append("%s: header row not repeated on each page" % ws.title)
        if ps.orientation not in ("portrait", "landscape"):
            bad.append("%s: orientation %r" % (ws.title, ps.orientation))
        fit = ws.sheet_properties.pageSetUpPr is not None and \
            ws.sheet_properties.pageSetUpPr.fitToPage
        margins = ws.page_margins.left + ws.page_margins.right
        for paper, (w, h) in PAPERS.items():
            width = (h if ps.orientation == "landscape" else w) - margins
            if fit:
                scale = min(1.0, width / sheet_inches(ws))
                if ps.fitToWidth not in (1, None) or ps.fitToHeight != 0:
                    bad.append("%s: fit to %r x %r pages" %
                               (ws.title, ps.fitToWidth, ps.fitToHeight))
            else:
                scale = (ps.scale or 100) / 100.0
            if scale * 11 < 7.5:
                bad.append("%s on %s: text printed at %.1f points" %
                           (ws.title, paper, scale * 11))
        if not ws.print_area:
            bad.append("%s: no print area" % ws.title)
    check(not bad, "prints readably on A4 and Letter: orientation, one page "
          "wide or a readable scale, header repeated, no gridlines, chart "
          "data hidden", "\n".join(bad[:8]))


def cut_off(ws, c):
    """A cell whose content is wider than its column and cannot overflow."""
    if c.alignment is not None and c.alignment.wrap_text:
        return []
    right = ws._cells.get((c.row, c.column + 1))  # without creating it
    if isinstance(c.value, str) and (right is None or right.value is None):
        return []  # text may run into the empty cell to its right
    width = ws.column_dimensions[get_column_letter(c.column)].width or 8.43
    need = text_width(c.value, c.number_format or "")
    if need > width + 0.5:
        return ["%s!%s %r needs %d, has %.1f" % (ws.title, c.coordinate,
                                                  c.value, need, width)]
    return []


def too_short(ws, c):
    """A wrapped cell whose row is too short for its text: at least one
    line per (column width - 1) characters, up to 20 lines (neither Excel
    nor LibreOffice sizes rows when opening a file)."""
    if c.alignment is None or not c.alignment.wrap_text or \
            not isinstance(c.value, str):
        return []
    width = ws.column_dimensions[get_column_letter(c.column)].width or 8.43
    lines = min(20, math.ceil(len(c.value) / max(width - 1, 1)))
    height = ws.row_dimensions[c.row].height or 15
    if height + 0.5 < 15 * lines:
        return ["%s!%s %r needs %d lines, has %.0f points" % (
            ws.title, c.coordinate, c.value, lines, height)]
    return []


# ---- the client workbook ----

def find_row(ws, col, text, start=1):
    for r in range(start, ws.max_row + 1):
        if ws.cell(row=r, column=col).value == text:
            return r
    return None


def outcome_columns(ws, head_row):
    """Columns of the Outcomes table: (alias, scale label, column)."""
    out = []
    for col in range(2, ws.max_column + 1):
        alias = ws.cell(row=head_row, column=col).value
        if alias is None:
            break
        out.append((alias, ws.cell(row=head_row + 1, column=col).value, col))
    return out


def measure(ws, head_row, name, col):
    r = find_row(ws, 1, name, head_row)
    return ws.cell(row=r, column=col).value if r else None


def check_client_summary(wb, eng, code, hist, codes):
    ws = wb["Summary"]
    check(ws["B5"].value == code, "Summary: client code", ws["B5"].value)
    alerts_row = find_row(ws, 1, "Open alerts")
    outcomes_row = find_row(ws, 1, "Outcomes")
    check(alerts_row and outcomes_row and alerts_row < outcomes_row,
          "Summary: open alerts come before the outcomes")
    found = {}  # key -> (section, highlighted)
    section = "open"
    for r in range(alerts_row + 1, outcomes_row):
        first = ws.cell(row=r, column=1).value
        if first == "Acknowledged alerts":
            section = "acknowledged"
        key = ws.cell(row=r, column=4).value
        if ws.cell(row=r, column=2).value in (None, "Alert"):
            continue
        fill = ws.cell(row=r, column=1).fill.fgColor.rgb or ""
        found[key] = (section, fill.endswith(ALERT_FILL))
    states = eng.alerts(code)
    want = {k: v for k, v in states.items() if v != "resolved"}
    if OVERRIDDEN:  # the engine's list knows no overrides: a subset
        check(set(want) <= set(found),
              "Summary: the engine's open and acknowledged alerts",
              "found %s\nwant %s" % (sorted(found), sorted(want)))
    else:
        check(set(found) == set(want),
              "Summary: the engine's open and acknowledged alerts, no "
              "others", "found %s\nwant %s" % (sorted(found), sorted(want)))
    check(all(found.get(k, ("", False)) == (v, v == "open")
              for k, v in want.items()) and
          all(h == (sec == "open") for sec, h in found.values()),
          "Summary: open alerts highlighted, acknowledged ones apart",
          found)
    resolved = {int(k.split(":")[1]) for k, v in states.items()
                if v == "resolved" and k.startswith("risk:")}
    flagged = {a["id"] for a in hist if a["flags"]} - resolved
    risks = {int(k.split(":")[1]) for k in found if k.startswith("risk:")}
    check(risks == flagged, "Summary: a risk alert for every flagged "
          "assessment", "%s %s" % (risks, flagged))
    head = outcomes_row + 1
    cols = outcome_columns(ws, head)
    for inst in codes:
        check_outcome(ws, eng, hist, inst, head, cols)


def check_outcome(ws, eng, hist, inst, head, cols):
    alias = eng.alias(inst)
    scale = eng.main_scale(inst)
    col = next((c for a, lbl, c in cols if a == alias and
                lbl == scale["label"]), None)
    pts = course(hist, inst, scale["id"])
    if not check(col is not None and pts, "Summary: %s column" % alias):
        return
    base, last = pts[0][1], pts[-1][1]
    got = [measure(ws, head, m, col) for m in ("Scores", "Baseline",
                                               "Latest")]
    check(got == [len(pts), base, last],
          "Summary: %s scores, baseline, latest as the history" % alias,
          "got %s, want %s" % (got, [len(pts), base, last]))
    if len(pts) >= 2:
        check(near(measure(ws, head, "Change", col), last - base),
              "Summary: %s change" % alias)
        slope = ols_slope(pts)
        check(near(measure(ws, head, "Slope per week", col), slope, 1e-9),
              "Summary: %s slope per week (least squares, recomputed)"
              % alias, (measure(ws, head, "Slope per week", col), slope))
    s_diff, points = rc_threshold(scale)
    if s_diff is not None and len(pts) >= 2:
        rci = (last - base) / s_diff
        check(near(measure(ws, head, "RCI", col), rci) and
              near(measure(ws, head, "Points that count as reliable", col),
                   points),
              "Summary: %s RCI and threshold (Jacobson-Truax, recomputed)"
              % alias, (measure(ws, head, "RCI", col), rci))


def check_instrument_sheet(wb, pkg, eng, inst, hist, events):
    alias = eng.alias(inst)
    ws = wb[alias]
    rows = [a for a in hist if a["instrument"] == inst]
    heads = [ws.cell(row=4, column=c).value for c in range(1, 5)]
    check(heads == ["Date", "Score", "Band", "Change from baseline"],
          "%s: table header" % alias, heads)
    pts = course(hist, inst)
    base = pts[0][1] if pts else None
    bad = []
    for i, a in enumerate(rows):
        r = 5 + i
        d, s = ws.cell(row=r, column=1).value, ws.cell(row=r, column=2).value
        want = a["scales"].get("total", {}).get("score")
        if not isinstance(d, dt.datetime) or \
                d.date().isoformat() != a["administered_at"][:10]:
            bad.append("row %d date %r" % (r, d))
        if s != want:
            bad.append("row %d score %r, want %r" % (r, s, want))
        ch = ws.cell(row=r, column=4).value
        if want is not None and not near(ch, want - base):
            bad.append("row %d change %r" % (r, ch))
    check(not bad, "%s: every assessment's date, score and change" % alias,
          "\n".join(bad[:5]))
    check(ws.freeze_panes == "B5", "%s: header frozen" % alias,
          ws.freeze_panes)
    check_instrument_charts(wb, pkg, eng, inst, alias, len(rows), events)


def check_instrument_charts(wb, pkg, eng, inst, alias, n, events):
    charts = {c["title"]: c for c in pkg.charts(alias)}
    main = charts.get("%s over time" % alias)
    if not check(main is not None and "scatterChart" in main["kinds"],
                 "%s: native chart of the score over time" % alias,
                 list(charts)):
        return
    q = quoted(alias)
    want = {"xVal": span(q, "A", 5, 4 + n), "yVal": span(q, "B", 5, 4 + n)}
    check(any(s["refs"] == want for s in main["series"]),
          "%s: score series reads the dates and scores" % alias,
          [s["refs"] for s in main["series"]][:4])
    scale = eng.main_scale(inst)
    cut = (scale.get("clinical_cutoff") or {}).get("value")
    if cut is not None:
        s = [x for x in main["series"] if x["name"] == "cut-off %g" % cut]
        ok = bool(s) and all(v == cut for v in
                             ref_cells(wb, s[0]["refs"]["yVal"]))
        check(ok, "%s: cut-off %g drawn as a line" % (alias, cut))
    bands = scale.get("bands") or []
    names = [x["name"] for x in main["series"]]
    # the definition's label, with its range unless the label ends in one
    check(all(any(n_ == (b["label"] if b["label"].endswith(")") else
                         "%s (%g-%g)" % (b["label"], b["min"], b["max"]))
                  for n_ in names) for b in bands),
          "%s: every severity band drawn, by its label" % alias, names)
    labels = [e["label"] for e in events]
    check(all(any(n_.endswith(lbl) for n_ in names) for lbl in labels
              if within(e_date(events, lbl), main, wb)),
          "%s: events marked on the time axis" % alias, names)
    subs = eng.definition(inst)["scales"][1:]
    if subs:
        sub = charts.get("%s subscales" % alias)
        cols = sorted(x["refs"].get("yVal", "") for x in
                      (sub or {"series": []})["series"]
                      if x["refs"].get("yVal", "").startswith(q + "!"))
        check(sub is not None and len(cols) == len(subs),
              "%s: subscales charted alongside the total" % alias, cols)


def e_date(events, label):
    return next(e["date"] for e in events if e["label"] == label)


def within(date, chart, wb):
    """Whether an event date lies on the chart's score range +- 8 weeks."""
    score = next(s for s in chart["series"] if s["refs"].get("xVal", "")
                 .endswith(("$A$5", ":$A$5")) or "$A$5:" in
                 s["refs"].get("xVal", ""))
    xs = [x for x in ref_cells(wb, score["refs"]["xVal"]) if x]
    d = dt.datetime.fromisoformat(date)
    return min(xs) - dt.timedelta(days=56) <= d <= \
        max(xs) + dt.timedelta(days=56)


def check_item_sheet(wb, eng, inst, hist):
    alias = eng.alias(inst)
    ws = wb["%s items" % alias]
    rows = [a for a in hist if a["instrument"] == inst]
    maps = eng.item_scores(inst)
    bad = []
    for j, a in enumerate(rows):
        for i, code in enumerate(a["responses"]):
            got = ws.cell(row=5 + i, column=3 + j).value
            want = None if code is None else maps[i].get(code, code)
            if got != want:
                bad.append("item %d, %s: %r, want %r" %
                           (i + 1, a["administered_at"], got, want))
    check(not bad, "%s items: every item at every administration" % alias,
          "\n".join(bad[:5]))
    rules = [(str(cf.sqref), r.type) for cf in ws.conditional_formatting
             for r in cf.rules]
    scales = [s for s, t in rules if t == "colorScale"]
    want = sum(1 for m in maps if len(set(m.values())) > 1)
    check(len(scales) == want,
          "%s items: a colour-scale heat map on every item" % alias,
          "%d colour scales, %d items" % (len(scales), want))


def check_client(wb, pkg, eng, code):
    hist = eng.history(code)
    codes = sorted({a["instrument"] for a in hist})
    names = ["Summary"]
    for c in codes:
        names += [eng.alias(c), "%s items" % eng.alias(c)]
    names += ["Sources", "Chart data"]
    check(wb.sheetnames == names, "client: sheet names",
          "%s\n%s" % (wb.sheetnames, names))
    check_common(wb, pkg, "Client report: %s" % code)
    check_client_summary(wb, eng, code, hist, codes)
    events = eng.events(code)
    for c in codes:
        check_instrument_sheet(wb, pkg, eng, c, hist, events)
        check_item_sheet(wb, eng, c, hist)


# ---- a client workbook on weeks since the loss ----

def loss_markers(cl, until):
    """The due date and anniversaries, computed here: {label: date}."""
    loss = dt.date.fromisoformat(cl["loss_date"][:10])
    out = {}
    g = cl.get("gestation_weeks")
    if g is not None and g < 40:
        out["due date, from the loss at %g weeks" % g] = \
            loss + dt.timedelta(days=round((40 - g) * 7))
    k = 1
    while True:
        try:
            d = loss.replace(year=loss.year + k)
        except ValueError:  # 29 February
            d = loss.replace(year=loss.year + k, day=28)
        if d > until:
            break
        out["anniversary %d" % k] = d
        k += 1
    return loss, out


def check_since_loss(wb, pkg, eng, code):
    """`report client --time since-loss`: every chart's x axis is weeks
    since the loss, the scores are drawn against a column of weeks that
    matches their dates, and the due date and anniversaries sit at their
    weeks."""
    cl = eng.client(code)
    hist = eng.history(code)
    loss, marks = loss_markers(cl, dt.date(2100, 1, 1))
    loss_dt = dt.datetime(loss.year, loss.month, loss.day)
    drawn = 0
    for c in sorted({a["instrument"] for a in hist}):
        alias = eng.alias(c)
        ws = wb[alias]
        n = sum(1 for a in hist if a["instrument"] == c)
        col = next((cell.column for cell in ws[4]
                    if cell.value == "Weeks since the loss"), None)
        if not check(col is not None, "%s: a column of weeks since the loss"
                     % alias, [cell.value for cell in ws[4]]):
            continue
        got = [ws.cell(row=5 + i, column=col).value for i in range(n)]
        want = [(ws.cell(row=5 + i, column=1).value - loss_dt)
                .total_seconds() / 86400 / 7 for i in range(n)]
        check(all(near(g, w, 1e-6) for g, w in zip(got, want)),
              "%s: weeks since the loss match the dates" % alias,
              (got, want))
        letter = get_column_letter(col)
        q = quoted(alias)
        for ch in pkg.charts(alias):
            xs = [s["refs"].get("xVal", "") for s in ch["series"]]
            ax = ch["axes"][0] if ch["axes"] else {}
            check(ax.get("title") == "Weeks since the loss" and
                  ax.get("format") != "d mmm yy",
                  "%s: '%s' x axis is weeks since the loss" %
                  (alias, ch["title"]), ax)
            check(span(q, letter, 5, 4 + n) in xs,
                  "%s: '%s' draws the scores against the weeks" %
                  (alias, ch["title"]), xs[:4])
            for s in ch["series"]:
                for label, day in marks.items():
                    if not (s["name"] == label or
                            ("anniversary" in label and
                             s["name"].startswith(label.split()[1]) and
                             "anniversary of the loss" in s["name"])):
                        continue
                    x = ref_cells(wb, s["refs"]["xVal"])[0]
                    check(near(x, (day - loss).days / 7, 1e-9),
                          "%s: '%s' at week %g" %
                          (alias, s["name"], (day - loss).days / 7), x)
                    drawn += 1
    check(drawn > 0, "client %s: the due date or an anniversary is drawn"
          % code, sorted(marks))


# ---- the couple workbook ----

def pairs(pa, pb):
    """As documented in cairn/couple.h: in date order, each of a's scores
    takes the nearest unused later score of b within 14 days."""
    out, next_b = [], 0
    for d, v in pa:
        best, gap = None, 14.0
        for j in range(next_b, len(pb)):
            g = abs(days(pb[j][0]) - days(d))
            if g <= gap:
                best, gap = j, g
        if best is not None:
            out.append((v, pb[best][1]))
            next_b = best + 1
    return out


def check_couple(wb, pkg, eng, code):
    partner = eng.client(code)["partner"]
    ha, hb = eng.history(code), eng.history(partner)
    shared = sorted({a["instrument"] for a in ha} &
                    {b["instrument"] for b in hb})
    names = ["Summary"] + [eng.alias(c) for c in shared] + ["Chart data"]
    check(wb.sheetnames == names, "couple: sheet names",
          "%s\n%s" % (wb.sheetnames, names))
    check_common(wb, pkg, "Couple report: %s and %s" % (code, partner))
    ws = wb["Summary"]
    head = find_row(ws, 1, "Instrument")
    for c in shared:
        alias = eng.alias(c)
        r = find_row(ws, 1, alias, head)
        pa, pb = course(ha, c), course(hb, c)
        pr = pairs(pa, pb)
        got = ws.cell(row=r, column=12).value
        check(got == len(pr), "couple %s: pairs within 14 days" % alias,
              (got, len(pr)))
        if pr:
            check(near(ws.cell(row=r, column=13).value, pr[-1][0] - pr[-1][1]),
                  "couple %s: latest difference" % alias)
        _, points = rc_threshold(eng.main_scale(c))
        if points is not None and pr:
            beyond = abs(pr[-1][0] - pr[-1][1]) > points
            flag = ws.cell(row=r, column=15)
            check((flag.value == "yes") == beyond or flag.value == "yes",
                  "couple %s: divergence flag" % alias, flag.value)
            if flag.value == "yes":
                check((flag.fill.fgColor.rgb or "").endswith(ALERT_FILL),
                      "couple %s: divergence highlighted" % alias)
        charts = pkg.charts(alias)
        q = quoted(alias)
        ys = sorted(s["refs"].get("yVal") for c_ in charts
                    for s in c_["series"]
                    if s["refs"].get("yVal", "").startswith(q + "!"))
        want = sorted([span(q, "B", 5, 4 + len(pa)),
                       span(q, "F", 5, 4 + len(pb))])
        check(ys == want, "couple %s: both partners on one chart" % alias,
              "%s\n%s" % (ys, want))


# ---- the caseload workbook ----

def check_caseload(wb, pkg, eng, expect_clients):
    check(wb.sheetnames == ["Caseload", "Summary"], "caseload: sheet names",
          wb.sheetnames)
    check_common(wb, pkg, "Caseload")
    ws = wb["Caseload"]
    n_rows = ws.max_row - 4
    check(ws.freeze_panes == "B5", "caseload: header frozen",
          ws.freeze_panes)
    check(ws.max_column == 10, "caseload: a list ten columns wide",
          ws.max_column)
    check(ws.auto_filter.ref == "A4:J%d" % (4 + n_rows),
          "caseload: autofilter over the list", ws.auto_filter.ref)
    rows = [[ws.cell(row=5 + i, column=c).value for c in range(1, 11)]
            for i in range(n_rows)]
    codes = []
    for r in rows:
        if not codes or codes[-1] != r[0]:
            codes.append(r[0])
    n = len(codes)
    check(len(set(codes)) == n, "caseload: each client's rows together",
          codes)
    if expect_clients is not None:
        check(sorted(codes) == sorted(expect_clients),
              "caseload: every active client listed", codes)
    firsts = [next(r for r in rows if r[0] == c) for c in codes]
    alerts = [r[2] for r in firsts]
    first_clear = next((i for i, a in enumerate(alerts) if a == 0), n)
    check(all(a > 0 for a in alerts[:first_clear]) and
          all(a == 0 for a in alerts[first_clear:]),
          "caseload: clients with alerts first", alerts)
    kinds = ["risk item endorsed", "reliable deterioration", "not on track",
             "no reliable improvement"]
    ranks = [next((k for k, w in enumerate(kinds)
                   if (firsts[i][3] or "").startswith(w + " (")), None)
             for i in range(first_clear)]
    check(ranks == sorted(ranks), "caseload: sorted by urgency", ranks)
    bad = []
    for code in codes:
        hist = eng.history(code)
        want = {eng.alias(inst): course(hist, inst)[-1][1]
                for inst in sorted({a["instrument"] for a in hist})
                if course(hist, inst)}
        got = {r[4]: r[6] for r in rows if r[0] == code and r[4]}
        if got != want:
            bad.append("%s: %r, want %r" % (code, got, want))
    check(not bad, "caseload: latest score per instrument as the history",
          "\n".join(bad[:5]))
    check_caseload_summary(wb, pkg, n)
    check_caseload_rows(pkg)


def check_caseload_summary(wb, pkg, n):
    ws = wb["Summary"]
    rows = []
    for r in range(5, ws.max_row + 1):
        if ws.cell(row=r, column=1).value is None:
            break
        rows.append([ws.cell(row=r, column=c).value for c in range(1, 7)])
    check(rows and all(sum(x[1:5]) == x[5] and x[5] <= n for x in rows),
          "caseload summary: improved/no change/deteriorated counts", rows)
    charts = pkg.charts("Summary")
    series = charts[0]["series"] if charts else []
    want = ["Summary!$%s$5:$%s$%d" % (c, c, 4 + len(rows)) for c in "BCDE"]
    check(charts and "barChart" in charts[0]["kinds"] and
          [s["refs"].get("val") for s in series] == want,
          "caseload summary: column chart of the counts",
          [s["refs"] for s in series])
    check(series and all(s["cache"]["val"] == [x[1 + k] for x in rows]
                         for k, s in enumerate(series)),
          "caseload summary: the chart carries the counts for readers that "
          "do not recompute it", [s["cache"] for s in series])


def check_caseload_rows(pkg):
    """The list is written row by row (libxlsxwriter's constant memory:
    strings inline), the Summary whole (shared strings)."""
    rows, summary = pkg.cell_types("Caseload"), pkg.cell_types("Summary")
    check(rows.get("inlineStr", 0) > 0 and "s" not in rows and
          summary.get("s", 0) > 0 and "inlineStr" not in summary,
          "caseload: the list written row by row, the summary whole",
          (rows, summary))


# ---- the cohort workbook ----

def value_of(ws, label, col=2):
    r = find_row(ws, 1, label)
    return ws.cell(row=r, column=col).value if r else None


def check_cohort(wb, pkg, eng, instrument, extra):
    names = ["Statistics", "Growth model", "Trajectories",
             "Data dictionary", "Provenance"]
    check(wb.sheetnames == names, "cohort: sheet names", wb.sheetnames)
    check_common(wb, pkg, "Cohort report: %s" % eng.alias(instrument))
    want = json.loads(eng.run("cohort", "--instrument", instrument,
                              "--json", *extra))
    ws = wb["Statistics"]
    pairs = [("Clients with a score", want["n_clients"]),
             ("Clients with two or more scores", want["n_paired"]),
             ("Baseline mean", want["baseline"]["mean"]),
             ("Latest SD", want["latest"]["sd"]),
             ("Effect size d (uncorrected)",
              want["effect_sizes"]["d"]["estimate"]),
             ("Effect size g (Hedges)",
              (want["effect_sizes"]["g"] or {}).get("estimate")),
             ("Effect size d_z", want["effect_sizes"]["d_z"]["estimate"])]
    rc = want.get("rci_counts")
    pairs += [("Reliably improved", rc and rc["improved"]),
              ("Reliably deteriorated", rc and rc["deteriorated"]),
              ("Recovered", want.get("recovered")),
              ("Cronbach's alpha", (want.get("alpha") or {}).get("value"))]
    bad = ["%s: %r, want %r" % (k, value_of(ws, k), v) for k, v in pairs
           if not (near(value_of(ws, k), v, 1e-8) if v is not None
                   else value_of(ws, k) is None)]
    lo = value_of(ws, "Effect size d (uncorrected)", 3)
    if not near(lo, want["effect_sizes"]["d"]["ci95"][0], 1e-8):
        bad.append("d interval %r" % lo)
    g = want["effect_sizes"]["g"]
    lo = value_of(ws, "Effect size g (Hedges)", 3)
    if g is not None and not near(lo, g["ci95"][0], 1e-8):
        bad.append("g interval %r" % lo)
    check(not bad, "cohort statistics as 'cairn cohort --json'",
          "\n".join(bad))
    mm = want["mixed_model"]
    gm = wb["Growth model"]
    got = [value_of(gm, "Intercept (score at week 0)"),
           value_of(gm, "Weeks (change per week)"),
           value_of(gm, "Weeks (change per week)", 3),
           value_of(gm, "Residual SD"),
           value_of(gm, "Log-likelihood")]
    exp = [mm["fixed"]["intercept"]["estimate"],
           mm["fixed"]["weeks"]["estimate"], mm["fixed"]["weeks"]["se"],
           mm["sigma"], mm["loglik"]]
    check(all(near(g, e, 1e-8) for g, e in zip(got, exp)),
          "cohort growth model as 'cairn cohort --json'",
          "got %s\nwant %s" % (got, exp))
    check_trajectories(wb, pkg, want["n_clients"])
    check_provenance(wb, eng, instrument)


def check_trajectories(wb, pkg, n_clients):
    ws = wb["Trajectories"]
    weeks = 0
    while ws.cell(row=5 + weeks, column=1).value is not None:
        weeks += 1
    charts = pkg.charts("Trajectories")
    series = charts[0]["series"] if charts else []
    refs = [s["refs"].get("yVal") for s in series]
    lines = [r for r in refs if r and "$H$" in r]
    clients = {ws.cell(row=r, column=6).value
               for r in range(5, ws.max_row + 1)} - {None}
    check(len(lines) == len(clients) == min(n_clients, 50),
          "cohort chart: individual trajectories", (len(lines), clients))
    check(span("Trajectories", "B", 5, 4 + weeks) in refs and
          span("Trajectories", "D", 5, 4 + weeks) in refs,
          "cohort chart: observed and model mean over the weeks", refs[-2:])
    check(all(isinstance(c, int) for c in clients),
          "cohort: clients numbered, not named", sorted(clients)[:5])


def check_provenance(wb, eng, instrument):
    ws = wb["Provenance"]
    version = subprocess.run([eng.cairn, "--version"], capture_output=True,
                             text=True).stdout.split()[-1]
    check(value_of(ws, "Cairn version") == version and
          value_of(ws, "Database") == eng.db,
          "provenance: Cairn version and database",
          (value_of(ws, "Cairn version"), value_of(ws, "Database")))
    prints = {a["fingerprint"] for c in eng.clients()
              for a in eng.history(c["code"]) if a["instrument"] == instrument}
    shown = {str(ws.cell(row=r, column=2).value).split(" ")[0]
             for r in range(1, ws.max_row + 1)
             if ws.cell(row=r, column=1).value == "Scored with fingerprint"}
    check(shown == prints, "provenance: every definition fingerprint",
          "%s\n%s" % (shown, prints))
    codes = {c["code"] for c in eng.clients()}
    leaks = [("%s!%s" % (w.title, c.coordinate)) for w in wb.worksheets
             for row in w.iter_rows() for c in row if c.value in codes]
    check(not leaks, "cohort: no client code anywhere", leaks[:5])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kind", choices=["client", "couple", "caseload",
                                    "cohort", "since-loss"])
    p.add_argument("file")
    p.add_argument("--cairn", required=True)
    p.add_argument("--db", required=True)
    p.add_argument("--client")
    p.add_argument("--instrument")
    p.add_argument("--cohort-args", default="",
                   help="options given to both reports, space-separated")
    p.add_argument("--expect-clients")
    p.add_argument("--overridden", action="store_true",
                   help="made with --rci-sd and the like")
    p.add_argument("--instruments", default=os.environ.get(
        "CAIRN_INSTRUMENTS", "instruments"))
    args = p.parse_args()
    global OVERRIDDEN
    OVERRIDDEN = args.overridden
    eng = Engine(args)
    wb = openpyxl.load_workbook(args.file)
    pkg = Package(args.file)
    if args.kind == "client":
        check_client(wb, pkg, eng, args.client)
    elif args.kind == "since-loss":
        check_since_loss(wb, pkg, eng, args.client)
    elif args.kind == "couple":
        check_couple(wb, pkg, eng, args.client)
    elif args.kind == "cohort":
        check_cohort(wb, pkg, eng, args.instrument, args.cohort_args.split())
    else:
        expect = args.expect_clients.split(",") if args.expect_clients \
            else None
        check_caseload(wb, pkg, eng, expect)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
