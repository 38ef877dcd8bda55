/*
 * report_internal.h - declarations shared inside reports/ only.
 *
 * Two layers: report_data.c reads the store and computes trends into the
 * public report models (cairn_report.h); the report_*.c writers lay those
 * models out as workbooks through the small spreadsheet vocabulary below,
 * which xlsx.c implements on libxlsxwriter.  Only xlsx.c includes
 * xlsxwriter.h, so libxlsxwriter's errors are translated in one place.
 *
 * Cross-file internal functions are named cairn__<module>_<verb>.
 */
#ifndef CAIRN_REPORT_INTERNAL_H
#define CAIRN_REPORT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cairn_report.h"

/* ------------------------------------------------------------------ */
/* Spreadsheet vocabulary (xlsx.c)                                     */

/** A workbook being written (opaque). */
typedef struct cairn__xlsx cairn__xlsx;
/** A worksheet of it (opaque, owned by the workbook). */
typedef struct cairn__sheet cairn__sheet;
/** A chart of it (opaque, owned by the workbook). */
typedef struct cairn__chart cairn__chart;

/** Number formats: real numbers in the cell, shown this way. */
typedef enum cairn__num {
    CAIRN__NUM_GENERAL = 0, /**< 11, 12.5 */
    CAIRN__NUM_INT,         /**< 0 */
    CAIRN__NUM_1DP,         /**< 0.0 */
    CAIRN__NUM_2DP,         /**< 0.00 */
    CAIRN__NUM_3DP,         /**< 0.000 */
    CAIRN__NUM_SIGNED,      /**< +3;-3;0 for changes */
    CAIRN__NUM_DATE,        /**< yyyy-mm-dd */
    CAIRN__NUM_DATETIME     /**< yyyy-mm-dd hh:mm */
} cairn__num;

/** How a cell looks.  A zeroed struct is plain text/General. */
typedef struct cairn__style {
    cairn__num num;
    uint32_t fill;  /**< background 0xRRGGBB, 0 = none */
    uint32_t color; /**< font colour 0xRRGGBB, 0 = default */
    bool bold;
    bool italic;
    bool wrap;   /**< wrap text (the column stays at most 60 wide) */
    bool header; /**< a table header: bold, shaded, bottom border */
    bool title;  /**< a sheet title: large and bold */
    bool nofit;  /**< ignore this cell when sizing its column */
} cairn__style;

/** Colours shared by the writers. */
#define CAIRN__ALERT_FILL 0xFFC7CE
#define CAIRN__ALERT_FONT 0x9C0006
#define CAIRN__GOOD_FILL 0xC6EFCE
#define CAIRN__GOOD_FONT 0x006100
#define CAIRN__NOTE_FONT 0x595959

/* The styles the writers share (unused ones cost nothing: static const
 * in a header draws no warning). */
static const cairn__style TITLE = {.title = true, .nofit = true};
static const cairn__style NOTE = {
    .italic = true, .color = CAIRN__NOTE_FONT, .nofit = true};
static const cairn__style SECTION = {.bold = true, .nofit = true};
static const cairn__style HEAD = {.header = true};
static const cairn__style HEAD_WRAP = {.header = true, .wrap = true};
static const cairn__style KEY = {.bold = true};
static const cairn__style PLAIN = {0};
static const cairn__style WRAP = {.wrap = true};
static const cairn__style LONG = {.nofit = true};
static const cairn__style DATE = {.num = CAIRN__NUM_DATE};
static const cairn__style INT = {.num = CAIRN__NUM_INT};
static const cairn__style SIGNED = {.num = CAIRN__NUM_SIGNED};
static const cairn__style DP1 = {.num = CAIRN__NUM_1DP};
static const cairn__style DP2 = {.num = CAIRN__NUM_2DP};
static const cairn__style DP3 = {.num = CAIRN__NUM_3DP};
static const cairn__style ALERT = {
    .fill = CAIRN__ALERT_FILL, .color = CAIRN__ALERT_FONT, .bold = true};
static const cairn__style ALERT_WRAP = {.fill = CAIRN__ALERT_FILL,
                                        .color = CAIRN__ALERT_FONT,
                                        .bold = true,
                                        .wrap = true};
static const cairn__style ALERT_LONG = {.fill = CAIRN__ALERT_FILL,
                                        .color = CAIRN__ALERT_FONT,
                                        .bold = true,
                                        .nofit = true};
static const cairn__style ALERT_DATE = {.fill = CAIRN__ALERT_FILL,
                                        .color = CAIRN__ALERT_FONT,
                                        .bold = true,
                                        .num = CAIRN__NUM_DATE};
static const cairn__style GOOD = {
    .fill = CAIRN__GOOD_FILL, .color = CAIRN__GOOD_FONT, .bold = true};

/** Document properties of a workbook. */
typedef struct cairn__xlsx_props {
    const char *title;
    const char *subject;
    const char *keywords;
    const char *comments;
    time_t created; /**< fixed, so the same data give the same file */
    const cairn_outfile_options *output; /**< what it may not replace */
} cairn__xlsx_props;

/**
 * Start a workbook that will become `path`.  A temporary file is made
 * next to `path` at once (so an unwritable place fails before any work)
 * and renamed over `path` only by a successful cairn__xlsx_close().
 * Returns CAIRN_OK, CAIRN_EINVAL (`path` does not end in .xlsx: "r.pdf:
 * a workbook is written as .xlsx, ..."), CAIRN_EIO ("cannot write
 * /x/r.xlsx: ...") or CAIRN_ENOMEM.
 */
int cairn__xlsx_open(cairn__xlsx **out, const char *path,
                     const cairn__xlsx_props *props, cairn_error *err);

/**
 * Finish the workbook: size the columns, write the file, check
 * libxlsxwriter's result (a full disk shows up here) and rename it to the
 * requested path.  On any failure, including an earlier cell or chart
 * error, the temporary file is removed and nothing appears under `path`.
 * Frees `x` in every case.  Returns CAIRN_OK, CAIRN_EREPORT or CAIRN_EIO.
 */
int cairn__xlsx_close(cairn__xlsx *x, cairn_error *err);

/** Abandon the workbook, removing its temporary file.  NULL is allowed. */
void cairn__xlsx_abort(cairn__xlsx *x);

/**
 * Add a worksheet named `name` (at most 31 characters; characters Excel
 * refuses are replaced, a duplicate gets a number).  Returns NULL after
 * recording the error, which cairn__xlsx_close() then reports.
 */
cairn__sheet *cairn__xlsx_sheet(cairn__xlsx *x, const char *name);

/**
 * Add a worksheet written row by row, for a long table: each row goes
 * out to a temporary file (in the output's folder) when the next row
 * begins, so memory does not grow with the rows (libxlsxwriter's
 * constant-memory mode, for this sheet only; its strings are stored
 * inline rather than shared, which every reader shows the same).  Rows
 * must be written in order: a cell above the current row is refused
 * (the error cairn__xlsx_close() reports).  Charts may not draw from it
 * (their cached values would be missing).
 *
 * Column widths still come from the widest content.  A sheet with
 * wrapped cells, whose rows' heights depend on those widths, is laid out
 * twice: once between cairn__xlsx_measure() and cairn__xlsx_measured()
 * (cells are measured, nothing is written), then again for real, each
 * row sized as it is finished:
 *
 *     cairn__sheet *s = cairn__xlsx_sheet_rows(x, "Caseload");
 *     cairn__xlsx_measure(s);
 *     lay_out(s, model);
 *     cairn__xlsx_measured(s);
 *     lay_out(s, model);
 *
 * A wrapped cell on a sheet not measured first is an error.  Returns NULL
 * after recording the error, as cairn__xlsx_sheet() does.
 */
cairn__sheet *cairn__xlsx_sheet_rows(cairn__xlsx *x, const char *name);
/** Start the measuring pass of a row-by-row sheet with nothing written
 *  yet (NULL is ignored). */
void cairn__xlsx_measure(cairn__sheet *s);
/** End the measuring pass: the column widths are now fixed (later cells
 *  and cairn__xlsx_min_width() no longer change them), and the next
 *  cells are written (NULL is ignored). */
void cairn__xlsx_measured(cairn__sheet *s);
/**
 * A measurer: a row-by-row sheet of no workbook that only measures what
 * is laid out on it, as a measuring pass does, so a long list can be
 * measured as its rows are made (rows in increasing order, in any order
 * of the list's own) and the widths handed to the sheet that writes it
 * (cairn__xlsx_measured_with).  A column's width is the widest of its
 * cells, whatever their order, so the widths are those a measuring pass
 * of the whole list on that sheet would give.  NULL when out of memory;
 * freed by cairn__xlsx_measurer_free (NULL is ignored).
 */
cairn__sheet *cairn__xlsx_measurer_new(void);
void cairn__xlsx_measurer_free(cairn__sheet *m);
/** End the measuring pass of `s` as cairn__xlsx_measured() does, with the
 *  widths measured on measurer `m` too (NULL: as cairn__xlsx_measured). */
void cairn__xlsx_measured_with(cairn__sheet *s, const cairn__sheet *m);

/** The sheet's final name, as chart ranges must use it. */
const char *cairn__xlsx_sheet_name(const cairn__sheet *s);

/** Write text (NULL writes nothing). */
void cairn__xlsx_text(cairn__sheet *s, size_t row, size_t col, const char *text,
                      const cairn__style *st);
/** printf-style text. */
void cairn__xlsx_textf(cairn__sheet *s, size_t row, size_t col,
                       const cairn__style *st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
/** Write a number (a non-finite one is left blank). */
void cairn__xlsx_number(cairn__sheet *s, size_t row, size_t col, double v,
                        const cairn__style *st);
/**
 * Write an ISO 8601 date or UTC date-time as a spreadsheet date (a number
 * with a date format; `st->num` chooses date or date-time).  Text that is
 * not a date is written as text.
 */
void cairn__xlsx_date(cairn__sheet *s, size_t row, size_t col, const char *iso,
                      const cairn__style *st);
/** Write a formatted empty cell. */
void cairn__xlsx_blank(cairn__sheet *s, size_t row, size_t col,
                       const cairn__style *st);

/** Freeze the rows above `row` and the columns left of `col`. */
void cairn__xlsx_freeze(cairn__sheet *s, size_t row, size_t col);
/** An autofilter over the table from header row r1 to r2, cols c1..c2. */
void cairn__xlsx_autofilter(cairn__sheet *s, size_t r1, size_t c1, size_t r2,
                            size_t c2);
/** Give column `col` at least `width` characters. */
void cairn__xlsx_min_width(cairn__sheet *s, size_t col, double width);
/**
 * A three-colour scale over r1..r2 x c1..c2 with fixed end points:
 * `lo` shows `lo_color`, `hi` shows `hi_color`, the middle `mid_color`.
 */
void cairn__xlsx_color_scale(cairn__sheet *s, size_t r1, size_t c1, size_t r2,
                             size_t c2, double lo, double hi, uint32_t lo_color,
                             uint32_t mid_color, uint32_t hi_color);
/**
 * Mark a sheet that only holds what charts draw: it is hidden, so it
 * never prints.  (Every other sheet is set up for printing at close from
 * its content: see xlsx.c.)
 */
void cairn__xlsx_chart_data(cairn__sheet *s);

/** Kinds of chart. */
typedef enum cairn__chart_kind {
    CAIRN__CHART_SCATTER = 0, /**< x-y lines and markers (time series) */
    CAIRN__CHART_COLUMN = 1   /**< clustered columns over categories */
} cairn__chart_kind;

/** Marker shapes. */
typedef enum cairn__marker {
    CAIRN__MARKER_NONE = 0,
    CAIRN__MARKER_CIRCLE,
    CAIRN__MARKER_DIAMOND,
    CAIRN__MARKER_TRIANGLE,
    CAIRN__MARKER_SQUARE
} cairn__marker;

/** Where a series label sits. */
typedef enum cairn__label {
    CAIRN__LABEL_NONE = 0,
    CAIRN__LABEL_NAME_ABOVE, /**< the series name above chosen points */
    CAIRN__LABEL_NAME_RIGHT  /**< the series name right of chosen points */
} cairn__label;

/**
 * One series: x (or categories) and y from cell ranges of one column
 * each, rows r1..r2 of `sheet`.
 */
typedef struct cairn__series {
    const char *name;          /**< legend text (literal) */
    const cairn__sheet *sheet; /**< where the data are */
    size_t r1, r2;             /**< first and last data row */
    size_t xcol, ycol;         /**< x values (categories) and y values */
    uint32_t color;            /**< line or column colour */
    double width;              /**< line width in points; 0 = no line */
    bool dashed;
    bool dotted;
    cairn__marker marker;
    int marker_size;    /**< 0 = default */
    bool drop_line;     /**< a dotted line from each point down */
    cairn__label label; /**< label each point with the name */
    size_t label_point; /**< label only this point (1-based); 0 =
                             every point */
    bool in_legend;
    unsigned transparency; /**< of the line, 0-100 */
} cairn__series;

/** Axis settings. */
typedef struct cairn__axis {
    const char *title;
    bool has_min, has_max;
    double min, max;
    double major; /**< major unit, 0 = automatic */
    bool dates;   /**< numbers are dates: show as "d mmm yy" */
    bool gridlines;
} cairn__axis;

/** Start a chart titled `title`; NULL after recording the error. */
cairn__chart *cairn__xlsx_chart(cairn__xlsx *x, cairn__chart_kind kind,
                                const char *title);
/** Add a series (strings are copied when the chart needs them later). */
void cairn__xlsx_chart_series(cairn__chart *c, const cairn__series *se);
/** Set the x (category) and y axes. */
void cairn__xlsx_chart_axes(cairn__chart *c, const cairn__axis *x,
                            const cairn__axis *y);
/**
 * Place the chart with its top-left corner at (row, col) of `s`, at
 * `width` x `height` pixels.
 */
void cairn__xlsx_chart_insert(cairn__sheet *s, size_t row, size_t col,
                              cairn__chart *c, int width, int height);

/* ------------------------------------------------------------------ */
/* Reading the store into report models (report_data.c)                */

/** Most catalog instruments whose expectations are cached. */
#define CAIRN__REPORT_MAX_INSTRUMENTS 64

/** The clinic's expectations, fitted on first use, per catalog index. */
typedef struct cairn__report_cache {
    bool done[CAIRN__REPORT_MAX_INSTRUMENTS];
    cairn_expectation expect[CAIRN__REPORT_MAX_INSTRUMENTS];
} cairn__report_cache;

/** What computing a client's courses needs (all borrowed). */
typedef struct cairn_report_in {
    cairn_store *st;
    const cairn_catalog *cat;
    const cairn_report_options *opts;
    const cairn_assessment_list *list; /**< one client's current ones */
    const char *loss_date;             /**< or NULL */
    cairn__report_cache *cache;        /**< or NULL: no "not on track" */
} cairn_report_in;

/**
 * One course per catalog instrument in `in->list`, with a trend on every
 * scale.  `*out` (n_out entries) is freed with
 * cairn__report_courses_free.  Returns CAIRN_OK, CAIRN_ENOTFOUND (an
 * instrument the catalog lacks), any error of cairn_trend_compute,
 * CAIRN_EDB or CAIRN_ENOMEM.
 */
int cairn__report_courses(cairn_report_course **out, size_t *n_out,
                          const cairn_report_in *in, cairn_error *err);

/** Free courses.  NULL is allowed. */
void cairn__report_courses_free(cairn_report_course *c, size_t n);

/** Every clinician's latest action per alert key (the store's list). */
int cairn__report_alert_states(cairn_alert_record_list **out, cairn_store *st,
                               cairn_error *err);

/**
 * The alerts of the courses' main scales that are not resolved, with
 * their state copied from `rec` (may be NULL: all open): open ones first,
 * then acknowledged, each by urgency and newest first.  `*n_open`
 * receives how many are open.
 */
int cairn__report_alerts(cairn_report_alert **out, size_t *n_out,
                         size_t *n_open, const cairn_alert_record_list *rec,
                         const char *client, cairn_report_course *c,
                         size_t n_courses, cairn_error *err);

/** cairn_report_client_load with a shared expectation cache. */
int cairn__report_client_read(cairn_report_client **out, cairn_store *st,
                              const cairn_catalog *cat, const char *code,
                              const cairn_report_options *opts,
                              cairn__report_cache *cache, cairn_error *err);

/** The time the report describes: opts->created, else the store's last
 *  change (its newest audit entry), else 0. */
time_t cairn__report_as_of(cairn_store *st, const cairn_report_options *o);

/** The trend options for scale `scale` of `inst` under `o`'s overrides. */
cairn_trend_options cairn__report_trend_options(const cairn_report_options *o,
                                                const cairn_instrument *inst,
                                                const cairn_scale *scale);

/* ------------------------------------------------------------------ */
/* Shared pieces of layout (report_layout.c)                            */

/** Index of band `band_id` of `sc`, or sc->n_bands when none. */
size_t cairn__report_band_index(const cairn_scale *sc, const char *band_id);

/** Light background for cells of band `i` of `sc` (0: none), from
 *  green (best) to red (worst) in the scale's direction. */
uint32_t cairn__report_band_fill(const cairn_scale *sc, size_t i);

/** Strong colour of band `i` for charts. */
uint32_t cairn__report_band_color(const cairn_scale *sc, size_t i);

/** The label of band `band_id` of `sc`, or NULL. */
const char *cairn__report_band_label(const cairn_scale *sc,
                                     const char *band_id);

/** An alert's kind for people: "risk item endorsed", ... */
const char *cairn__report_alert_words(cairn_alert_kind kind);

/** A machine name for people ("due_date" -> "due date") in buf. */
const char *cairn__report_words(char *buf, size_t size, const char *name);

/** "improved", "no reliable change", ... or "not judged (...)". */
const char *cairn__report_rc_text(const cairn_trend *t);

/** "recovered", "reliably recovered", ... or "not judged". */
const char *cairn__report_clinical_text(const cairn_trend *t);

/** Days since 1970 of an ISO date, NAN when it is not one. */
double cairn__report_days(const char *iso);

/** Write the document date line "As of ..." into buf. */
void cairn__report_as_of_text(char *buf, size_t size, time_t as_of);

/** Properties shared by every workbook (author Cairn, company, created). */
cairn__xlsx_props cairn__report_props(const char *title, const char *subject,
                                      time_t as_of);

/** One line of a timeline chart: dates and scores in a sheet's cells. */
typedef struct cairn__line {
    const cairn__sheet *sheet;
    size_t r1, n;      /**< first row and number of points */
    size_t xcol, ycol; /**< date column, score column */
    const char *name;  /**< legend text */
    uint32_t color;
    cairn__marker marker;
} cairn__line;

/**
 * A chart of scores over time: the lines, the severity bands of `scale`
 * as labelled boundaries (and, for a single line, markers coloured by
 * band), the cut-off, and events as labelled drop lines.  The x axis is
 * dates, or weeks since the loss (`weeks`), where the events (the due
 * date and anniversaries among them) sit at their weeks too.
 */
typedef struct cairn__timeline {
    size_t n_lines;
    cairn__line lines[8];
    const cairn_scale *scale; /**< bands to draw, or NULL */
    const double *scores;     /**< lines[0]'s values, for the band
                                   markers (NAN: no score), or NULL */
    const char *const *dates; /**< their dates */
    bool has_cutoff;
    double cutoff;
    double ymin, ymax; /**< value axis */
    const char *ytitle;
    double first, last;                /**< score dates, days since 1970 */
    const cairn_event_list *events[2]; /**< or NULL */
    const char *event_prefix[2];       /**< e.g. "S01: ", or NULL */
    bool weeks;  /**< x axis in weeks since the loss (the lines' x
                      cells hold weeks), else dates */
    double loss; /**< the loss date, days since 1970, when weeks */
} cairn__timeline;

/**
 * Build the chart `tl` describes.  Series that need cells of their own
 * (band markers and boundaries, the cut-off, events) are written to
 * `data` from row `*data_row` on, which is advanced past them.  Returns
 * NULL after recording an error in the workbook.
 */
cairn__chart *cairn__report_timeline(cairn__xlsx *x, const cairn__timeline *tl,
                                     const char *title, cairn__sheet *data,
                                     size_t *data_row);

/** The client workbook's Summary sheet (report_summary.c). */
void cairn__report_client_summary(cairn__xlsx *x, const cairn_report_client *r);

/** The client workbook's Sources sheet (report_summary.c). */
void cairn__report_client_sources(cairn__xlsx *x, const cairn_report_client *r);

/** Start a "Chart data" sheet with its explanation; rows from *row. */
cairn__sheet *cairn__report_data_sheet(cairn__xlsx *x, size_t *row);

#endif
