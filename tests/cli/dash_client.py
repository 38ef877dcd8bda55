#!/usr/bin/env python3
"""A logged-in browser for tests/cli/dashboard.sh (Python standard library).

Every command logs in as NAME first (GET /login, POST /login), keeps the
session cookie, and then:

    dash_client.py BASE NAME PW get PATH
        print the status, each header as "name: value", a blank line and
        the body
    dash_client.py BASE NAME PW alert N|KEY ACTION NOTE
        on Today, submit the form of the Nth alert (1 = the first shown),
        or of the alert KEY ("risk:12:9"), with ACTION (ack or resolve)
        and NOTE; print the status and the Location
    dash_client.py BASE NAME PW post-alert KEY ACTION NOTE
        post that to /alert with Today's CSRF token even when Today no
        longer shows the alert (a second tab); print as alert does
    dash_client.py BASE NAME PW submit PAGE ACTION NAME=VALUE...
        on PAGE, submit the first form posting to ACTION (its hidden
        fields and these); print as get does
    dash_client.py BASE NAME PW rows PATH
        read a caseload page: print each table row's client and
        questionnaire, a line each, then "prev HREF" and "next HREF" (the
        pager's links, "-" when absent) and the pager's words
    dash_client.py BASE NAME PW compare-caseload JSON
        read the caseload page (?sort=client&all=1) and compare every row
        with JSON (`cairn caseload --all --json`): client, instrument,
        number of scores, latest score, change and status; print "same
        N rows" or each difference
"""
import html.parser
import http.client
import json
import sys
import urllib.parse


def request(base, path, method="GET", fields=None, cookie=None):
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    h = {}
    body = None
    if fields is not None:
        body = urllib.parse.urlencode(fields)
        h["Content-Type"] = "application/x-www-form-urlencoded"
        h["Origin"] = "%s://%s" % (u.scheme, u.netloc)
        h["Sec-Fetch-Site"] = "same-origin"
    if cookie:
        h["Cookie"] = cookie
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read()
    hdrs = r.getheaders()
    conn.close()
    return r.status, hdrs, data


class Forms(html.parser.HTMLParser):
    """Each form's action and hidden fields, in page order."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action"), "hidden": []})
        elif tag == "input" and a.get("type") == "hidden" and self.forms:
            self.forms[-1]["hidden"].append((a["name"], a.get("value", "")))


def forms(page):
    f = Forms()
    f.feed(page)
    return f.forms


def cookies(hdrs):
    return "; ".join(v.split(";")[0] for n, v in hdrs
                     if n.lower() == "set-cookie")


def login(base, name, pw):
    _, hdrs, page = request(base, "/login")
    form = forms(page.decode())[0]
    fields = form["hidden"] + [("name", name), ("password", pw)]
    status, hdrs, _ = request(base, "/login", "POST", fields, cookies(hdrs))
    if status != 303:
        sys.exit("login as %s: status %d" % (name, status))
    return cookies(hdrs)


class Rows(html.parser.HTMLParser):
    """The caseload table's rows: data attributes and cell texts."""

    def __init__(self):
        super().__init__()
        self.rows = []
        self.cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-client" in a:
            self.rows.append({"client": a["data-client"],
                              "instrument": a["data-instrument"],
                              "cells": []})
        elif tag in ("td", "th") and self.rows and self.cell is None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1]["cells"].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


class Pager(html.parser.HTMLParser):
    """The caseload pagers' links (rel prev and next) and texts, one per
    pager (one above the table, one below)."""

    def __init__(self):
        super().__init__()
        self.links = {}
        self.texts = []
        self.inside = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "nav" and "pager" in a.get("class", "").split():
            self.inside = True
            self.texts.append("")
        elif tag == "a" and self.inside and a.get("rel"):
            self.links[a["rel"]] = a["href"]

    def handle_endtag(self, tag):
        if tag == "nav":
            self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.texts[-1] += data


def rows(base, cookie, path):
    _, _, page = request(base, path, cookie=cookie)
    text = page.decode()
    p = Rows()
    p.feed(text)
    for r in p.rows:
        print(r["client"], r["instrument"])
    g = Pager()
    g.feed(text)
    print("prev", g.links.get("prev", "-"))
    print("next", g.links.get("next", "-"))
    print("pagers", len(g.texts))
    for t in g.texts[:1]:
        print("pager", t.strip())


def status_words(t):
    """The caseload's status, from a trend's JSON (the command's words)."""
    if t["n"] < 2:
        return "one score"
    rci = t.get("rci")
    if not rci:
        c = t["change"]
        return "lower" if c < 0 else "higher" if c > 0 else "same"
    clin = t.get("clinical") or {}
    if clin.get("reliably_recovered"):
        return "reliably recovered"
    return {"improved": "reliably improved",
            "deteriorated": "reliably worse"}.get(rci.get("category"),
                                                  "no reliable change")


def num(x):
    return "%g" % x


def compare(base, cookie, path):
    _, _, page = request(base, "/caseload?sort=client&all=1", cookie=cookie)
    p = Rows()
    p.feed(page.decode())
    want = json.load(open(path))
    shown = {(r["client"], r["instrument"]): r for r in p.rows}
    bad = []
    n = 0
    for c in want:
        for t in c["trends"]:
            n += 1
            r = shown.pop((c["client"], t["instrument"]), None)
            if r is None:
                bad.append("missing %s %s" % (c["client"], t["instrument"]))
                continue
            cells = r["cells"]
            expect = {2: str(t["n"]), 4: num(t["latest"]["score"]),
                      6: ("+" if t["change"] > 0 else "") + num(t["change"])
                      if t["n"] >= 2 else "",
                      7: status_words(t)}
            for i, v in expect.items():
                if cells[i] != v:
                    bad.append("%s %s column %d: page %r, command %r"
                               % (c["client"], t["instrument"], i, cells[i],
                                  v))
    bad += ["extra %s %s" % k for k in shown]
    print("\n".join(bad) if bad else "same %d rows" % n)


def main(argv):
    base, name, pw, what = argv[1:5]
    cookie = login(base, name, pw)
    if what == "get":
        status, hdrs, body = request(base, argv[5], cookie=cookie)
        print(status)
        for n, v in hdrs:
            print("%s: %s" % (n.lower(), v))
        print()
        sys.stdout.flush()
        sys.stdout.buffer.write(body)
    elif what in ("alert", "post-alert"):
        _, _, page = request(base, "/today", cookie=cookie)
        all_forms = forms(page.decode())
        alert_forms = [f for f in all_forms if f["action"] == "/alert"]
        if what == "post-alert":
            csrf = [v for f in all_forms for n, v in f["hidden"]
                    if n == "csrf"][0]
            fields = [("csrf", csrf), ("alert", argv[5])]
        elif ":" in argv[5]:
            fields = [f for f in alert_forms
                      if ("alert", argv[5]) in f["hidden"]][0]["hidden"]
        else:
            fields = alert_forms[int(argv[5]) - 1]["hidden"]
        fields = fields + [("action", argv[6]), ("note", argv[7])]
        status, hdrs, _ = request(base, "/alert", "POST", fields, cookie)
        loc = [v for n, v in hdrs if n.lower() == "location"]
        print(status, loc[0] if loc else "-")
    elif what == "submit":
        _, _, page = request(base, argv[5], cookie=cookie)
        form = [f for f in forms(page.decode()) if f["action"] == argv[6]][0]
        fields = form["hidden"] + [tuple(a.split("=", 1)) for a in argv[7:]]
        status, hdrs, body = request(base, argv[6], "POST", fields, cookie)
        print(status)
        for n, v in hdrs:
            print("%s: %s" % (n.lower(), v))
        print()
        sys.stdout.flush()
        sys.stdout.buffer.write(body)
    elif what == "rows":
        rows(base, cookie, argv[5])
    elif what == "compare-caseload":
        compare(base, cookie, argv[5])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
