#!/usr/bin/env python3
"""Time dashboard pages over HTTP for tests/bench/dashboard_bench.sh.

    page_time.py BASE NAME PASSWORD RUNS PATH...

Logs in once (tests/cli/dash_client.py's login), then fetches each PATH
RUNS times on a fresh connection and prints one line per path: the best
wall time in seconds from sending the request to the last byte of the
body, the body's size in bytes and the status.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
import dash_client  # noqa: E402


def main(argv):
    base, name, pw, runs = argv[1], argv[2], argv[3], int(argv[4])
    cookie = dash_client.login(base, name, pw)
    for path in argv[5:]:
        best, size, status = None, 0, 0
        for _ in range(runs):
            t0 = time.perf_counter()
            status, _, body = dash_client.request(base, path, cookie=cookie)
            t = time.perf_counter() - t0
            size = len(body)
            best = t if best is None or t < best else best
        print("%s %.4f %d %d" % (path, best, size, status))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
