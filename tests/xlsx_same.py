#!/usr/bin/python3
"""Whether two workbooks read the same, cell by cell, to an independent
reader (Debian's python3-openpyxl), whatever their bytes:

    xlsx_same.py A.xlsx B.xlsx

Compares the sheets (names, order, visibility), every cell's value and
look (number format, font, fill, border, alignment), row heights, column
widths, merged cells, frozen panes, autofilter, conditional formats, data
validation, page setup (orientation, fit, scale, margins, print area and
titles, page breaks, header and footer), and each chart's XML with its
cached values (from the package, since openpyxl does not load charts).
Strings stored inline or shared read the same, as they should.

Prints what differs (at most 20 lines) and exits 1, or prints "same"
with the number of cells compared and exits 0.
"""
import re
import sys
import zipfile

import openpyxl


def look(c):
    f, a, b = c.font, c.alignment, c.border
    return (c.number_format,
            (f.b, f.i, f.sz, f.color.rgb if f.color else None, f.name),
            (c.fill.fill_type, c.fill.fgColor.rgb if c.fill else None),
            (b.bottom.style, b.top.style, b.left.style, b.right.style),
            (a.wrap_text, a.vertical, a.horizontal))


def sheet_facts(ws):
    ps, pm = ws.page_setup, ws.page_margins
    pr = ws.sheet_properties.pageSetUpPr
    return {
        "state": ws.sheet_state,
        "freeze": ws.freeze_panes,
        "autofilter": ws.auto_filter.ref,
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "dimensions": ws.dimensions,
        "page": (ps.orientation, ps.fitToWidth, ps.fitToHeight, ps.scale,
                 ps.paperSize, pr.fitToPage if pr is not None else None),
        "margins": (pm.left, pm.right, pm.top, pm.bottom),
        "print area": ws.print_area,
        "print titles": (ws.print_title_rows, ws.print_title_cols),
        "gridlines": (ws.print_options.gridLines, ws.sheet_view.showGridLines),
        "breaks": ([b.id for b in ws.col_breaks.brk],
                   [b.id for b in ws.row_breaks.brk]),
        "footer": (ws.oddFooter.left.text, ws.oddFooter.center.text,
                   ws.oddFooter.right.text),
        "header": (ws.oddHeader.left.text, ws.oddHeader.center.text,
                   ws.oddHeader.right.text),
        "conditional": sorted(
            (str(rng.sqref), r.type, str(r.colorScale.cfvo)
             if r.colorScale else None)
            for rng in ws.conditional_formatting for r in rng.rules),
        "validation": sorted(str(v.sqref)
                             for v in ws.data_validations.dataValidation),
        "widths": {k: (d.width, d.hidden)
                   for k, d in ws.column_dimensions.items() if d.width},
        "heights": {k: d.height
                    for k, d in ws.row_dimensions.items() if d.height},
    }


def charts(path):
    """Each chart part's XML, in order (their names are libxlsxwriter's)."""
    with zipfile.ZipFile(path) as z:
        names = sorted(n for n in z.namelist()
                       if re.match(r"xl/charts/chart\d+\.xml$", n))
        return [z.read(n) for n in names]


def main(a_path, b_path):
    diffs = []
    a = openpyxl.load_workbook(a_path)
    b = openpyxl.load_workbook(b_path)
    if a.sheetnames != b.sheetnames:
        diffs.append("sheets: %r against %r" % (a.sheetnames, b.sheetnames))
    n = 0
    for name in a.sheetnames:
        if name not in b.sheetnames:
            continue
        wa, wb = a[name], b[name]
        fa, fb = sheet_facts(wa), sheet_facts(wb)
        for k in fa:
            if fa[k] != fb[k]:
                diffs.append("%s: %s: %r against %r" % (name, k, fa[k], fb[k]))
        rows = max(wa.max_row, wb.max_row)
        cols = max(wa.max_column, wb.max_column)
        for r in range(1, rows + 1):
            for c in range(1, cols + 1):
                ca, cb = wa.cell(row=r, column=c), wb.cell(row=r, column=c)
                n += 1
                if ca.value != cb.value or type(ca.value) != type(cb.value):
                    diffs.append("%s!%s: %r against %r" % (
                        name, ca.coordinate, ca.value, cb.value))
                elif look(ca) != look(cb):
                    diffs.append("%s!%s: look %r against %r" % (
                        name, ca.coordinate, look(ca), look(cb)))
    ca, cb = charts(a_path), charts(b_path)
    if ca != cb:
        diffs.append("charts differ (%d against %d parts)" % (len(ca),
                                                              len(cb)))
    if diffs:
        print("\n".join(diffs[:20]))
        if len(diffs) > 20:
            print("... %d differences in all" % len(diffs))
        return 1
    print("same: %d sheets, %d cells, %d charts" % (len(a.sheetnames), n,
                                                    len(ca)))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: xlsx_same.py A.xlsx B.xlsx")
    sys.exit(main(sys.argv[1], sys.argv[2]))
