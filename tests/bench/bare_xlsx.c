/*
 * bare_xlsx.c - the floor of the caseload workbook for `make bench`:
 * libxlsxwriter alone, in constant-memory mode, writing a list sheet of
 * exactly the cells of the Caseload sheet Cairn wrote (read beforehand
 * from a plain file that tests/bench/xlsx_cells.py made of it: the same
 * rows, columns, strings and numbers, blanks with a format, row heights
 * and column widths), one format per format the sheet uses.  No model,
 * no caseload, no measuring pass, no second sheet or chart: what the XML
 * writing and zlib cost for that sheet.
 *
 * usage: bare_xlsx CELLS.txt OUT.xlsx    prints the seconds writing took
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xlsxwriter.h>

#define MAX_FORMATS 256

typedef struct item {
    char kind;     /* 'w' width, 'h' height, 's' string, 'n' number,
                      'b' blank */
    long row, col; /* (w: col only) */
    long style;    /* cells: the sheet's format index */
    double v;      /* number, width or height */
    const char *s; /* string cells: the text (in the file's buffer) */
} item;

typedef struct cells {
    char *buf;
    item *items;
    size_t n;
} cells;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "bare_xlsx: %s\n", what);
    exit(1);
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0) {
        die(path);
    }
    long size = ftell(f);
    char *buf = malloc((size_t)size + 1);
    if (size < 0 || buf == NULL || fseek(f, 0, SEEK_SET) != 0 ||
        fread(buf, 1, (size_t)size, f) != (size_t)size) {
        die(path);
    }
    buf[size] = '\0';
    fclose(f);
    return buf;
}

/* The next tab- or line-ended field of `*p`, ended in place. */
static char *field(char **p)
{
    char *f = *p;
    size_t n = strcspn(f, "\t\n");
    *p = f + n + (f[n] != '\0');
    f[n] = '\0';
    return f;
}

static long number(char **p)
{
    char *end = NULL;
    long v = strtol(field(p), &end, 10);
    if (end == NULL || *end != '\0') {
        die("bad number in the cells file");
    }
    return v;
}

/* xlsx_cells.py's escapes (\\ \t \n) undone in place. */
static const char *unescape(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r == '\\' && r[1] != '\0') {
            r++;
            *w++ = *r == 't' ? '\t' : *r == 'n' ? '\n' : *r;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return s;
}

static void load(cells *c, const char *path)
{
    size_t cap = 1024;
    c->buf = read_all(path);
    c->items = malloc(cap * sizeof *c->items);
    c->n = 0;
    for (char *p = c->buf; *p != '\0';) {
        if (c->n == cap) {
            cap *= 2;
            c->items = realloc(c->items, cap * sizeof *c->items);
        }
        if (c->items == NULL) {
            die("out of memory");
        }
        item *it = &c->items[c->n++];
        memset(it, 0, sizeof *it);
        char *tag = field(&p);
        if (tag[0] == 'w' || tag[0] == 'h') {
            it->kind = tag[0];
            (tag[0] == 'w' ? &it->col : &it->row)[0] = number(&p);
            it->v = strtod(field(&p), NULL);
            continue;
        }
        it->row = number(&p);
        it->col = number(&p);
        it->style = number(&p);
        if (it->style < 0 || it->style >= MAX_FORMATS) {
            die("format index out of range");
        }
        it->kind = field(&p)[0];
        if (it->kind == 'n') {
            it->v = strtod(field(&p), NULL);
        } else if (it->kind == 's') {
            it->s = unescape(field(&p));
        }
    }
}

static void check(lxw_error e)
{
    if (e != LXW_NO_ERROR) {
        die(lxw_strerror(e));
    }
}

/* The measured part: the workbook written and closed.  Not static, so
 * callgrind can count it alone (--toggle-collect=write_book). */
void write_book(const char *out, const cells *c);

void write_book(const char *out, const cells *c)
{
    lxw_workbook_options o = {.constant_memory = LXW_TRUE};
    lxw_workbook *wb = workbook_new_opt(out, &o);
    lxw_format *formats[MAX_FORMATS] = {NULL};
    lxw_worksheet *ws =
        wb != NULL ? workbook_add_worksheet(wb, "Caseload") : NULL;
    if (ws == NULL) {
        die("cannot start the workbook");
    }
    for (size_t i = 0; i < c->n; i++) {
        const item *it = &c->items[i];
        lxw_format *f = NULL;
        if (it->kind != 'w' && it->kind != 'h' && it->style > 0) {
            f = formats[it->style];
            if (f == NULL) { /* distinct, as the sheet's formats are */
                f = formats[it->style] = workbook_add_format(wb);
                format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
                format_set_font_color(f, (lxw_color_t)it->style);
            }
        }
        switch (it->kind) {
        case 'w':
            check(worksheet_set_column(ws, (lxw_col_t)it->col,
                                       (lxw_col_t)it->col, it->v, NULL));
            break;
        case 'h':
            check(worksheet_set_row(ws, (lxw_row_t)it->row, it->v, NULL));
            break;
        case 'n':
            check(worksheet_write_number(ws, (lxw_row_t)it->row,
                                         (lxw_col_t)it->col, it->v, f));
            break;
        case 's':
            check(worksheet_write_string(ws, (lxw_row_t)it->row,
                                         (lxw_col_t)it->col, it->s, f));
            break;
        default:
            check(worksheet_write_blank(ws, (lxw_row_t)it->row,
                                        (lxw_col_t)it->col, f));
        }
    }
    check(workbook_close(wb));
}

int main(int argc, char **argv)
{
    cells c;
    if (argc != 3) {
        die("usage: bare_xlsx CELLS.txt OUT.xlsx");
    }
    load(&c, argv[1]);
    remove(argv[2]);
    double t0 = now();
    write_book(argv[2], &c);
    printf("%.3f\n", now() - t0);
    free(c.items);
    free(c.buf);
    return 0;
}
