#!/usr/bin/python3
"""The compression floor of a workbook (the caseload workbook's, in
`make bench`):

    deflate_floor.py BOOK.xlsx RUNS

Reads every part of the package, then deflates those same bytes again
with zlib (the library libxlsxwriter's packager calls, through minizip)
at the level that gives each part exactly the compressed size the
package records, which is checked: no xlsx writer that compresses like
libxlsxwriter can write that workbook faster than this.  Prints the
best of RUNS times in seconds and the level.
"""
import sys
import time
import zipfile
import zlib


def deflated(data, level):
    c = zlib.compressobj(level, zlib.DEFLATED, -15, 8)
    return len(c.compress(data) + c.flush())


def main():
    book, runs = sys.argv[1], int(sys.argv[2])
    with zipfile.ZipFile(book) as z:
        parts = [(i.compress_size, z.read(i)) for i in z.infolist()
                 if i.compress_type == zipfile.ZIP_DEFLATED]
    level = next((lv for lv in (6, 1, 2, 3, 4, 5, 7, 8, 9)
                  if all(deflated(d, lv) == n for n, d in parts)), None)
    if level is None:
        sys.exit("deflate_floor.py: %s: no zlib level gives its parts' sizes"
                 % book)
    best = None
    for _ in range(runs):
        t0 = time.perf_counter()
        for _, data in parts:
            deflated(data, level)
        t = time.perf_counter() - t0
        best = t if best is None or t < best else best
    print("%.3f %d" % (best, level))


main()
