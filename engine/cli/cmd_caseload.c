/*
 * cmd_caseload.c - `cairn caseload`: every client at a glance, the most
 * urgent first.
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn_report.h"
#include "cli.h"

static struct {
    const char *instrument, *clinician, *scale;
    bool all, json;
} given;

static const cli_opt caseload_opts[] = {
    {"instrument", "I", "one questionnaire only", .str = &given.instrument},
    {"clinician", "C", "one clinician's clients only", .str = &given.clinician},
    {"all", NULL, "discharged clients too (episode of care ended)",
     .flag = &given.all},
    {"json", NULL,
     "an array with one object per client\n(README: JSON "
     "output)",
     .flag = &given.json},
    {"scale", "S", "a subscale of --instrument", .str = &given.scale},
    {.include = cli_override_opts},
    {.include = cli_time_opts},
    {NULL}};

const cli_command cli_caseload_command = {
    .name = "caseload",
    .run = cmd_caseload,
    .summary = "every client's progress, most urgent first",
    .usage = "cairn caseload [--instrument I] [--clinician C] [--all] "
             "[--json]\n"
             "       [--rci-sd [I=]X] [--rci-reliability [I=]R] "
             "[--cutoff [I=]C]\n"
             "       [--scale S] [--time since-first|since-loss]\n"
             "       [--no-improvement-weeks N] [--episode current|all|N]",
    .opts = caseload_opts,
    .example = "  cairn caseload --clinician dr.lee\n"
               "  cairn caseload --rci-sd epds=5.5 --rci-reliability "
               "epds=0.87\n",
    .help =
        "Lists every active client (no episode of care, or one still open)\n"
        "with their latest score, change and status on each questionnaire,\n"
        "and a small chart of their scores; clients with open alerts come\n"
        "first (risk items, then reliable deterioration, not on track, no\n"
        "reliable improvement).  An override names its instrument\n"
        "(epds=5.5) unless --instrument gives it.\n",
};

/* The instrument of a cell: its code is the catalog's own, so a plain
 * comparison finds it (cairn_catalog_find also reads aliases); the same
 * pointer, which the caseload's cells hold, is looked for first. */
static const cairn_instrument *cell_instrument(const cairn_catalog *cat,
                                               const char *code)
{
    for (size_t i = 0; i < cairn_catalog_count(cat); i++) {
        const cairn_instrument *in = cairn_catalog_get(cat, i);
        if (cairn_instrument_code(in) == code) {
            return in;
        }
    }
    for (size_t i = 0; i < cairn_catalog_count(cat); i++) {
        const cairn_instrument *in = cairn_catalog_get(cat, i);
        if (strcmp(cairn_instrument_code(in), code) == 0) {
            return in;
        }
    }
    return NULL;
}

/* A row's text, gathered for one fwrite (a caseload prints a line per
 * client and instrument). */
typedef struct row_text {
    size_t n;
    char b[1024];
} row_text;

static void put(row_text *r, const char *s, size_t len)
{
    if (r->n + len > sizeof r->b) {
        fwrite(r->b, 1, r->n, stdout);
        r->n = 0;
        if (len > sizeof r->b) {
            fwrite(s, 1, len, stdout);
            return;
        }
    }
    memcpy(r->b + r->n, s, len);
    r->n += len;
}

/* printf's "%-*.*s" (`most` < 0: no precision), or "%*s" with `right`. */
static void put_padded(row_text *r, const char *s, int width, int most,
                       bool right)
{
    size_t len = strlen(s);
    if (most >= 0 && len > (size_t)most) {
        len = (size_t)most;
    }
    size_t pad = len < (size_t)width ? (size_t)width - len : 0;
    static const char spaces[] = "                                        ";
    assert(pad < sizeof spaces); /* the table's widths */
    if (right) {
        put(r, spaces, pad);
    }
    put(r, s, len);
    if (!right) {
        put(r, spaces, pad);
    }
}

/* The decimal digits of `u` in `buf` (24 bytes); returns them. */
static const char *digits(char *buf, unsigned long long u)
{
    size_t n = 23;
    buf[n] = '\0';
    do {
        buf[--n] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    return buf + n;
}

/* printf's "%*g" (`plus`: "%+*g") of `v`: whole numbers below a million
 * (what %g writes as plain digits: every score) are written here, the
 * rest by snprintf, so the bytes are printf's. */
static void put_g(row_text *r, double v, int width, bool plus)
{
    char num[64];
    if (v > -1e6 && v < 1e6 && v == (double)(long)v &&
        !(v == 0 && signbit(v))) {
        long k = (long)v;
        char d[24];
        const char *t = digits(d, k < 0 ? 0ULL - (unsigned long long)k
                                        : (unsigned long long)k);
        size_t n = 0;
        if (k < 0 || plus) {
            num[n++] = k < 0 ? '-' : '+';
        }
        memcpy(num + n, t, strlen(t) + 1);
    } else {
        snprintf(num, sizeof num, plus ? "%+g" : "%g", v);
    }
    put_padded(r, num, width, -1, true);
}

static void print_row(const cairn_caseload_row *e, const cairn_caseload_cell *t,
                      bool first, const cairn_instrument *inst)
{
    const cairn_scale *sc = cairn_instrument_find_scale(inst, t->scale);
    size_t n = t->n_recent; /* the last 12 scores keep the table aligned */
    row_text r = {0};
    char count[24], spark[CAIRN_CASELOAD_RECENT * CLI_SPARK_BYTES];
    /* "%-10s %-7s %3zu  " */
    put_padded(&r, first ? e->client->code : "", 10, -1, false);
    put(&r, " ", 1);
    put_padded(&r, cairn_report_short_name(inst), 7, -1, false);
    put(&r, " ", 1);
    put_padded(&r, digits(count, t->n), 3, -1, true);
    put(&r, "  ", 2);
    put(&r, spark, cli_sparkline_text(spark, t->recent, n, sc->min, sc->max));
    put_padded(&r, "", (int)(n < 12 ? 12 - n : 0), -1, false);
    const char *band = "";
    for (size_t b = 0; t->band != NULL && b < sc->n_bands; b++) {
        if (strcmp(sc->bands[b].id, t->band) == 0) {
            band = sc->bands[b].label;
        }
    }
    /* "Probable depression (13 or more)": the name, of at most 63 bytes
     * (as a 64-byte copy would keep) */
    size_t shown = strlen(band);
    shown = shown < 63 ? shown : 63;
    const char *paren = strstr(band, " (");
    if (paren != NULL && (size_t)(paren - band) + 2 <= shown) {
        shown = (size_t)(paren - band);
    }
    /* a longer name is cut after a word (or a hyphen), with an ellipsis,
     * within the column: "Below the possible…", not "Below the
     * possible-d" */
    size_t cols = shown;
    bool cut = shown > 20;
    if (cut) {
        size_t end = 20, keep = 0; /* a word's end; what is kept of it */
        for (; end > 0 && keep == 0; end--) {
            if (band[end] != ' ' && band[end - 1] != '-') {
                continue;
            }
            keep = end;
            while (keep > 0 && strchr(" :,;-", band[keep - 1]) != NULL) {
                keep--;
            }
            keep = keep <= 19 ? keep : 0;
        }
        shown = keep > 0 ? keep : 19;
        while (shown > 0 && ((unsigned char)band[shown] & 0xC0) == 0x80) {
            shown--; /* not inside a UTF-8 character */
        }
        cols = shown + 1;
    }
    /* " %5g %-20s %+6g  %s\n" */
    put(&r, " ", 1);
    put_g(&r, t->latest, 5, false);
    put(&r, " ", 1);
    put(&r, band, shown);
    if (cut) {
        put(&r, "\u2026", strlen("\u2026"));
    }
    put_padded(&r, "", (int)(20 - cols), -1, false);
    put(&r, " ", 1);
    put_g(&r, t->n >= 2 ? t->change : 0, 6, true);
    put(&r, "  ", 2);
    const char *status = cairn_report_cell_status(t);
    put(&r, status, strlen(status));
    put(&r, "\n", 1);
    fwrite(r.b, 1, r.n, stdout);
}

/* Add `s` to the text of `line` (`*used` bytes), cut where `line` ends
 * (as snprintf would cut it; a caseload has thousands of alerts). */
static void append(char *line, size_t size, size_t *used, const char *s)
{
    size_t n = strlen(s);
    if (*used + n >= size) {
        n = size - 1 - *used;
    }
    memcpy(line + *used, s, n);
    *used += n;
    line[*used] = '\0';
}

/* The client's open alerts under their rows, wrapped: "!! risk item
 * endorsed (EPDS); no reliable improvement (PHQ-9)". */
static void print_alerts(const cairn_caseload_row *e,
                         const cairn_instrument *const *insts)
{
    char line[1024];
    size_t used = 0;
    line[0] = '\0';
    for (size_t i = 0; i < e->n_cells; i++) {
        const cairn_caseload_cell *t = &e->cells[i];
        const cairn_instrument *inst = insts[i];
        const char *name = inst ? cairn_report_short_name(inst) : t->instrument;
        cairn_alert_group g[CAIRN_ALERT_KIND_COUNT];
        char words[CAIRN_ALERT_GROUP_MAX];
        size_t n_groups = cairn_alert_groups(t, g);
        for (size_t k = 0; k < n_groups && used + 80 < sizeof line; k++) {
            append(line, sizeof line, &used, used ? "; " : "");
            append(line, sizeof line, &used,
                   cairn_alert_group_label(words, sizeof words, &g[k]));
            append(line, sizeof line, &used, " (");
            append(line, sizeof line, &used, name);
            append(line, sizeof line, &used, ")");
        }
    }
    if (used > 0) {
        cli_print_wrapped(stdout, "           !! ", "              ", line);
    }
}

/* The NHS Talking Therapies outcomes in words, or "". */
static void nhstt_words(const cairn_nhstt *o, char *buf, size_t size)
{
    snprintf(buf, size, "%s; %s%s%s",
             o->at_caseness ? "at caseness" : "not at caseness",
             o->reliable_recovery ? "reliable recovery"
             : o->recovered       ? "recovered"
                                  : "not recovered",
             o->reliable_improvement ? "; reliable improvement" : "",
             o->reliable_deterioration ? "; reliable deterioration" : "");
}

static json_t *nhstt_json(const cairn_caseload_entry *e)
{
    const cairn_nhstt *o = &e->nhstt;
    if (!e->has_nhstt) {
        return json_null();
    }
    /* recovery is defined only for referrals at caseness, and "finished
     * a course of treatment" only where sessions are recorded */
    bool c = o->at_caseness;
    json_t *j = json_object();
    json_object_set_new(j, "episode", json_integer(e->trends[0]->episode));
    json_object_set_new(j, "at_caseness", json_boolean(c));
    json_object_set_new(j, "recovered",
                        c ? json_boolean(o->recovered) : json_null());
    json_object_set_new(j, "reliable_improvement",
                        json_boolean(o->reliable_improvement));
    json_object_set_new(j, "reliable_deterioration",
                        json_boolean(o->reliable_deterioration));
    json_object_set_new(j, "reliable_recovery",
                        c ? json_boolean(o->reliable_recovery) : json_null());
    json_object_set_new(j, "sessions",
                        json_integer((json_int_t)e->nhstt_sessions));
    json_object_set_new(j, "finished_treatment",
                        e->nhstt_finished < 0
                            ? json_null()
                            : json_boolean(e->nhstt_finished > 0));
    return j;
}

/* One client's object of `caseload --json`, but for its trends (the
 * last member, "trends", added as it is printed). */
static json_t *entry_json(const cairn_caseload_entry *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "client", cli_json_str(e->client->code));
    json_object_set_new(o, "open_alerts", json_integer((json_int_t)e->n_open));
    json_object_set_new(o, "acknowledged_alerts",
                        json_integer((json_int_t)e->n_acknowledged));
    json_object_set_new(o, "nhs_talking_therapies", nhstt_json(e));
    return o;
}

/* What `caseload --json` keeps of each client in the caseload's pass:
 * its object's text.  Returns CLI_OK or CLI_FAIL (printed). */
static int keep_entry(const cairn_caseload_entry *e,
                      cairn_caseload_keeper *keep, void *arg)
{
    cairn_error *err = arg;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (mem == NULL) {
        cli_error("out of memory");
        return CLI_FAIL;
    }
    int rc = cli_json_dump_with_trends(mem, entry_json(e), "trends",
                                       (const cairn_trend *const *)e->trends,
                                       e->n_trends);
    if (fclose(mem) != 0 && rc == CLI_OK) {
        cli_error("out of memory");
        rc = CLI_FAIL;
    }
    if (rc == CLI_OK && cairn_caseload_keep(keep, text, len, err) < 0) {
        rc = cli_fail(err);
    }
    free(text);
    return rc;
}

/*
 * The array of every client's object in the caseload's order: each
 * object's text is made in the caseload's one pass over the store (one
 * client's trends in memory at a time), kept by the engine (in a
 * temporary file past 16 MiB) and written out in the rows' order.  The
 * bytes are those of the whole array dumped at once: compact JSON puts
 * a comma between elements and nothing else.
 */
static int print_json(cairn_store *st, const cairn_catalog *cat,
                      const cairn_caseload_options *o)
{
    cairn_caseload_rows *cl = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    int rc = cairn_caseload_rows_compute_kept(&cl, st, cat, o, keep_entry, &err,
                                              &err);
    if (rc != 0) {
        return rc < 0 ? cli_fail(&err) : rc; /* (keep_entry's, printed) */
    }
    fputc('[', stdout);
    for (size_t k = 0; rc == CAIRN_OK && k < cl->n; k++) {
        const void *text = NULL;
        size_t len = 0;
        rc = cairn_caseload_rows_kept(cl, k, &text, &len, &err);
        if (rc == CAIRN_OK) {
            if (k > 0) {
                fputc(',', stdout);
            }
            fwrite(text, 1, len, stdout);
        }
    }
    cairn_caseload_rows_free(cl);
    if (rc < 0) {
        return cli_fail(&err);
    }
    fputs("]\n", stdout);
    return CLI_OK;
}

/* The NHS Talking Therapies lines under a client's rows. */
static void print_nhstt(const cairn_caseload_row *e)
{
    char words[160], line[240];
    nhstt_words(&e->nhstt, words, sizeof words);
    snprintf(line, sizeof line, "NHS Talking Therapies (PHQ-9 and GAD-7): %s",
             words);
    cli_print_wrapped(stdout, "           ", "             ", line);
    int ep = e->cells[0].episode;
    snprintf(line, sizeof line, "(%s%.0d; finished a course of treatment: %s)",
             ep > 0 ? "episode " : "all assessments", ep,
             e->nhstt_finished < 0   ? "cannot be judged, no sessions recorded"
             : e->nhstt_finished > 0 ? "yes, two or more sessions"
                                     : "no, fewer than two sessions");
    cli_print_wrapped(stdout, "               ", "                ", line);
}

/* The table, from the compact caseload (memory does not grow with the
 * clients' assessments). */
static int print_table(cairn_store *st, const cairn_catalog *cat,
                       const cairn_caseload_options *o)
{
    cairn_caseload_rows *cl = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_caseload_rows_compute(&cl, st, cat, o, &err) < 0) {
        return cli_fail(&err);
    }
    /* a file or pipe gets the table in 64 KiB writes, not 4 KiB ones (a
     * line per client); a terminal keeps its line buffering */
    static char out_buf[1 << 16];
    if (!isatty(STDOUT_FILENO)) {
        setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
    }
    printf("%-10s %-7s %3s  %-12s %5s %-20s %6s  %s\n", "CLIENT", "SCALE", "N",
           "SCORES", "NOW", "BAND", "CHANGE", "STATUS");
    /* each cell's instrument, found once for its row and its alerts */
    const cairn_instrument **insts =
        calloc(cairn_catalog_count(cat) + 1, sizeof *insts);
    if (insts == NULL) {
        cairn_caseload_rows_free(cl);
        cairn_error_set(&err, CAIRN_ENOMEM, "out of memory");
        return cli_fail(&err);
    }
    int rc = CAIRN_OK;
    for (size_t k = 0; k < cl->n; k++) {
        const cairn_caseload_row *e = NULL;
        rc = cairn_caseload_rows_get(cl, k, &e, &err);
        if (rc < 0) {
            break;
        }
        /* a row has a cell per instrument of the catalog at most */
        assert(e->n_cells <= cairn_catalog_count(cat));
        for (size_t i = 0; i < e->n_cells; i++) {
            insts[i] = cell_instrument(cat, e->cells[i].instrument);
            print_row(e, &e->cells[i], i == 0, insts[i]);
        }
        print_alerts(e, insts);
        if (e->has_nhstt) {
            print_nhstt(e);
        }
    }
    free(insts);
    cairn_caseload_rows_free(cl);
    return rc < 0 ? cli_fail(&err) : CLI_OK;
}

/* The caseload's options from the command line: CLI_OK or a usage
 * error (printed). */
static int options(cli_ctx *ctx, cairn_caseload_options *o,
                   cairn_trend_override *ov)
{
    o->overrides = ov;
    o->instrument = given.instrument;
    o->clinician = given.clinician;
    o->all = given.all;
    return cli_params_many(ctx, "caseload", given.instrument, given.scale,
                           &o->trend, ov, &o->n_overrides);
}

int cmd_caseload(cli_ctx *ctx, int argc, char **argv)
{
    cairn_trend_override ov[CLI_MAX_OVERRIDES];
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    int n = 0;
    int rc = cli_opt_parse("caseload", caseload_opts, argc, argv, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    if (n > 0) {
        return cli_usage("caseload", "caseload: unexpected '%s'", argv[0]);
    }
    const cairn_catalog *cat = cli_catalog(ctx);
    if (cat == NULL) {
        return CLI_FAIL;
    }
    rc = options(ctx, &o, ov);
    cairn_store *st = NULL;
    if (rc != CLI_OK) {
        return rc;
    }
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    if (given.json) {
        rc = print_json(st, cat, &o);
    } else {
        rc = print_table(st, cat, &o);
    }
    cairn_store_close(st);
    return rc;
}
