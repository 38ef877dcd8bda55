#!/usr/bin/env python3
"""A small HTTP client for tests/cli/serve.sh (Python standard library only).

    http_client.py [--ca FILE] get URL
        print the status, then each response header as "name: value"
    http_client.py [--ca FILE] walk URL CODE...
        answer a one-instrument phone link screen by screen, as a browser
        would (hidden fields carried forward, buttons as submitted), then
        send; print the final status and page
    http_client.py [--ca FILE] post-foreign URL
        POST the link's first form from another origin; print the status
    http_client.py [--ca FILE] login BASE NAME PASSWORD
        fetch the login form and post it; print the status and Retry-After
"""
import html.parser
import http.client
import ssl
import sys
import urllib.parse


class Form(html.parser.HTMLParser):
    """The hidden fields and the CSRF token of a page's form."""

    def __init__(self):
        super().__init__()
        self.hidden = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden":
            self.hidden.append((a["name"], a.get("value", "")))


def connection(url, ca):
    u = urllib.parse.urlsplit(url)
    if u.scheme == "https":
        ctx = ssl.create_default_context(cafile=ca)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        return http.client.HTTPSConnection(u.hostname, u.port, context=ctx,
                                           timeout=20), u
    return http.client.HTTPConnection(u.hostname, u.port, timeout=20), u


def request(url, ca, method="GET", fields=None, headers=None, cookie=None):
    conn, u = connection(url, ca)
    h = dict(headers or {})
    body = None
    if fields is not None:
        body = urllib.parse.urlencode(fields)
        h["Content-Type"] = "application/x-www-form-urlencoded"
        h.setdefault("Origin", "%s://%s" % (u.scheme, u.netloc))
        h.setdefault("Sec-Fetch-Site", "same-origin")
    if cookie:
        h["Cookie"] = cookie
    path = (u.path or "/") + ("?" + u.query if u.query else "")
    conn.request(method, path, body=body, headers=h)
    r = conn.getresponse()
    data = r.read().decode("utf-8", "replace")
    hdrs = r.getheaders()
    conn.close()
    return r.status, hdrs, data


def hidden(page):
    f = Form()
    f.feed(page)
    return f.hidden


def walk(url, ca, codes):
    status, _, page = request(url, ca)
    if status != 200:
        return status, page
    answers = list(codes)
    for _ in range(200):
        fields = [(n, v) for n, v in hidden(page)]
        at = dict(fields).get("at")
        if at == "review":
            fields.append(("go", "send"))
        else:
            if at and at[0].isdigit() and not at.endswith(".i"):
                item = int(at.split(".")[1]) + 1
                fields.append(("item%d" % item, answers[item - 1]))
            fields.append(("go", "next"))
        status, _, page = request(url, ca, "POST", fields)
        if at == "review" or status != 200:
            return status, page
    return 599, "too many screens"


def main(argv):
    ca = None
    if len(argv) > 2 and argv[1] == "--ca":
        ca = argv[2]
        argv = argv[:1] + argv[3:]
    what, url = argv[1], argv[2]
    if what == "get":
        status, hdrs, _ = request(url, ca)
        print(status)
        for name, value in hdrs:
            print("%s: %s" % (name.lower(), value))
    elif what == "walk":
        status, page = walk(url, ca, argv[3:])
        print(status)
        print(page)
    elif what == "post-foreign":
        _, _, page = request(url, ca)
        fields = hidden(page) + [("go", "next")]
        status, _, _ = request(url, ca, "POST", fields,
                               {"Origin": "https://evil.example",
                                "Sec-Fetch-Site": "cross-site"})
        print(status)
    elif what == "login":
        base, name, pw = url, argv[3], argv[4]
        status, hdrs, page = request(base + "/login", ca)
        cookie = "; ".join(v.split(";")[0] for n, v in hdrs
                           if n.lower() == "set-cookie")
        fields = hidden(page) + [("name", name), ("password", pw)]
        status, hdrs, _ = request(base + "/login", ca, "POST", fields,
                                  cookie=cookie)
        retry = [v for n, v in hdrs if n.lower() == "retry-after"]
        print(status, retry[0] if retry else "-")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
