/*
 * aggregate.c - cohort summaries as files that clinics exchange: write
 * (jansson), read with every field checked, merge.
 *
 * Numbers are written so they read back exactly (integers as integers,
 * other values with 17 significant digits), so merging files is as exact
 * as merging summaries in memory.  The growth-model blocks carry no client
 * identity and are written sorted by their sums, not in the store's client
 * order, so their order says nothing about who is who.
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "export_internal.h"

#define FORMAT_NAME "cairn-aggregate"

/* Counts above this are refused as implausible (and keep integers exact). */
#define MAX_COUNT 1e12

static const char *const direction_names[] = {"higher_is_worse",
                                              "higher_is_better"};
static const char *const case_names[] = {"at_or_above", "above", "at_or_below",
                                         "below"};
static const char *const rc_names[] = {"improved", "no_reliable_change",
                                       "deteriorated"};

static const char aggregate_about[] =
    "Exact sufficient statistics of a cohort on one questionnaire scale, "
    "for pooling with 'cairn aggregate merge'. 'sums' holds unsuppressed "
    "counts and one block of sums per client (no identity): share this "
    "file only between the participating clinics under your data-sharing "
    "agreement. Publish only 'published' or the output of 'cairn "
    "aggregate report', where counts below min_cell are suppressed.";

static int oom(cairn_error *err)
{
    return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
}

/* A fresh unique id: 128 random bits as hex. */
static int new_id(char out[CAIRN_AGGREGATE_ID_HEX + 1], cairn_error *err)
{
    uint8_t b[CAIRN_AGGREGATE_ID_HEX / 2];
    int rc = cairn__crypto_random(b, sizeof b, err);
    if (rc == CAIRN_OK) {
        cairn__crypto_hex(out, b, sizeof b);
    }
    return rc;
}

int cairn_aggregate_new(cairn_aggregate **out, cairn_store *st,
                        const cairn_instrument *inst,
                        const cairn_aggregate_options *opts, cairn_error *err)
{
    return cairn__aggregate_new_members(out, NULL, NULL, st, inst, opts, err);
}

int cairn__aggregate_new_members(cairn_aggregate **out, int64_t **ids,
                                 size_t *n, cairn_store *st,
                                 const cairn_instrument *inst,
                                 const cairn_aggregate_options *opts,
                                 cairn_error *err)
{
    cairn_aggregate_options defaults = CAIRN_AGGREGATE_OPTIONS_INIT;
    const cairn_aggregate_options *o = opts ? opts : &defaults;
    *out = NULL;
    if (o->min_cell < 1 || o->min_cell > CAIRN_AGGREGATE_MAX_MIN_CELL) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "min-cell %d is outside 1..%d", o->min_cell,
                               CAIRN_AGGREGATE_MAX_MIN_CELL);
    }
    cairn_aggregate *a = calloc(1, sizeof *a);
    if (a == NULL || (a->sites = calloc(1, sizeof *a->sites)) == NULL) {
        free(a);
        return oom(err);
    }
    int rc =
        ids != NULL
            ? cairn_cohort_summarize_members(&a->summary, ids, n, st, inst,
                                             &o->cohort, err)
            : cairn_cohort_summarize(&a->summary, st, inst, &o->cohort, err);
    if (rc == CAIRN_OK) {
        rc = new_id(a->id, err);
    }
    if (rc < 0) {
        if (ids != NULL) {
            free(*ids);
            *ids = NULL;
            *n = 0;
        }
        cairn_aggregate_free(a);
        return rc;
    }
    const cairn_scale *scale =
        cairn_instrument_find_scale(inst, a->summary->scale);
    a->scale_min = scale ? scale->min : 0;
    a->scale_max = scale ? scale->max : 0;
    a->min_cell = o->min_cell;
    a->n_sites = 1;
    cairn_aggregate_site *site = &a->sites[0];
    memcpy(site->id, a->id, sizeof site->id);
    snprintf(site->cairn_version, sizeof site->cairn_version, "%s",
             cairn_version());
    snprintf(site->from, sizeof site->from, "%.20s",
             o->cohort.from ? o->cohort.from : "");
    snprintf(site->to, sizeof site->to, "%.20s",
             o->cohort.to ? o->cohort.to : "");
    *out = a;
    return CAIRN_OK;
}

void cairn_aggregate_free(cairn_aggregate *a)
{
    if (a == NULL) {
        return;
    }
    cairn_cohort_summary_free(a->summary);
    free(a->sites);
    free(a);
}

/* A site of `from` already in `into`, or NULL. */
static const char *twice(const cairn_aggregate *into,
                         const cairn_aggregate *from)
{
    for (size_t i = 0; i < from->n_sites; i++) {
        for (size_t j = 0; j < into->n_sites; j++) {
            if (strcmp(from->sites[i].id, into->sites[j].id) == 0) {
                return from->sites[i].id;
            }
        }
    }
    return NULL;
}

/* Counts a merge would take past what a summary holds. */
static const char *overflow(const cairn_cohort_summary *a,
                            const cairn_cohort_summary *b)
{
    if (a->n_clients + b->n_clients > MAX_COUNT) {
        return "more than 1e12 clients";
    }
    if ((double)a->n_groups + (double)b->n_groups > MAX_COUNT) {
        return "more than 1e12 growth-model blocks";
    }
    return NULL;
}

int cairn_aggregate_merge(cairn_aggregate *into, const cairn_aggregate *from,
                          cairn_error *err)
{
    const cairn_cohort_summary *a = into->summary, *b = from->summary;
    char id[CAIRN_AGGREGATE_ID_HEX + 1];
    bool same = strcmp(a->instrument, b->instrument) == 0 &&
                strcmp(a->scale, b->scale) == 0 &&
                strcmp(a->fingerprint, b->fingerprint) == 0;
    for (size_t i = 0; same && i < a->n_bands && i < b->n_bands; i++) {
        if (strcmp(a->band_ids[i], b->band_ids[i]) != 0) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "cannot merge summaries with different "
                                   "bands (%s and %s)",
                                   a->band_ids[i], b->band_ids[i]);
        }
    }
    /* after the identity checks (cairn_cohort_merge), so they speak first */
    const char *dup = same ? twice(into, from) : NULL;
    const char *over = same ? overflow(a, b) : NULL;
    if (dup != NULL) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "summary %s is already in this pool: merging "
                               "it again would count its clients twice",
                               dup);
    }
    if (over != NULL) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "the pooled sums would overflow: %s", over);
    }
    if (same && (into->scale_min != from->scale_min ||
                 into->scale_max != from->scale_max)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "cannot merge summaries of different score "
                               "ranges (%g-%g and %g-%g)",
                               into->scale_min, into->scale_max,
                               from->scale_min, from->scale_max);
    }
    int rc = new_id(id, err);
    if (rc < 0) {
        return rc;
    }
    cairn_aggregate_site *sites = realloc(
        into->sites, (into->n_sites + from->n_sites + 1) * sizeof *sites);
    if (sites == NULL) {
        return oom(err);
    }
    into->sites = sites;
    rc = cairn_cohort_merge(into->summary, b, err);
    if (rc < 0) {
        return rc;
    }
    memcpy(sites + into->n_sites, from->sites, from->n_sites * sizeof *sites);
    into->n_sites += from->n_sites;
    memcpy(into->id, id, sizeof id);
    into->min_cell =
        from->min_cell > into->min_cell ? from->min_cell : into->min_cell;
    return CAIRN_OK;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */

static json_t *num(double x)
{
    return cairn__util_json_number(x);
}

static json_t *parameters_json(const cairn_cohort_summary *s)
{
    /* provenance only: where the values came from (definition, clinic
     * setting or command line); merging does not read it */
    bool jt = s->has_rc && !(s->rc_points > 0);
    /* the course of care: "current", "all" or an episode number */
    json_t *ep = s->episode == CAIRN_EPISODE_CURRENT ? json_string("current")
                 : s->episode == CAIRN_EPISODE_ALL   ? json_string("all")
                                                     : json_integer(s->episode);
    return json_pack(
        "{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "direction",
        direction_names[s->direction == CAIRN_HIGHER_IS_BETTER], "rci_sd",
        jt ? num(s->rc_sd) : json_null(), "rci_reliability",
        jt ? num(s->rc_reliability) : json_null(), "rci_points",
        s->has_rc && !jt ? num(s->rc_points) : json_null(), "cutoff",
        s->has_cutoff ? num(s->cutoff) : json_null(), "case_when",
        s->has_cutoff ? json_string(case_names[s->case_when]) : json_null(),
        "rc_source",
        s->has_rc && s->rc_source[0] ? json_string(s->rc_source) : json_null(),
        "cutoff_source",
        s->has_cutoff && s->cutoff_source[0] ? json_string(s->cutoff_source)
                                             : json_null(),
        "criterion",
        s->has_cutoff ? json_string(cairn_cs_criterion_name(s->criterion))
                      : json_null(),
        "episode", ep, "assessments_left_out", num(s->n_outside));
}

static json_t *items_json(const cairn_item_moments *m)
{
    json_t *sums = json_array(), *cross = json_array();
    for (size_t i = 0; i < m->k; i++) {
        json_t *row = json_array();
        json_array_append_new(sums, num(m->s[i]));
        for (size_t j = 0; j < m->k; j++) {
            json_array_append_new(row, num(m->ss[i][j]));
        }
        json_array_append_new(cross, row);
    }
    return json_pack("{s:I,s:o,s:o,s:o}", "k", (json_int_t)m->k, "n", num(m->n),
                     "s", sums, "ss", cross);
}

static int by_sums(const void *pa, const void *pb)
{
    const double *a = pa, *b = pb; /* six doubles each */
    for (int i = 0; i < 6; i++) {
        if (a[i] != b[i]) {
            return a[i] < b[i] ? -1 : 1;
        }
    }
    return 0;
}

typedef double block[6];

/* The blocks sorted by their sums; NULL when out of memory. */
static block *sorted_blocks(const cairn_cohort_summary *s)
{
    block *b = malloc((s->n_groups + 1) * sizeof *b);
    if (b == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < s->n_groups; i++) {
        const cairn_mixed_group *g = &s->groups[i];
        double v[6] = {g->n, g->st, g->stt, g->sy, g->sty, g->syy};
        memcpy(b[i], v, sizeof v);
    }
    qsort(b, s->n_groups, sizeof *b, by_sums);
    return b;
}

/* The rows stay empty here: cairn__aggregate_blocks_write writes them
 * into the text (see write_text). */
static json_t *blocks_json(void)
{
    return json_pack("{s:[s,s,s,s,s,s],s:[]}", "columns", "n", "st", "stt",
                     "sy", "sty", "syy", "rows");
}

static json_t *sums_json(const cairn_cohort_summary *s)
{
    const cairn_moments *m = &s->moments;
    json_t *bands = json_array(), *rc = json_null();
    for (size_t i = 0; i < s->n_bands; i++) {
        json_array_append_new(bands,
                              json_pack("{s:s,s:o,s:o}", "id", s->band_ids[i],
                                        "baseline", num(s->band_baseline[i]),
                                        "latest", num(s->band_latest[i])));
    }
    if (s->has_rc) {
        rc = json_pack("{s:o,s:o,s:o}", rc_names[0], num(s->rc_counts[0]),
                       rc_names[1], num(s->rc_counts[1]), rc_names[2],
                       num(s->rc_counts[2]));
    }
    return json_pack(
        "{s:o,s:o,s:{s:o,s:o,s:o,s:o,s:o,s:o},s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
        "n_clients", num(s->n_clients), "n_paired", num(s->n_paired), "moments",
        "n", num(m->n), "sb", num(m->sb), "sbb", num(m->sbb), "sl", num(m->sl),
        "sll", num(m->sll), "sbl", num(m->sbl), "rc_counts", rc,
        "case_at_baseline",
        s->has_cutoff ? num(s->case_at_baseline) : json_null(), "recovered",
        s->has_cutoff ? num(s->recovered) : json_null(), "reliably_recovered",
        s->has_cutoff && s->has_rc ? num(s->reliably_recovered) : json_null(),
        "bands", bands, "items", items_json(&s->items), "growth_blocks",
        blocks_json());
}

static json_t *published_json(const cairn_aggregate_table *t)
{
    json_t *counts = json_object(), *sup = json_array(), *held = json_array();
    for (size_t i = 0; i < t->n_cells; i++) {
        const cairn_aggregate_cell *c = &t->cells[i];
        json_object_set_new(counts, c->name,
                            c->suppressed ? json_null() : num(c->value));
        if (c->suppressed) {
            json_array_append_new(sup, json_string(c->name));
        }
    }
    if (t->withhold_change) {
        json_array_append_new(held, json_string("change statistics"));
    }
    if (t->withhold_alpha) {
        json_array_append_new(held, json_string("alpha"));
    }
    if (t->withhold_model) {
        json_array_append_new(held, json_string("mixed_model"));
    }
    return json_pack("{s:i,s:o,s:o,s:o}", "min_cell", t->min_cell, "counts",
                     counts, "suppressed", sup, "withheld", held);
}

static json_t *sites_json(const cairn_aggregate *a)
{
    json_t *sites = json_array();
    for (size_t i = 0; i < a->n_sites; i++) {
        const cairn_aggregate_site *s = &a->sites[i];
        json_array_append_new(
            sites,
            json_pack("{s:s,s:s,s:o,s:o}", "id", s->id, "cairn_version",
                      s->cairn_version, "from",
                      s->from[0] ? json_string(s->from) : json_null(), "to",
                      s->to[0] ? json_string(s->to) : json_null()));
    }
    return sites;
}

/* The summary file's text, but for the blocks' rows (`at`: just after
 * the rows' opening bracket), and the rows sorted by their sums. */
typedef struct document {
    char *text;
    size_t at;
    block *rows;
} document;

static void document_free(document *d)
{
    free(d->text);
    free(d->rows);
}

static int document_make(document *d, const cairn_aggregate *a,
                         cairn_error *err)
{
    static const char rows[] = "\"rows\": [";
    const cairn_cohort_summary *s = a->summary;
    cairn_aggregate_table *t = NULL;
    *d = (document){0};
    int rc = cairn_aggregate_table_compute(&t, s, a->min_cell, err);
    if (rc < 0) {
        return rc;
    }
    rc = cairn__aggregate_check(a, "the summary", err);
    if (rc < 0) {
        cairn_aggregate_table_free(t);
        return rc;
    }
    json_t *o = json_pack(
        "{s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:s,s:[o,o],s:o,s:i,s:o,s:o,s:o}",
        "format", FORMAT_NAME, "format_version", CAIRN_AGGREGATE_FORMAT_VERSION,
        "cairn_version", cairn_version(), "about", aggregate_about, "id", a->id,
        "instrument", s->instrument, "scale", s->scale, "fingerprint",
        s->fingerprint, "scale_range", num(a->scale_min), num(a->scale_max),
        "parameters", parameters_json(s), "min_cell", a->min_cell, "sites",
        sites_json(a), "sums", sums_json(s), "published", published_json(t));
    cairn_aggregate_table_free(t);
    if (o != NULL) {
        d->text = json_dumps(o, JSON_INDENT(1) | JSON_PRESERVE_ORDER |
                                    JSON_REAL_PRECISION(17));
    }
    json_decref(o);
    d->rows = d->text ? sorted_blocks(s) : NULL;
    if (d->rows == NULL) {
        document_free(d);
        return oom(err);
    }
    /* the one key "rows" whose value is a list: a quote inside a text is
     * always escaped, so this cannot be part of one */
    const char *at = strstr(d->text, "\"rows\": []");
    assert(at != NULL && strstr(at + 1, "\"rows\": []") == NULL);
    d->at = (size_t)(at - d->text) + sizeof rows - 1;
    return CAIRN_OK;
}

/* The text jansson's json_dumps would give for the whole document. */
static int write_text(const document *d, const cairn_aggregate *a, FILE *f,
                      cairn_error *err)
{
    size_t n = a->summary->n_groups;
    if (n == 0) {
        fputs(d->text, f);
        return CAIRN_OK;
    }
    fwrite(d->text, 1, d->at, f);
    int rc =
        cairn__aggregate_blocks_write(f, (const double(*)[6])d->rows, n, err);
    fputs(d->text + d->at + 1, f); /* after the empty list's ']' */
    return rc;
}

int cairn_aggregate_to_json(const cairn_aggregate *a, char **out,
                            cairn_error *err)
{
    document d;
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = document_make(&d, a, err);
    if (rc < 0) {
        return rc;
    }
    FILE *f = open_memstream(&text, &len);
    if (f == NULL) {
        document_free(&d);
        return oom(err);
    }
    rc = write_text(&d, a, f, err);
    bool failed = ferror(f) != 0;
    if (fclose(f) != 0 || failed) {
        rc = rc < 0 ? rc : oom(err);
    }
    document_free(&d);
    if (rc < 0) {
        free(text);
        return rc;
    }
    *out = text;
    return CAIRN_OK;
}

int cairn_aggregate_write(const cairn_aggregate *a, const char *path,
                          const cairn_outfile_options *opts, cairn_error *err)
{
    document d;
    cairn__export_file f;
    int rc = document_make(&d, a, err);
    if (rc < 0) {
        return rc;
    }
    rc = cairn__export_file_open(&f, path, opts, err);
    if (rc == CAIRN_OK) {
        rc = write_text(&d, a, f.f, err);
        putc('\n', f.f);
        int closed = cairn__export_file_close(&f, rc == CAIRN_OK, err);
        rc = rc < 0 ? rc : closed;
    }
    document_free(&d);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Reading                                                             */

/* Where a read is, for messages: "north.json: sums.n_paired: ...". */
typedef struct reader {
    const char *name;
    cairn_error *err;
} reader;

static bool bad(const reader *r, const char *path, const char *what)
{
    cairn_error_set(r->err, CAIRN_EINVAL, "%.200s: %s: %s", r->name, path,
                    what);
    return false;
}

static bool get_real(const reader *r, json_t *v, const char *path, double *out)
{
    if (!json_is_number(v) || !isfinite(json_number_value(v))) {
        return bad(r, path, "expected a number");
    }
    *out = json_number_value(v);
    return true;
}

static bool get_count(const reader *r, json_t *v, const char *path, double *out)
{
    double x = 0;
    if (!json_is_number(v) || !isfinite(x = json_number_value(v)) ||
        x != floor(x) || x < 0 || x > MAX_COUNT) {
        return bad(r, path, "expected a whole number >= 0");
    }
    *out = x;
    return true;
}

static bool get_text(const reader *r, json_t *v, const char *path, char *buf,
                     size_t size)
{
    const char *s = json_string_value(v);
    if (s == NULL || s[0] == '\0' || strlen(s) >= size ||
        strlen(s) != json_string_length(v)) {
        return bad(r, path, "expected a short text");
    }
    memcpy(buf, s, strlen(s) + 1);
    return true;
}

/* A member that is null when `present` is false, else a count. */
static bool get_optional(const reader *r, json_t *o, const char *key,
                         bool present, double *out)
{
    char path[48];
    json_t *v = json_object_get(o, key);
    snprintf(path, sizeof path, "sums.%s", key);
    if (!present) {
        return json_is_null(v) || bad(r, path, "expected null");
    }
    return get_count(r, v, path, out);
}

static bool get_name(const reader *r, json_t *v, const char *path,
                     const char *const *names, size_t n, int *out)
{
    const char *s = json_string_value(v);
    for (size_t i = 0; s != NULL && i < n; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (int)i;
            return true;
        }
    }
    return bad(r, path, "not a known value");
}

/* The course of care counted: files written before episodes counted
 * took every assessment. */
static bool read_episode(const reader *r, json_t *p, cairn_cohort_summary *s)
{
    json_t *ep = json_object_get(p, "episode");
    json_t *out = json_object_get(p, "assessments_left_out");
    const char *w = json_string_value(ep);
    s->episode = CAIRN_EPISODE_ALL;
    if (ep == NULL) {
        return true;
    }
    if (w != NULL && strcmp(w, "current") == 0) {
        s->episode = CAIRN_EPISODE_CURRENT;
    } else if (w != NULL && strcmp(w, "all") == 0) {
        s->episode = CAIRN_EPISODE_ALL;
    } else if (json_is_integer(ep) && json_integer_value(ep) >= 1 &&
               json_integer_value(ep) <= 10000) {
        s->episode = (int)json_integer_value(ep);
    } else {
        return bad(r, "parameters.episode",
                   "expected \"current\", \"all\" or an episode number");
    }
    return out == NULL ||
           get_count(r, out, "parameters.assessments_left_out", &s->n_outside);
}

/* Where the parameters came from: optional texts (files written before
 * they were recorded have none). */
static bool read_provenance(const reader *r, json_t *p, cairn_cohort_summary *s)
{
    static const char *const crit[] = {"cutoff", "jacobson_truax_a",
                                       "jacobson_truax_b", "jacobson_truax_c"};
    json_t *rs = json_object_get(p, "rc_source");
    json_t *cs = json_object_get(p, "cutoff_source");
    json_t *cr = json_object_get(p, "criterion");
    int c = 0;
    if (rs != NULL && !json_is_null(rs) &&
        !get_text(r, rs, "parameters.rc_source", s->rc_source,
                  sizeof s->rc_source)) {
        return false;
    }
    if (cs != NULL && !json_is_null(cs) &&
        !get_text(r, cs, "parameters.cutoff_source", s->cutoff_source,
                  sizeof s->cutoff_source)) {
        return false;
    }
    if (cr != NULL && !json_is_null(cr) &&
        !get_name(r, cr, "parameters.criterion", crit, 4, &c)) {
        return false;
    }
    s->criterion = (cairn_cs_criterion)c;
    return read_episode(r, p, s);
}

static bool read_parameters(const reader *r, json_t *p, cairn_cohort_summary *s)
{
    json_t *sd = json_object_get(p, "rci_sd");
    json_t *rel = json_object_get(p, "rci_reliability");
    json_t *cut = json_object_get(p, "cutoff");
    int dir = 0, when = 0;
    if (!json_is_object(p)) {
        return bad(r, "parameters", "expected an object");
    }
    if (!get_name(r, json_object_get(p, "direction"), "parameters.direction",
                  direction_names, 2, &dir)) {
        return false;
    }
    s->direction = dir ? CAIRN_HIGHER_IS_BETTER : CAIRN_HIGHER_IS_WORSE;
    json_t *pts = json_object_get(p, "rci_points");
    bool by_points = pts != NULL && !json_is_null(pts);
    if (by_points &&
        (!get_real(r, pts, "parameters.rci_points", &s->rc_points) ||
         !(s->rc_points > 0) || !json_is_null(sd))) {
        return bad(r, "parameters.rci_points",
                   "expected a positive threshold, with rci_sd null");
    }
    s->has_rc = by_points || !json_is_null(sd);
    if (s->has_rc && !by_points &&
        (!get_real(r, sd, "parameters.rci_sd", &s->rc_sd) ||
         !get_real(r, rel, "parameters.rci_reliability", &s->rc_reliability))) {
        return false;
    }
    if (s->has_rc && !by_points &&
        !(s->rc_sd > 0 && s->rc_reliability > 0 && s->rc_reliability < 1)) {
        return bad(r, "parameters",
                   "reliable-change SD or reliability out "
                   "of range");
    }
    if ((!s->has_rc || by_points) && !json_is_null(rel)) {
        return bad(r, "parameters.rci_reliability", "expected null");
    }
    s->has_cutoff = !json_is_null(cut);
    if (s->has_cutoff &&
        (!get_real(r, cut, "parameters.cutoff", &s->cutoff) ||
         !get_name(r, json_object_get(p, "case_when"), "parameters.case_when",
                   case_names, 4, &when))) {
        return false;
    }
    s->case_when = (cairn_case_when)when;
    return read_provenance(r, p, s);
}

static bool read_moments(const reader *r, json_t *m, cairn_moments *out)
{
    static const char *const keys[] = {"n", "sb", "sbb", "sl", "sll", "sbl"};
    double v[6];
    char path[48];
    for (int i = 0; i < 6; i++) {
        snprintf(path, sizeof path, "sums.moments.%s", keys[i]);
        if (!get_real(r, json_object_get(m, keys[i]), path, &v[i])) {
            return false;
        }
    }
    *out = (cairn_moments){v[0], v[1], v[2], v[3], v[4], v[5]};
    return true;
}

static bool read_bands(const reader *r, json_t *a, cairn_cohort_summary *s)
{
    char path[48];
    if (!json_is_array(a) || json_array_size(a) > CAIRN_COHORT_MAX_BANDS) {
        return bad(r, "sums.bands", "expected a list of at most 16 bands");
    }
    s->n_bands = json_array_size(a);
    for (size_t i = 0; i < s->n_bands; i++) {
        json_t *b = json_array_get(a, i);
        snprintf(path, sizeof path, "sums.bands[%zu]", i);
        if (!get_text(r, json_object_get(b, "id"), path, s->band_ids[i],
                      sizeof s->band_ids[i]) ||
            !get_count(r, json_object_get(b, "baseline"), path,
                       &s->band_baseline[i]) ||
            !get_count(r, json_object_get(b, "latest"), path,
                       &s->band_latest[i])) {
            return false;
        }
    }
    return true;
}

static bool read_items(const reader *r, json_t *o, cairn_item_moments *m)
{
    json_t *k = json_object_get(o, "k"), *s = json_object_get(o, "s");
    json_t *ss = json_object_get(o, "ss");
    if (!json_is_integer(k) || json_integer_value(k) < 0 ||
        json_integer_value(k) > CAIRN_ALPHA_MAX_ITEMS) {
        return bad(r, "sums.items.k", "expected 0..64");
    }
    cairn_item_moments_init(m, (size_t)json_integer_value(k));
    if (!get_count(r, json_object_get(o, "n"), "sums.items.n", &m->n)) {
        return false;
    }
    if (json_array_size(s) != m->k || json_array_size(ss) != m->k) {
        return bad(r, "sums.items", "expected k sums and k rows of k");
    }
    for (size_t i = 0; i < m->k; i++) {
        json_t *row = json_array_get(ss, i);
        if (!get_real(r, json_array_get(s, i), "sums.items.s", &m->s[i]) ||
            json_array_size(row) != m->k) {
            return bad(r, "sums.items.ss", "expected k rows of k numbers");
        }
        for (size_t j = 0; j < m->k; j++) {
            if (!get_real(r, json_array_get(row, j), "sums.items.ss",
                          &m->ss[i][j])) {
                return false;
            }
        }
    }
    return true;
}

static bool read_blocks(const reader *r, json_t *o, cairn_cohort_summary *s)
{
    json_t *rows = json_object_get(o, "rows");
    if (!json_is_array(rows)) {
        return bad(r, "sums.growth_blocks.rows", "expected a list");
    }
    s->n_groups = json_array_size(rows);
    s->groups = calloc(s->n_groups + 1, sizeof *s->groups);
    if (s->groups == NULL) {
        cairn_error_set(r->err, CAIRN_ENOMEM, "out of memory");
        return false;
    }
    for (size_t i = 0; i < s->n_groups; i++) {
        json_t *row = json_array_get(rows, i);
        double v[6];
        if (json_array_size(row) != 6) {
            return bad(r, "sums.growth_blocks.rows",
                       "expected rows of six numbers");
        }
        for (size_t k = 0; k < 6; k++) {
            if (!get_real(r, json_array_get(row, k), "sums.growth_blocks.rows",
                          &v[k])) {
                return false;
            }
        }
        if (!(v[0] >= 1 && v[0] == floor(v[0]) && v[0] <= MAX_COUNT)) {
            return bad(r, "sums.growth_blocks.rows",
                       "a block's n must be a whole number >= 1");
        }
        s->groups[i] = (cairn_mixed_group){v[0], v[1], v[2], v[3], v[4], v[5]};
    }
    return true;
}

static bool read_rc(const reader *r, json_t *o, cairn_cohort_summary *s)
{
    char path[48];
    if (!s->has_rc) {
        return json_is_null(o) || bad(r, "sums.rc_counts", "expected null");
    }
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "sums.rc_counts.%s", rc_names[i]);
        if (!get_count(r, json_object_get(o, rc_names[i]), path,
                       &s->rc_counts[i])) {
            return false;
        }
    }
    return true;
}

static bool read_sums(const reader *r, json_t *o, cairn_cohort_summary *s)
{
    if (!json_is_object(o)) {
        return bad(r, "sums", "expected an object");
    }
    return get_count(r, json_object_get(o, "n_clients"), "sums.n_clients",
                     &s->n_clients) &&
           get_count(r, json_object_get(o, "n_paired"), "sums.n_paired",
                     &s->n_paired) &&
           read_moments(r, json_object_get(o, "moments"), &s->moments) &&
           read_rc(r, json_object_get(o, "rc_counts"), s) &&
           get_optional(r, o, "case_at_baseline", s->has_cutoff,
                        &s->case_at_baseline) &&
           get_optional(r, o, "recovered", s->has_cutoff, &s->recovered) &&
           get_optional(r, o, "reliably_recovered", s->has_cutoff && s->has_rc,
                        &s->reliably_recovered) &&
           read_bands(r, json_object_get(o, "bands"), s) &&
           read_items(r, json_object_get(o, "items"), &s->items) &&
           read_blocks(r, json_object_get(o, "growth_blocks"), s);
}

/* The counts must add up as a summary's do. */
static bool consistent(const reader *r, const cairn_cohort_summary *s)
{
    double base = 0, latest = 0, obs = 0;
    for (size_t i = 0; i < s->n_bands; i++) {
        base += s->band_baseline[i];
        latest += s->band_latest[i];
    }
    for (size_t i = 0; i < s->n_groups; i++) {
        obs += s->groups[i].n;
    }
    if (s->n_paired > s->n_clients || s->moments.n != s->n_paired) {
        return bad(r, "sums",
                   "n_paired and moments.n must agree and not "
                   "exceed n_clients");
    }
    if (s->has_rc &&
        s->rc_counts[0] + s->rc_counts[1] + s->rc_counts[2] != s->n_paired) {
        return bad(r, "sums.rc_counts", "do not add up to n_paired");
    }
    if (s->has_cutoff && !(s->reliably_recovered <= s->recovered &&
                           s->recovered <= s->case_at_baseline &&
                           s->case_at_baseline <= s->n_paired)) {
        return bad(r, "sums", "clinical counts do not nest");
    }
    if (base > s->n_clients || latest > s->n_paired ||
        s->items.n > s->n_clients) {
        return bad(r, "sums", "band or item-set counts exceed the clients");
    }
    if ((double)s->n_groups != s->n_clients || obs < s->n_clients) {
        return bad(r, "sums.growth_blocks", "expected one block per client");
    }
    return true;
}

/* A summary id: exactly CAIRN_AGGREGATE_ID_HEX lowercase hex digits. */
static bool get_id(const reader *r, json_t *v, const char *path,
                   char out[CAIRN_AGGREGATE_ID_HEX + 1])
{
    const char *s = json_string_value(v);
    bool ok = s != NULL && strlen(s) == CAIRN_AGGREGATE_ID_HEX;
    for (size_t i = 0; ok && i < CAIRN_AGGREGATE_ID_HEX; i++) {
        ok = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');
    }
    if (!ok) {
        return bad(r, path, "expected an id of 32 hex digits");
    }
    memcpy(out, s, CAIRN_AGGREGATE_ID_HEX + 1);
    return true;
}

static bool read_range(const reader *r, json_t *v, cairn_aggregate *a)
{
    if (json_array_size(v) != 2 ||
        !get_real(r, json_array_get(v, 0), "scale_range", &a->scale_min) ||
        !get_real(r, json_array_get(v, 1), "scale_range", &a->scale_max)) {
        return bad(r, "scale_range", "expected [low, high]");
    }
    return true;
}

static bool read_sites(const reader *r, json_t *a, cairn_aggregate *agg)
{
    if (!json_is_array(a) || json_array_size(a) == 0) {
        return bad(r, "sites", "expected a list of at least one site");
    }
    agg->sites = calloc(json_array_size(a), sizeof *agg->sites);
    if (agg->sites == NULL) {
        cairn_error_set(r->err, CAIRN_ENOMEM, "out of memory");
        return false;
    }
    agg->n_sites = json_array_size(a);
    for (size_t i = 0; i < agg->n_sites; i++) {
        json_t *s = json_array_get(a, i);
        json_t *from = json_object_get(s, "from"),
               *to = json_object_get(s, "to");
        cairn_aggregate_site *site = &agg->sites[i];
        if (!get_id(r, json_object_get(s, "id"), "sites.id", site->id)) {
            return false;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(agg->sites[j].id, site->id) == 0) {
                return bad(r, "sites",
                           "a site appears twice: its clients would be "
                           "counted twice");
            }
        }
        if (!get_text(r, json_object_get(s, "cairn_version"),
                      "sites.cairn_version", site->cairn_version,
                      sizeof site->cairn_version) ||
            (!json_is_null(from) &&
             !get_text(r, from, "sites.from", site->from, sizeof site->from)) ||
            (!json_is_null(to) &&
             !get_text(r, to, "sites.to", site->to, sizeof site->to))) {
            return false;
        }
    }
    return true;
}

static bool read_head(const reader *r, json_t *o, cairn_aggregate *a)
{
    cairn_cohort_summary *s = a->summary;
    json_t *v = json_object_get(o, "format_version");
    json_t *k = json_object_get(o, "min_cell");
    const char *format = json_string_value(json_object_get(o, "format"));
    if (!json_is_object(o) || format == NULL ||
        strcmp(format, FORMAT_NAME) != 0) {
        cairn_error_set(r->err, CAIRN_EINVAL,
                        "%.200s: not a Cairn summary file (no \"format\": "
                        "\"" FORMAT_NAME "\")",
                        r->name);
        return false;
    }
    if (!json_is_integer(v) ||
        json_integer_value(v) != CAIRN_AGGREGATE_FORMAT_VERSION) {
        cairn_error_set(r->err, CAIRN_EINVAL,
                        "%.200s: summary format version %lld is not one "
                        "this Cairn reads (%d)",
                        r->name,
                        json_is_integer(v) ? (long long)json_integer_value(v)
                                           : -1LL,
                        CAIRN_AGGREGATE_FORMAT_VERSION);
        return false;
    }
    if (!json_is_integer(k) || json_integer_value(k) < 1 ||
        json_integer_value(k) > CAIRN_AGGREGATE_MAX_MIN_CELL) {
        return bad(r, "min_cell", "expected a whole number in 1..1000");
    }
    a->min_cell = (int)json_integer_value(k);
    return get_id(r, json_object_get(o, "id"), "id", a->id) &&
           read_range(r, json_object_get(o, "scale_range"), a) &&
           get_text(r, json_object_get(o, "instrument"), "instrument",
                    s->instrument, sizeof s->instrument) &&
           get_text(r, json_object_get(o, "scale"), "scale", s->scale,
                    sizeof s->scale) &&
           get_text(r, json_object_get(o, "fingerprint"), "fingerprint",
                    s->fingerprint, sizeof s->fingerprint) &&
           read_parameters(r, json_object_get(o, "parameters"), s) &&
           read_sites(r, json_object_get(o, "sites"), a);
}

int cairn_aggregate_parse(cairn_aggregate **out, const char *buf, size_t len,
                          const char *name, cairn_error *err)
{
    json_error_t jerr;
    reader r = {name, err};
    *out = NULL;
    json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (o == NULL) {
        return cairn_error_set(err, CAIRN_EPARSE, "%.200s:%d:%d: %s", name,
                               jerr.line, jerr.column, jerr.text);
    }
    cairn_aggregate *a = calloc(1, sizeof *a);
    if (a == NULL || (a->summary = calloc(1, sizeof *a->summary)) == NULL) {
        free(a);
        json_decref(o);
        return oom(err);
    }
    bool ok = read_head(&r, o, a) &&
              read_sums(&r, json_object_get(o, "sums"), a->summary) &&
              consistent(&r, a->summary) &&
              cairn__aggregate_check(a, name, err) == CAIRN_OK;
    json_decref(o);
    if (!ok) {
        cairn_aggregate_free(a);
        return err ? err->code : CAIRN_EINVAL;
    }
    *out = a;
    return CAIRN_OK;
}

int cairn_aggregate_load(cairn_aggregate **out, const char *path,
                         cairn_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = cairn__util_read_file(path, &buf, &len, err);
    if (rc == CAIRN_OK) {
        rc = cairn_aggregate_parse(out, buf, len, path, err);
    }
    free(buf);
    return rc;
}
