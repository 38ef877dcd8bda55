/*
 * report_export.c - the research export as a workbook: a sink for
 * cairn_export_write that lays the de-identified rows on one sheet
 * ("Data") with the reports library's spreadsheet vocabulary, so
 * libxlsxwriter stays in xlsx.c.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn_report.h"
#include "report_internal.h"

/* Rows a worksheet holds below its header. */
#define XLSX_MAX_ROWS 1048575

typedef struct xlsx_sink {
    const char *path;
    cairn_outfile_options output;
    cairn__xlsx *x;
    cairn__sheet *sheet;
    size_t row;
} xlsx_sink;

static int xlsx_begin(void *ctx, const char *const *columns, size_t n,
                      cairn_error *err)
{
    static const cairn__style header = {.header = true};
    xlsx_sink *s = ctx;
    cairn__xlsx_props props = {
        .title = "Cairn research export (de-identified)",
        .subject = "Pseudonymised questionnaire results",
        .keywords = "Cairn, research export, de-identified",
        .comments = "See the dictionary and provenance files beside it.",
        .output = &s->output,
    };
    int rc = cairn__xlsx_open(&s->x, s->path, &props, err);
    if (rc < 0) {
        return rc;
    }
    /* row by row, so memory does not grow with the export (no cell
     * wraps, so no measuring pass is needed) */
    s->sheet = cairn__xlsx_sheet_rows(s->x, "Data");
    for (size_t i = 0; s->sheet != NULL && i < n; i++) {
        cairn__xlsx_text(s->sheet, 0, i, columns[i], &header);
    }
    if (s->sheet != NULL) {
        cairn__xlsx_freeze(s->sheet, 1, 1);
    }
    s->row = 1;
    return CAIRN_OK;
}

static int xlsx_row(void *ctx, const cairn_export_cell *cells, size_t n,
                    cairn_error *err)
{
    xlsx_sink *s = ctx;
    if (s->row > XLSX_MAX_ROWS) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s: more than %d rows do not fit in a "
                               "worksheet; export to .csv instead",
                               s->path, XLSX_MAX_ROWS);
    }
    for (size_t i = 0; s->sheet != NULL && i < n; i++) {
        if (cells[i].kind == CAIRN_EXPORT_NUMBER) {
            cairn__xlsx_number(s->sheet, s->row, i, cells[i].number, NULL);
        } else if (cells[i].kind == CAIRN_EXPORT_TEXT) {
            cairn__xlsx_text(s->sheet, s->row, i, cells[i].text, NULL);
        }
    }
    s->row++;
    return CAIRN_OK;
}

static int xlsx_finish(void *ctx, bool ok, cairn_error *err)
{
    xlsx_sink *s = ctx;
    cairn__xlsx *x = s->x;
    s->x = NULL;
    if (x == NULL) {
        return CAIRN_OK;
    }
    if (!ok) {
        cairn__xlsx_abort(x);
        return CAIRN_OK;
    }
    return cairn__xlsx_close(x, err);
}

/* The sink and its state in one allocation. */
typedef struct sink_impl {
    cairn_export_sink pub;
    xlsx_sink state;
    char *path;
} sink_impl;

int cairn_report_export_sink_new(cairn_export_sink **out, const char *path,
                                 const cairn_outfile_options *output,
                                 cairn_error *err)
{
    *out = NULL;
    sink_impl *s = calloc(1, sizeof *s);
    if (s == NULL || (s->path = strdup(path)) == NULL) {
        free(s);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    s->state.path = s->path;
    if (output != NULL) {
        s->state.output = *output;
    }
    s->pub = (cairn_export_sink){&s->state, xlsx_begin, xlsx_row, xlsx_finish};
    *out = &s->pub;
    return CAIRN_OK;
}

void cairn_report_export_sink_free(cairn_export_sink *sink)
{
    if (sink == NULL) {
        return;
    }
    sink_impl *s = (sink_impl *)sink;
    if (s->state.x != NULL) {
        cairn__xlsx_abort(s->state.x);
    }
    free(s->path);
    free(s);
}
