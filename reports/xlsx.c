/*
 * xlsx.c - the spreadsheet vocabulary of the reports, on libxlsxwriter.
 *
 * The only file that includes xlsxwriter.h.  It keeps a cache of cell
 * formats keyed by cairn__style, measures what is written so columns can
 * be sized to fit at close, and records the first libxlsxwriter error so
 * the writers can lay out a sheet without checking every call:
 * cairn__xlsx_close() reports it and removes the temporary file.
 *
 * The workbook is written through cairn_outfile (cairn/outfile.h): a
 * temporary file next to the requested path, put in its place at the end,
 * so a failure (an unwritable place, a full disk seen only by
 * workbook_close) never leaves a partial file under the requested name,
 * and the database, a key or a device is never written over.
 * libxlsxwriter's own temporary files (one per part of the package, and
 * a row-by-row sheet's rows) go in that same folder, never in a shared
 * /tmp: it makes each with O_EXCL and mode 0600 and unlinks it at once,
 * so none is left behind on any path.
 *
 * A long table can be written row by row (cairn__xlsx_sheet_rows):
 * libxlsxwriter's constant-memory mode for that sheet alone, each row
 * going to the temporary file when the next begins.  Its rows' heights
 * are then set as each row is finished, from column widths fixed
 * beforehand by a measuring pass of the same layout, so the sheet looks
 * exactly as if it had been kept whole.
 *
 * Every sheet is set up to print at close, from what was written on it:
 * portrait when its cells and charts fit a portrait page, else landscape;
 * one page wide when that keeps the text at 70% or more on both A4 and
 * Letter, else 70% across several pages, the tables and charts that sit
 * side by side packed whole onto pages, and the frozen columns repeated
 * on a table that has no chart beside it;
 * the table header (the last frozen row) repeated on every page;
 * gridlines off; a footer with the sheet name and page numbers.  Sheets
 * that only feed the charts are hidden, so they never print.
 *
 * A workbook is only ever written under a name ending in .xlsx, so that
 * "-o elena.pdf" is refused rather than giving an xlsx named .pdf.
 */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "report_internal.h"

#define MAX_COLS 1024
#define MAX_WIDTH 100.0
#define WRAP_WIDTH 18.0
#define MAX_LEGEND_HIDDEN 250
/* Printing: the narrower printable width of A4 and Letter with 0.3 inch
 * side margins, in inches (Letter: 8.5 x 11, A4: 8.27 x 11.69), 96 pixels
 * to the inch at 100%, and the smallest scale we print text at (the 11
 * point body text stays at 7.7 points or more; project policy). */
#define PRINT_PORTRAIT_IN 7.67
#define PRINT_LANDSCAPE_IN 10.4
#define PRINT_MARGIN_IN 0.3
#define PIXELS_PER_INCH 96.0
#define MIN_PRINT_SCALE 70
#define MAX_SHEET_CHARTS 64
/* Columns whose last format is remembered, and the buffer of a
 * row-by-row sheet's temporary file (glibc's own is 4 KiB: a write to
 * the disk every few rows). */
#define LIST_FORMAT_COLS 64
#define ROW_FILE_BUFFER (1 << 20)

typedef struct format_entry {
    cairn__style style;
    bool signed1; /* the one-decimal variant of CAIRN__NUM_SIGNED */
    lxw_format *format;
} format_entry;

typedef struct wrapped {
    size_t row, col;
    double chars;
} wrapped;

struct cairn__sheet {
    cairn__xlsx *x;
    lxw_worksheet *ws;
    char name[32];
    double width[MAX_COLS]; /* widest content seen, in characters */
    wrapped *wraps;         /* wrapped cells, to size their rows */
    size_t n_wraps, cap_wraps;
    /* a sheet written row by row: */
    bool by_row;
    bool measuring;            /* cells are only measured, not written */
    bool widths_fixed;         /* by a measuring pass; rows sized as they end */
    bool in_row;               /* `row` has cells */
    size_t row;                /* the row being written */
    double row_lines;          /* the lines its wrapped cells need */
    size_t last_row, last_col; /* the extent of what was written */
    bool used;
    bool col_used[MAX_COLS];
    size_t freeze_row, freeze_col;
    size_t n_charts;                    /* charts placed, for the print area: */
    size_t chart_col[MAX_SHEET_CHARTS]; /* their first column */
    int chart_px[MAX_SHEET_CHARTS];     /* and width in pixels */
    size_t chart_last_row;              /* last row a chart covers */
    bool charts_only; /* a sheet of chart data, never printed */
    char *row_buf;    /* a row-by-row sheet's temporary file's buffer */
    /* each column's last format, looked for first (a column's cells
     * mostly share one) */
    size_t last_format[LIST_FORMAT_COLS];
};

struct cairn__chart {
    cairn__xlsx *x;
    lxw_chart *chart;
    cairn__chart_kind kind;
    int16_t hidden[MAX_LEGEND_HIDDEN + 1]; /* series left out of the legend */
    size_t n_hidden;
    size_t n_series;
};

struct cairn__xlsx {
    lxw_workbook *wb;
    char *path;
    char *tmpdir; /* libxlsxwriter's temporary files: the output's folder */
    cairn_outfile *out;
    format_entry *formats;
    size_t n_formats, cap_formats;
    cairn__sheet **sheets;
    size_t n_sheets;
    cairn__chart **charts;
    size_t n_charts;
    int error; /* first error, CAIRN_OK while none */
    char message[CAIRN_ERROR_MAX];
};

/* libxlsxwriter's text for `e`, without its trailing period. */
static const char *lxw_text(char *buf, size_t size, lxw_error e)
{
    snprintf(buf, size, "%s", e ? lxw_strerror(e) : "out of memory");
    size_t n = strlen(buf);
    if (n > 0 && buf[n - 1] == '.') {
        buf[n - 1] = '\0';
    }
    return buf;
}

/* Record the first error; later ones are consequences. */
static void fail(cairn__xlsx *x, int code, const char *what, lxw_error e)
{
    if (x->error == CAIRN_OK) {
        x->error = code;
        char why[160];
        snprintf(x->message, sizeof x->message, "%s: %s", what,
                 lxw_text(why, sizeof why, e));
    }
}

static void check(cairn__xlsx *x, lxw_error e, const char *what)
{
    if (e != LXW_NO_ERROR) {
        fail(x, CAIRN_EREPORT, what, e);
    }
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d != NULL) {
        memcpy(d, s, n);
    }
    return d;
}

/* Whether `path` ends in ".xlsx", in any case. */
static bool is_xlsx_name(const char *path)
{
    size_t n = strlen(path);
    const char *want = ".xlsx";
    if (n <= 5) {
        return false;
    }
    for (size_t i = 0; i < 5; i++) {
        char c = path[n - 5 + i];
        if ((c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c) != want[i]) {
            return false;
        }
    }
    return true;
}

int cairn__xlsx_open(cairn__xlsx **out, const char *path,
                     const cairn__xlsx_props *props, cairn_error *err)
{
    *out = NULL;
    if (!is_xlsx_name(path)) {
        const char *dot = strrchr(path, '.');
        const char *slash = strrchr(path, '/');
        int stem = dot != NULL && (slash == NULL || dot > slash)
                       ? (int)(dot - path)
                       : (int)strlen(path);
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s: a workbook is written as .xlsx, so the "
                               "file name must end in .xlsx (for example "
                               "%.*s.xlsx)",
                               path, stem, path);
    }
    cairn__xlsx *x = calloc(1, sizeof *x);
    if (x == NULL || (x->path = dup_str(path)) == NULL) {
        cairn__xlsx_abort(x);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    int rc = cairn_outfile_open(&x->out, path, props->output, err);
    if (rc < 0) {
        cairn__xlsx_abort(x);
        return rc;
    }
    /* The temporary file's path always names its folder ("./.r.xlsx..."
     * for a bare name). */
    const char *temp = cairn_outfile_temp_path(x->out);
    if ((x->tmpdir = dup_str(temp)) == NULL) {
        cairn__xlsx_abort(x);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    *strrchr(x->tmpdir, '/') = '\0';
    lxw_workbook_options o = {.tmpdir = x->tmpdir};
    x->wb = workbook_new_opt(temp, &o);
    if (x->wb == NULL) {
        cairn__xlsx_abort(x);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    static char author[] = "Cairn";
    static char company[] = "Cairn clinical outcome tracking";
    lxw_doc_properties p = {
        .title = (char *)props->title,
        .subject = (char *)props->subject,
        .author = author,
        .company = company,
        .keywords = (char *)props->keywords,
        .comments = (char *)props->comments,
        .created = props->created,
    };
    check(x, workbook_set_properties(x->wb, &p), "document properties");
    *out = x;
    return CAIRN_OK;
}

static void free_parts(cairn__xlsx *x)
{
    for (size_t i = 0; i < x->n_sheets; i++) {
        free(x->sheets[i]->wraps);
        free(x->sheets[i]->row_buf); /* (its file closed with the book) */
        free(x->sheets[i]);
    }
    for (size_t i = 0; i < x->n_charts; i++) {
        free(x->charts[i]);
    }
    free(x->sheets);
    free(x->charts);
    free(x->formats);
    free(x->path);
    free(x->tmpdir);
    free(x);
}

void cairn__xlsx_abort(cairn__xlsx *x)
{
    if (x == NULL) {
        return;
    }
    if (x->wb != NULL) {
        lxw_workbook_free(x->wb);
    }
    cairn_outfile_abort(x->out);
    free_parts(x);
}

/* Pixels a column `w` characters wide takes on paper, at the widest of
 * the two readers: Excel gives a character of its default font 7 pixels
 * (and 5 of padding), LibreOffice about 8.8 (measured by converting a
 * sheet of 3- and 10-character columns to PDF), so 9 is used. */
static double col_pixels(double w)
{
    return floor(w * 9.0 + 5.0);
}

/* Whether column c holds a cell or part of a chart; `left` holds each
 * column's left edge in pixels. */
static bool col_occupied(const cairn__sheet *s, const double *left, size_t c)
{
    if (s->col_used[c]) {
        return true;
    }
    for (size_t k = 0; k < s->n_charts; k++) {
        double start = left[s->chart_col[k]];
        if (c >= s->chart_col[k] && left[c] < start + s->chart_px[k]) {
            return true;
        }
    }
    return false;
}

/* Page breaks for a sheet too wide for one page: its blocks (tables and
 * charts side by side, separated by empty columns) are packed onto pages
 * in order, a break going before a block that would not fit, so no table
 * or chart is cut where a whole one fits on a page. */
static void break_between_blocks(cairn__sheet *s, const double *left,
                                 size_t last_col)
{
    lxw_col_t breaks[MAX_COLS + 1];
    size_t n = 0, page = 0, c = 0;
    double room =
        PRINT_LANDSCAPE_IN * PIXELS_PER_INCH * 100.0 / MIN_PRINT_SCALE;
    while (c <= last_col) {
        while (c <= last_col && !col_occupied(s, left, c)) {
            c++;
        }
        size_t start = c;
        while (c <= last_col && col_occupied(s, left, c)) {
            c++;
        }
        if (start > last_col) {
            break;
        }
        if (start > page && left[c] - left[page] > room) {
            breaks[n++] = (lxw_col_t)start;
            page = start;
        }
    }
    breaks[n] = 0;
    if (n > 0) {
        check(s->x, worksheet_set_v_pagebreaks(s->ws, breaks), s->name);
    }
}

/* Set the sheet up for printing from what is on it (see the top of the
 * file).  Runs after fit_columns, when the widths are final. */
static void fit_print(cairn__sheet *s)
{
    lxw_worksheet *ws = s->ws;
    if (s->charts_only) {
        worksheet_hide(ws);
        return;
    }
    /* the right edge of the cells and of every chart, and the column
     * holding it */
    double left[MAX_COLS + 1];
    left[0] = 0;
    for (size_t c = 0; c < MAX_COLS; c++) {
        left[c + 1] = left[c] + col_pixels(s->width[c]);
    }
    double px = s->used ? left[s->last_col + 1] : 0;
    for (size_t k = 0; k < s->n_charts; k++) {
        px = fmax(px, left[s->chart_col[k]] + s->chart_px[k]);
    }
    size_t last_col = 0;
    while (last_col + 1 < MAX_COLS && left[last_col + 1] < px) {
        last_col++;
    }
    double inches = px / PIXELS_PER_INCH;
    size_t last_row =
        s->last_row > s->chart_last_row ? s->last_row : s->chart_last_row;
    worksheet_gridlines(ws, LXW_SHOW_SCREEN_GRIDLINES);
    worksheet_set_margins(ws, PRINT_MARGIN_IN, PRINT_MARGIN_IN, 0.6, 0.6);
    check(s->x, worksheet_set_footer(ws, "&L&A&CPage &P of &N&RConfidential"),
          s->name);
    check(s->x,
          worksheet_print_area(ws, 0, 0, (lxw_row_t)last_row,
                               (lxw_col_t)last_col),
          s->name);
    if (inches <= PRINT_PORTRAIT_IN) {
        worksheet_set_portrait(ws);
        worksheet_fit_to_pages(ws, 1, 0);
    } else if (inches * MIN_PRINT_SCALE / 100.0 <= PRINT_LANDSCAPE_IN) {
        worksheet_set_landscape(ws);
        worksheet_fit_to_pages(ws, 1, 0);
    } else {
        /* too wide for one page at a readable size: several pages
         * across, the frozen columns on each */
        worksheet_set_landscape(ws);
        worksheet_set_print_scale(ws, MIN_PRINT_SCALE);
        break_between_blocks(s, left, last_col);
        if (s->freeze_col > 0 && s->n_charts == 0) {
            check(
                s->x,
                worksheet_repeat_columns(ws, 0, (lxw_col_t)(s->freeze_col - 1)),
                s->name);
        }
    }
    if (s->freeze_row > 0) {
        check(s->x,
              worksheet_repeat_rows(ws, (lxw_row_t)(s->freeze_row - 1),
                                    (lxw_row_t)(s->freeze_row - 1)),
              s->name);
    }
}

/* Size every column to its widest content. */
static void fit_columns(cairn__sheet *s)
{
    for (size_t c = 0; c < MAX_COLS; c++) {
        if (s->width[c] <= 0) {
            s->width[c] = LXW_DEF_COL_WIDTH;
            continue;
        }
        s->width[c] = fmin(fmax(s->width[c], LXW_DEF_COL_WIDTH), MAX_WIDTH);
        check(s->x,
              worksheet_set_column(s->ws, (lxw_col_t)c, (lxw_col_t)c,
                                   s->width[c], NULL),
              s->name);
    }
}

static int by_row(const void *pa, const void *pb)
{
    const wrapped *a = pa, *b = pb;
    return a->row < b->row ? -1 : a->row > b->row;
}

/* Lines `chars` of wrapped text take in column `col` at its final width. */
static double wrap_lines(const cairn__sheet *s, size_t col, double chars)
{
    double room = fmax(s->width[col] - 1, 1);
    return ceil(chars * 1.1 / room);
}

/* Make a row of wrapped text as tall as its `lines` need (neither Excel
 * nor LibreOffice sizes rows when opening a file). */
static void set_lines(cairn__sheet *s, size_t row, double lines)
{
    if (lines > 1) {
        check(s->x,
              worksheet_set_row(s->ws, (lxw_row_t)row,
                                LXW_DEF_ROW_HEIGHT * fmin(lines, 20), NULL),
              s->name);
    }
}

/* Size every row that has wrapped text, at close. */
static void fit_rows(cairn__sheet *s)
{
    if (s->n_wraps == 0) {
        return;
    }
    qsort(s->wraps, s->n_wraps, sizeof *s->wraps, by_row);
    for (size_t i = 0; i < s->n_wraps;) {
        size_t row = s->wraps[i].row;
        double lines = 1;
        for (; i < s->n_wraps && s->wraps[i].row == row; i++) {
            lines =
                fmax(lines, wrap_lines(s, s->wraps[i].col, s->wraps[i].chars));
        }
        set_lines(s, row, lines);
    }
}

/* A row-by-row sheet's row is finished: size it while libxlsxwriter
 * still holds it (it writes the row out when the next one begins). */
static void end_row(cairn__sheet *s)
{
    if (s->in_row && !s->measuring) {
        set_lines(s, s->row, s->row_lines);
    }
    s->in_row = false;
    s->row_lines = 1;
}

int cairn__xlsx_close(cairn__xlsx *x, cairn_error *err)
{
    for (size_t i = 0; i < x->n_sheets; i++) {
        cairn__sheet *s = x->sheets[i];
        assert(!s->measuring); /* a measuring pass is always ended */
        if (s->by_row) {
            end_row(s);
        }
        if (!s->widths_fixed) {
            fit_columns(s);
        }
        fit_rows(s);
        fit_print(s);
    }
    if (x->error != CAIRN_OK) {
        int code = x->error;
        cairn_error_set(err, code, "cannot write %s: %s", x->path, x->message);
        cairn__xlsx_abort(x);
        return code;
    }
    errno = 0;
    lxw_error e = workbook_close(x->wb);
    int sys = errno; /* a full disk: the system's reason, not just "zip" */
    x->wb = NULL;
    int rc = CAIRN_OK;
    if (e != LXW_NO_ERROR) {
        char why[160];
        rc = cairn_error_set(err, CAIRN_EREPORT, "cannot write %s: %s%s%s",
                             x->path, lxw_text(why, sizeof why, e),
                             sys ? ": " : "", sys ? strerror(sys) : "");
    } else {
        rc = cairn_outfile_commit(x->out, err);
        x->out = NULL;
    }
    cairn__xlsx_abort(x);
    return rc;
}

/* ---- formats ---- */

static bool same_style(const cairn__style *a, const cairn__style *b)
{
    return a->num == b->num && a->fill == b->fill && a->color == b->color &&
           a->bold == b->bold && a->italic == b->italic && a->wrap == b->wrap &&
           a->header == b->header && a->title == b->title;
}

static const char *num_format(cairn__num n, bool signed1)
{
    static const char *const formats[] = {
        [CAIRN__NUM_GENERAL] = "General",
        [CAIRN__NUM_INT] = "0",
        [CAIRN__NUM_1DP] = "0.0",
        [CAIRN__NUM_2DP] = "0.00",
        [CAIRN__NUM_3DP] = "0.000",
        [CAIRN__NUM_SIGNED] = "+0;-0;0",
        [CAIRN__NUM_DATE] = "yyyy-mm-dd",
        [CAIRN__NUM_DATETIME] = "yyyy-mm-dd hh:mm",
    };
    return signed1 ? "+0.0;-0.0;0" : formats[n];
}

static lxw_format *make_format(cairn__xlsx *x, const cairn__style *st,
                               bool signed1)
{
    lxw_format *f = workbook_add_format(x->wb);
    if (f == NULL) {
        fail(x, CAIRN_ENOMEM, "formats", LXW_NO_ERROR);
        return NULL;
    }
    format_set_num_format(f, num_format(st->num, signed1));
    format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    if (st->fill != 0) {
        format_set_bg_color(f, st->fill);
    }
    if (st->color != 0) {
        format_set_font_color(f, st->color);
    }
    if (st->bold || st->header || st->title) {
        format_set_bold(f);
    }
    if (st->italic) {
        format_set_italic(f);
    }
    if (st->wrap) {
        format_set_text_wrap(f);
    }
    if (st->header) {
        format_set_bottom(f, LXW_BORDER_THIN);
        if (st->fill == 0) {
            format_set_bg_color(f, 0xDDEBF7);
        }
    }
    if (st->title) {
        format_set_font_size(f, 14);
    }
    return f;
}

static bool is_format(const format_entry *f, const cairn__style *st,
                      bool signed1)
{
    return f->signed1 == signed1 && same_style(&f->style, st);
}

/* The format of style `st` for a cell of column `col` of sheet `s`. */
static lxw_format *format_for(cairn__sheet *s, size_t col,
                              const cairn__style *st, bool signed1)
{
    cairn__xlsx *x = s->x;
    if (st == NULL) {
        return NULL;
    }
    size_t *last = col < LIST_FORMAT_COLS ? &s->last_format[col] : NULL;
    if (last != NULL && *last < x->n_formats &&
        is_format(&x->formats[*last], st, signed1)) {
        return x->formats[*last].format;
    }
    for (size_t i = 0; i < x->n_formats; i++) {
        if (is_format(&x->formats[i], st, signed1)) {
            if (last != NULL) {
                *last = i;
            }
            return x->formats[i].format;
        }
    }
    if (x->n_formats == x->cap_formats) {
        size_t cap = x->cap_formats ? 2 * x->cap_formats : 32;
        format_entry *p = realloc(x->formats, cap * sizeof *p);
        if (p == NULL) {
            fail(x, CAIRN_ENOMEM, "formats", LXW_NO_ERROR);
            return NULL;
        }
        x->formats = p;
        x->cap_formats = cap;
    }
    lxw_format *f = make_format(x, st, signed1);
    if (last != NULL) {
        *last = x->n_formats;
    }
    x->formats[x->n_formats++] = (format_entry){*st, signed1, f};
    return f;
}

/* ---- sheets and cells ---- */

static void clean_name(char *out, size_t size, const char *name)
{
    size_t n = 0;
    for (const char *p = name; *p && n + 1 < size; p++) {
        out[n++] = strchr("[]:*?/\\", *p) ? '-' : *p;
    }
    out[n] = '\0';
}

cairn__sheet *cairn__xlsx_sheet(cairn__xlsx *x, const char *name)
{
    cairn__sheet *s = calloc(1, sizeof *s);
    cairn__sheet **p = realloc(x->sheets, (x->n_sheets + 1) * sizeof *p);
    if (s == NULL || p == NULL) {
        free(s);
        if (p != NULL) {
            x->sheets = p;
        }
        fail(x, CAIRN_ENOMEM, "sheets", LXW_NO_ERROR);
        return NULL;
    }
    x->sheets = p;
    s->x = x;
    clean_name(s->name, sizeof s->name, name);
    for (int k = 2; workbook_get_worksheet_by_name(x->wb, s->name) != NULL;
         k++) {
        char base[25];
        clean_name(base, sizeof base, name);
        snprintf(s->name, sizeof s->name, "%s (%d)", base, k % 1000);
    }
    lxw_error e = workbook_validate_sheet_name(x->wb, s->name);
    s->ws = e == LXW_NO_ERROR ? workbook_add_worksheet(x->wb, s->name) : NULL;
    if (s->ws == NULL) {
        free(s);
        fail(x, CAIRN_EREPORT, name, e ? e : LXW_ERROR_MEMORY_MALLOC_FAILED);
        return NULL;
    }
    x->sheets[x->n_sheets++] = s;
    return s;
}

cairn__sheet *cairn__xlsx_sheet_rows(cairn__xlsx *x, const char *name)
{
    /* libxlsxwriter reads the workbook's constant_memory option as each
     * sheet is added (workbook_add_worksheet), so turning it on for one
     * sheet leaves the others whole: their strings shared, their charts
     * with cached values (tests/report_check.py checks both). */
    x->wb->options.constant_memory = LXW_TRUE;
    cairn__sheet *s = cairn__xlsx_sheet(x, name);
    x->wb->options.constant_memory = LXW_FALSE;
    if (s != NULL) {
        s->by_row = true;
        s->row_lines = 1;
        /* the rows' file is new (nothing written to it yet), so it may
         * take a larger buffer; without one it keeps glibc's */
        FILE *rows = s->ws->optimize_tmpfile;
        s->row_buf = rows != NULL ? malloc(ROW_FILE_BUFFER) : NULL;
        if (s->row_buf != NULL &&
            setvbuf(rows, s->row_buf, _IOFBF, ROW_FILE_BUFFER) != 0) {
            free(s->row_buf);
            s->row_buf = NULL;
        }
    }
    return s;
}

void cairn__xlsx_measure(cairn__sheet *s)
{
    if (s != NULL) {
        assert(s->by_row && !s->in_row && !s->widths_fixed);
        s->measuring = true;
    }
}

void cairn__xlsx_measured(cairn__sheet *s)
{
    if (s == NULL) {
        return;
    }
    assert(s->measuring);
    fit_columns(s);
    s->measuring = false;
    s->widths_fixed = true;
    s->in_row = false;
    s->row = 0;
    s->row_lines = 1;
}

cairn__sheet *cairn__xlsx_measurer_new(void)
{
    cairn__xlsx *x = calloc(1, sizeof *x); /* (no book: errors only) */
    cairn__sheet *m = x != NULL ? calloc(1, sizeof *m) : NULL;
    if (m == NULL) {
        free(x);
        return NULL;
    }
    m->x = x;
    snprintf(m->name, sizeof m->name, "%s", "measurer");
    m->by_row = true;
    m->measuring = true;
    m->row_lines = 1;
    return m;
}

void cairn__xlsx_measurer_free(cairn__sheet *m)
{
    if (m != NULL) {
        free(m->x);
        free(m);
    }
}

void cairn__xlsx_measured_with(cairn__sheet *s, const cairn__sheet *m)
{
    if (s != NULL && m != NULL) {
        assert(s->measuring && m->measuring);
        for (size_t c = 0; c < MAX_COLS; c++) {
            s->width[c] = fmax(s->width[c], m->width[c]);
        }
    }
    cairn__xlsx_measured(s);
}

const char *cairn__xlsx_sheet_name(const cairn__sheet *s)
{
    return s->name;
}

/* Characters of UTF-8 text (continuation bytes do not count). */
static double text_width(const char *t)
{
    double n = 0;
    for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
        n += (*p & 0xC0) != 0x80;
    }
    return n;
}

/* Remember a wrapped cell so its row can be made tall enough: at close,
 * or on a row-by-row sheet when its row ends. */
static void note_wrap(cairn__sheet *s, size_t row, size_t col, double chars)
{
    if (s->by_row) {
        if (!s->widths_fixed && !s->measuring) {
            /* its column's width, and so the row's height, is not known
             * yet: the layout needs a measuring pass */
            fail(s->x, CAIRN_EREPORT, s->name, LXW_ERROR_PARAMETER_VALIDATION);
        } else if (!s->measuring) {
            s->row_lines = fmax(s->row_lines, wrap_lines(s, col, chars));
        }
        return;
    }
    if (s->n_wraps == s->cap_wraps) {
        size_t cap = s->cap_wraps ? 2 * s->cap_wraps : 64;
        wrapped *p = realloc(s->wraps, cap * sizeof *p);
        if (p == NULL) {
            fail(s->x, CAIRN_ENOMEM, s->name, LXW_NO_ERROR);
            return;
        }
        s->wraps = p;
        s->cap_wraps = cap;
    }
    s->wraps[s->n_wraps++] = (wrapped){row, col, chars};
}

static void measure(cairn__sheet *s, size_t row, size_t col, double chars,
                    const cairn__style *st)
{
    if (col >= MAX_COLS || (st != NULL && st->nofit)) {
        return;
    }
    if (st != NULL && st->wrap) {
        note_wrap(s, row, col, chars);
    }
    if (s->widths_fixed) {
        return; /* by a measuring pass */
    }
    double w = chars * (st && (st->bold || st->header) ? 1.1 : 1.0) + 2;
    if (st != NULL && st->header) {
        w += 2; /* room for an autofilter button */
    }
    if (st != NULL && st->wrap && w > WRAP_WIDTH) {
        w = WRAP_WIDTH; /* wrapped text grows down, not across */
    }
    if (w > s->width[col]) {
        s->width[col] = w;
    }
}

static bool cell_ok(cairn__sheet *s, size_t row, size_t col)
{
    if (s == NULL) {
        return false;
    }
    if (row > LXW_ROW_MAX - 1 || col >= MAX_COLS) {
        fail(s->x, CAIRN_EREPORT, s->name,
             LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE);
        return false;
    }
    if (s->by_row && s->in_row && row != s->row) {
        if (row < s->row) {
            fail(s->x, CAIRN_EREPORT, s->name,
                 LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE);
            return false; /* that row was written out already */
        }
        end_row(s);
    }
    s->in_row = true;
    s->row = row;
    s->last_row = s->used && s->last_row > row ? s->last_row : row;
    s->last_col = s->used && s->last_col > col ? s->last_col : col;
    s->used = true;
    s->col_used[col] = true;
    return true;
}

void cairn__xlsx_text(cairn__sheet *s, size_t row, size_t col, const char *text,
                      const cairn__style *st)
{
    if (text == NULL || !cell_ok(s, row, col)) {
        return;
    }
    if (!s->measuring) {
        lxw_format *f = format_for(s, col, st, false);
        check(s->x,
              worksheet_write_string(s->ws, (lxw_row_t)row, (lxw_col_t)col,
                                     text, f),
              s->name);
    }
    if (st != NULL && st->wrap && st->header) {
        /* a wrapped header needs its longest word, not its length */
        double word = 0, longest = 0;
        for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
            word = *p == ' ' ? 0 : word + ((*p & 0xC0) != 0x80);
            longest = word > longest ? word : longest;
        }
        note_wrap(s, row, col, text_width(text));
        measure(s, row, col, longest, &(cairn__style){.header = true});
        return;
    }
    if (!s->widths_fixed || (st != NULL && st->wrap)) {
        measure(s, row, col, text_width(text), st);
    }
}

void cairn__xlsx_textf(cairn__sheet *s, size_t row, size_t col,
                       const cairn__style *st, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cairn__xlsx_text(s, row, col, buf, st);
}

/* Characters "%.0f" gives for a whole `v` under 1e10 in size: its digits
 * and a minus sign (also of -0), without snprintf's cost on every cell. */
static double whole_width(double v)
{
    double n = signbit(v) ? 2 : 1;
    for (uint64_t u = (uint64_t)fabs(v); u >= 10; u /= 10) {
        n++;
    }
    return n;
}

static_assert(CAIRN__NUM_SIGNED + 1 == CAIRN__NUM_DATE,
              "number_width: the formats of whole numbers come first");

/* Characters the number takes in its format. */
static double number_width(double v, cairn__num num)
{
    char buf[64];
    if (v == floor(v) && fabs(v) < 1e10) {
        /* as the formats below print a whole number */
        static const double decimals[] = {
            [CAIRN__NUM_GENERAL] = 0, [CAIRN__NUM_INT] = 0,
            [CAIRN__NUM_1DP] = 2,     [CAIRN__NUM_2DP] = 3,
            [CAIRN__NUM_3DP] = 4,     [CAIRN__NUM_SIGNED] = 2,
        };
        if (num < CAIRN__NUM_DATE) {
            bool plus = num == CAIRN__NUM_SIGNED && !signbit(v);
            return whole_width(v) + decimals[num] + plus;
        }
    }
    switch (num) {
    case CAIRN__NUM_INT:
        return snprintf(buf, sizeof buf, "%.0f", v);
    case CAIRN__NUM_1DP:
        return snprintf(buf, sizeof buf, "%.1f", v);
    case CAIRN__NUM_2DP:
        return snprintf(buf, sizeof buf, "%.2f", v);
    case CAIRN__NUM_3DP:
        return snprintf(buf, sizeof buf, "%.3f", v);
    case CAIRN__NUM_SIGNED:
        return snprintf(buf, sizeof buf, "%+.1f", v);
    case CAIRN__NUM_DATE:
        return 10;
    case CAIRN__NUM_DATETIME:
        return 16;
    default:
        return snprintf(buf, sizeof buf, "%.10g", v);
    }
}

void cairn__xlsx_number(cairn__sheet *s, size_t row, size_t col, double v,
                        const cairn__style *st)
{
    if (!isfinite(v)) {
        cairn__xlsx_blank(s, row, col, st);
        return;
    }
    if (!cell_ok(s, row, col)) {
        return;
    }
    if (!s->measuring) {
        bool signed1 =
            st != NULL && st->num == CAIRN__NUM_SIGNED && v != floor(v);
        lxw_format *f = format_for(s, col, st, signed1);
        check(
            s->x,
            worksheet_write_number(s->ws, (lxw_row_t)row, (lxw_col_t)col, v, f),
            s->name);
    }
    if (!s->widths_fixed || (st != NULL && st->wrap)) {
        measure(s, row, col, number_width(v, st ? st->num : CAIRN__NUM_GENERAL),
                st);
    }
}

void cairn__xlsx_date(cairn__sheet *s, size_t row, size_t col, const char *iso,
                      const cairn__style *st)
{
    double days = cairn__report_days(iso);
    if (isnan(days)) {
        cairn__xlsx_text(s, row, col, iso, st);
        return;
    }
    cairn__style d = st ? *st : (cairn__style){0};
    if (d.num != CAIRN__NUM_DATETIME) {
        d.num = CAIRN__NUM_DATE;
    }
    /* Spreadsheet serial dates count from 1899-12-30. */
    cairn__xlsx_number(s, row, col, days + 25569.0, &d);
}

void cairn__xlsx_blank(cairn__sheet *s, size_t row, size_t col,
                       const cairn__style *st)
{
    if (st == NULL || !cell_ok(s, row, col) || s->measuring) {
        return;
    }
    check(s->x,
          worksheet_write_blank(s->ws, (lxw_row_t)row, (lxw_col_t)col,
                                format_for(s, col, st, false)),
          s->name);
}

void cairn__xlsx_freeze(cairn__sheet *s, size_t row, size_t col)
{
    if (s != NULL) {
        worksheet_freeze_panes(s->ws, (lxw_row_t)row, (lxw_col_t)col);
        s->freeze_row = row;
        s->freeze_col = col;
    }
}

void cairn__xlsx_autofilter(cairn__sheet *s, size_t r1, size_t c1, size_t r2,
                            size_t c2)
{
    if (s != NULL) {
        check(s->x,
              worksheet_autofilter(s->ws, (lxw_row_t)r1, (lxw_col_t)c1,
                                   (lxw_row_t)r2, (lxw_col_t)c2),
              s->name);
    }
}

void cairn__xlsx_min_width(cairn__sheet *s, size_t col, double width)
{
    if (s != NULL && col < MAX_COLS && !s->widths_fixed &&
        s->width[col] < width) {
        s->width[col] = width;
    }
}

void cairn__xlsx_color_scale(cairn__sheet *s, size_t r1, size_t c1, size_t r2,
                             size_t c2, double lo, double hi, uint32_t lo_color,
                             uint32_t mid_color, uint32_t hi_color)
{
    if (s == NULL) {
        return;
    }
    lxw_conditional_format cf = {
        .type = LXW_CONDITIONAL_3_COLOR_SCALE,
        .min_rule_type = LXW_CONDITIONAL_RULE_TYPE_NUMBER,
        .min_value = lo,
        .min_color = lo_color,
        .mid_rule_type = LXW_CONDITIONAL_RULE_TYPE_NUMBER,
        .mid_value = (lo + hi) / 2,
        .mid_color = mid_color,
        .max_rule_type = LXW_CONDITIONAL_RULE_TYPE_NUMBER,
        .max_value = hi,
        .max_color = hi_color,
    };
    check(s->x,
          worksheet_conditional_format_range(s->ws, (lxw_row_t)r1,
                                             (lxw_col_t)c1, (lxw_row_t)r2,
                                             (lxw_col_t)c2, &cf),
          s->name);
}

void cairn__xlsx_chart_data(cairn__sheet *s)
{
    if (s != NULL) {
        s->charts_only = true;
    }
}

/* ---- charts ---- */

cairn__chart *cairn__xlsx_chart(cairn__xlsx *x, cairn__chart_kind kind,
                                const char *title)
{
    cairn__chart *c = calloc(1, sizeof *c);
    cairn__chart **p = realloc(x->charts, (x->n_charts + 1) * sizeof *p);
    if (p != NULL) {
        x->charts = p;
    }
    if (c == NULL || p == NULL) {
        free(c);
        fail(x, CAIRN_ENOMEM, "charts", LXW_NO_ERROR);
        return NULL;
    }
    c->x = x;
    c->kind = kind;
    c->chart = workbook_add_chart(x->wb, kind == CAIRN__CHART_COLUMN
                                             ? LXW_CHART_COLUMN
                                             : LXW_CHART_SCATTER_STRAIGHT);
    if (c->chart == NULL) {
        free(c);
        fail(x, CAIRN_ENOMEM, "charts", LXW_NO_ERROR);
        return NULL;
    }
    x->charts[x->n_charts++] = c;
    chart_title_set_name(c->chart, title);
    lxw_chart_font tf = {.size = 12, .bold = LXW_TRUE};
    chart_title_set_name_font(c->chart, &tf);
    chart_legend_set_position(c->chart, LXW_CHART_LEGEND_BOTTOM);
    chart_show_blanks_as(c->chart, LXW_CHART_BLANKS_AS_CONNECTED);
    return c;
}

static uint8_t marker_type(cairn__marker m)
{
    static const uint8_t types[] = {
        [CAIRN__MARKER_NONE] = LXW_CHART_MARKER_NONE,
        [CAIRN__MARKER_CIRCLE] = LXW_CHART_MARKER_CIRCLE,
        [CAIRN__MARKER_DIAMOND] = LXW_CHART_MARKER_DIAMOND,
        [CAIRN__MARKER_TRIANGLE] = LXW_CHART_MARKER_TRIANGLE,
        [CAIRN__MARKER_SQUARE] = LXW_CHART_MARKER_SQUARE,
    };
    return types[m];
}

static void series_look(lxw_chart_series *ls, const cairn__series *se,
                        cairn__chart_kind kind)
{
    if (kind == CAIRN__CHART_COLUMN) {
        lxw_chart_fill fill = {.color = se->color};
        chart_series_set_fill(ls, &fill);
        return;
    }
    lxw_chart_line line = {.color = se->color,
                           .width = (float)se->width,
                           .transparency = (uint8_t)se->transparency};
    if (se->width <= 0) {
        line = (lxw_chart_line){.none = LXW_TRUE};
    }
    if (se->dashed) {
        line.dash_type = LXW_CHART_LINE_DASH_DASH;
    } else if (se->dotted) {
        line.dash_type = LXW_CHART_LINE_DASH_ROUND_DOT;
    }
    chart_series_set_line(ls, &line);
    chart_series_set_marker_type(ls, marker_type(se->marker));
    if (se->marker != CAIRN__MARKER_NONE) {
        lxw_chart_fill mf = {.color = se->color};
        lxw_chart_line ml = {.color = se->color};
        chart_series_set_marker_fill(ls, &mf);
        chart_series_set_marker_line(ls, &ml);
        chart_series_set_marker_size(
            ls, (uint8_t)(se->marker_size > 0 ? se->marker_size : 7));
    }
}

static void series_labels(cairn__chart *c, lxw_chart_series *ls,
                          const cairn__series *se)
{
    if (se->label == CAIRN__LABEL_NONE) {
        return;
    }
    size_t n = se->r2 - se->r1 + 1;
    if (se->label_point > 0 && se->label_point <= n && n <= 64) {
        lxw_chart_data_label hide = {.hide = LXW_TRUE}, show = {0};
        lxw_chart_data_label *labels[65];
        for (size_t i = 0; i < n; i++) {
            labels[i] = i + 1 == se->label_point ? &show : &hide;
        }
        labels[n] = NULL;
        check(c->x, chart_series_set_labels_custom(ls, labels), "chart");
    }
    chart_series_set_labels_position(ls, se->label == CAIRN__LABEL_NAME_ABOVE
                                             ? LXW_CHART_LABEL_POSITION_ABOVE
                                             : LXW_CHART_LABEL_POSITION_RIGHT);
    lxw_chart_font font = {.size = 8, .color = se->color};
    chart_series_set_labels_font(ls, &font);
    /* Last: the other label calls switch the value back on. */
    chart_series_set_labels_options(ls, LXW_TRUE, LXW_FALSE, LXW_FALSE);
}

void cairn__xlsx_chart_series(cairn__chart *c, const cairn__series *se)
{
    if (c == NULL || se->sheet == NULL) {
        return;
    }
    lxw_chart_series *ls = chart_add_series(c->chart, NULL, NULL);
    if (ls == NULL) {
        fail(c->x, CAIRN_ENOMEM, "chart series", LXW_NO_ERROR);
        return;
    }
    const char *sheet = se->sheet->name;
    chart_series_set_categories(ls, sheet, (lxw_row_t)se->r1,
                                (lxw_col_t)se->xcol, (lxw_row_t)se->r2,
                                (lxw_col_t)se->xcol);
    chart_series_set_values(ls, sheet, (lxw_row_t)se->r1, (lxw_col_t)se->ycol,
                            (lxw_row_t)se->r2, (lxw_col_t)se->ycol);
    chart_series_set_name(ls, se->name);
    series_look(ls, se, c->kind);
    series_labels(c, ls, se);
    if (se->drop_line) {
        lxw_series_error_bars *eb = ls->y_error_bars;
        chart_series_set_error_bars(eb, LXW_CHART_ERROR_BAR_TYPE_PERCENTAGE,
                                    100);
        chart_series_set_error_bars_direction(eb,
                                              LXW_CHART_ERROR_BAR_DIR_MINUS);
        chart_series_set_error_bars_endcap(eb, LXW_CHART_ERROR_BAR_NO_CAP);
        lxw_chart_line el = {.color = se->color,
                             .width = 1.25,
                             .dash_type = LXW_CHART_LINE_DASH_ROUND_DOT};
        chart_series_set_error_bars_line(eb, &el);
    }
    if (!se->in_legend && c->n_hidden < MAX_LEGEND_HIDDEN) {
        c->hidden[c->n_hidden++] = (int16_t)c->n_series;
    }
    c->n_series++;
}

static void set_axis(lxw_chart_axis *ax, const cairn__axis *a)
{
    if (a == NULL) {
        return;
    }
    if (a->title != NULL) {
        chart_axis_set_name(ax, a->title);
        lxw_chart_font f = {.size = 9, .bold = LXW_FALSE};
        chart_axis_set_name_font(ax, &f);
    }
    if (a->has_min) {
        chart_axis_set_min(ax, a->min);
    }
    if (a->has_max) {
        chart_axis_set_max(ax, a->max);
    }
    if (a->major > 0) {
        chart_axis_set_major_unit(ax, a->major);
    }
    if (a->dates) {
        chart_axis_set_num_format(ax, "d mmm yy");
    }
    chart_axis_major_gridlines_set_visible(ax, a->gridlines);
    if (a->gridlines) {
        lxw_chart_line g = {.color = 0xE0E0E0, .width = 0.75};
        chart_axis_major_gridlines_set_line(ax, &g);
    }
    lxw_chart_font nf = {.size = 8};
    chart_axis_set_num_font(ax, &nf);
}

void cairn__xlsx_chart_axes(cairn__chart *c, const cairn__axis *x,
                            const cairn__axis *y)
{
    if (c == NULL) {
        return;
    }
    set_axis(c->chart->x_axis, x);
    set_axis(c->chart->y_axis, y);
}

void cairn__xlsx_chart_insert(cairn__sheet *s, size_t row, size_t col,
                              cairn__chart *c, int width, int height)
{
    if (s == NULL || c == NULL) {
        return;
    }
    if (c->n_hidden > 0) {
        c->hidden[c->n_hidden] = -1;
        check(s->x, chart_legend_delete_series(c->chart, c->hidden),
              "chart legend");
    }
    lxw_chart_options o = {.x_scale = width / 480.0, .y_scale = height / 288.0};
    if (s->n_charts < MAX_SHEET_CHARTS) {
        s->chart_col[s->n_charts] = col;
        s->chart_px[s->n_charts++] = width;
    }
    size_t rows =
        row + (size_t)ceil(height / (double)LXW_DEF_ROW_HEIGHT_PIXELS);
    s->chart_last_row = rows > s->chart_last_row ? rows : s->chart_last_row;
    check(s->x,
          worksheet_insert_chart_opt(s->ws, (lxw_row_t)row, (lxw_col_t)col,
                                     c->chart, &o),
          s->name);
}
