#!/usr/bin/python3
"""The cells of one sheet of a workbook, as a plain file for bare_xlsx.c
(the floor of the caseload workbook in `make bench`):

    xlsx_cells.py BOOK.xlsx SHEET OUT.txt

Reads the sheet's XML from the package with the standard library's
incremental XML reader (openpyxl would take minutes at 100,000 rows) and
writes one line per item, tab-separated, in sheet order:

    w COL WIDTH          a column's width (0-based column)
    h ROW HEIGHT         a row's height (0-based row), before its cells
    c ROW COL STYLE n V  a number
    c ROW COL STYLE s T  a string (inline or shared), \\ \\t \\n escaped
    c ROW COL STYLE b    a blank cell with a format

STYLE is the cell's format index in the workbook (0 for none).  Prints
the counts of rows and cells.
"""
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RNS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def sheet_path(z, name):
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels}
    for s in wb.iter(NS + "sheet"):
        if s.get("name") == name:
            t = target[s.get(RNS + "id")]
            return t.lstrip("/") if t.startswith("/") else "xl/" + t
    sys.exit("xlsx_cells.py: no sheet '%s'" % name)


def shared_strings(z):
    try:
        root = ET.fromstring(z.read("xl/sharedStrings.xml"))
    except KeyError:
        return []
    return ["".join(t.text or "" for t in si.iter(NS + "t"))
            for si in root.iter(NS + "si")]


def position(ref):
    m = re.match(r"([A-Z]+)([0-9]+)$", ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def escape(text):
    return (text.replace("\\", "\\\\").replace("\t", "\\t")
            .replace("\n", "\\n"))


def main():
    book, name, out = sys.argv[1:4]
    rows = cells = 0
    with zipfile.ZipFile(book) as z, open(out, "w", encoding="utf-8") as f:
        sst = shared_strings(z)
        with z.open(sheet_path(z, name)) as x:
            for _, el in ET.iterparse(x, events=("end",)):
                if el.tag == NS + "col":
                    for c in range(int(el.get("min")), int(el.get("max")) + 1):
                        f.write("w\t%d\t%s\n" % (c - 1, el.get("width")))
                elif el.tag == NS + "row":
                    r = int(el.get("r")) - 1
                    rows += 1
                    if el.get("ht") is not None:
                        f.write("h\t%d\t%s\n" % (r, el.get("ht")))
                    for c in el.iter(NS + "c"):
                        cr, cc = position(c.get("r"))
                        head = "c\t%d\t%d\t%s\t" % (cr, cc, c.get("s", "0"))
                        kind = c.get("t")
                        v = c.find(NS + "v")
                        if kind == "inlineStr":
                            text = "".join(t.text or ""
                                           for t in c.iter(NS + "t"))
                            f.write(head + "s\t" + escape(text) + "\n")
                        elif kind == "s":
                            f.write(head + "s\t" + escape(sst[int(v.text)]) +
                                    "\n")
                        elif v is not None:
                            f.write(head + "n\t" + v.text + "\n")
                        else:
                            f.write(head + "b\n")
                        cells += 1
                    el.clear()
    print("%d rows, %d cells" % (rows, cells))


main()
