/*
 * aggregate_table.c - small-cell suppression of a summary's published
 * counts, and the pooled report with it applied.
 *
 * The counts of a summary are tied together by equations (a table's cells
 * add up to its published total): n_clients = n_paired + clients with one
 * score; the reliable-change categories and the latest bands add up to
 * n_paired; the baseline bands to n_clients; case_at_baseline + not a
 * case = n_paired; recovered + not recovered = case_at_baseline; reliably
 * recovered + recovered without reliable change = recovered; alpha.n +
 * incomplete item sets = n_clients.  Some terms are never printed (the
 * complements).  A count is exposed when the published, unsuppressed
 * counts determine it through these equations, which we decide exactly by
 * reducing the linear_system restricted to the unknown counts to row echelon
 * form: an unknown is determined when a reduced row holds it alone.
 *
 * Primary suppression hides every published count below K.  Then, while
 * any sensitive count (a published one below K, or a complement about
 * clients' outcomes below K) is exposed, the smallest published count of
 * an equation it appears in is suppressed too.  Complements that only
 * describe follow-up or bookkeeping (one score only, incomplete item set,
 * a band the current definition no longer has) take part in the
 * equations but are not themselves protected.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "internal.h"

#define MAX_VARS (2 * CAIRN_COHORT_MAX_BANDS + 24)
#define MAX_EQS 8
#define MAX_TERMS (CAIRN_COHORT_MAX_BANDS + 2)

typedef enum var_kind {
    PUBLISHED = 0, /* printed in reports */
    OUTCOME = 1,   /* a complement about outcomes: protected */
    PROCESS = 2    /* a complement about follow-up: not protected */
} var_kind;

typedef struct var {
    char name[64];
    double value;
    var_kind kind;
    bool suppressed, primary;
} var;

/* total = sum of terms */
typedef struct equation {
    int total;
    size_t n;
    int terms[MAX_TERMS];
} equation;

typedef struct linear_system {
    var v[MAX_VARS];
    size_t nv;
    equation e[MAX_EQS];
    size_t ne;
} linear_system;

static int add_var(linear_system *s, var_kind kind, double value,
                   const char *name, const char *band)
{
    var *v = &s->v[s->nv];
    v->kind = kind;
    v->value = value;
    if (band != NULL) {
        snprintf(v->name, sizeof v->name, "bands.%s.%s", band, name);
    } else {
        snprintf(v->name, sizeof v->name, "%s", name);
    }
    return (int)s->nv++;
}

static void add_eq(linear_system *s, int total, const int *terms, size_t n)
{
    equation *e = &s->e[s->ne++];
    e->total = total;
    e->n = n;
    memcpy(e->terms, terms, n * sizeof *terms);
}

/* One table of band counts adding up to `total` (value `sum`). */
static void band_table(linear_system *s, const cairn_cohort_summary *sm,
                       int total, double sum, const double *counts,
                       const char *when)
{
    int t[MAX_TERMS];
    size_t n = 0;
    double seen = 0;
    for (size_t i = 0; i < sm->n_bands; i++) {
        t[n++] = add_var(s, PUBLISHED, counts[i], when, sm->band_ids[i]);
        seen += counts[i];
    }
    if (sum - seen != 0) { /* scored with bands the definition lacks */
        char name[48];
        snprintf(name, sizeof name, "bands.unlisted.%s", when);
        t[n++] = add_var(s, PROCESS, sum - seen, name, NULL);
    }
    add_eq(s, total, t, n);
}

static void clinical_tables(linear_system *s, const cairn_cohort_summary *sm,
                            int paired)
{
    int cs =
        add_var(s, PUBLISHED, sm->case_at_baseline, "case_at_baseline", NULL);
    int rec = add_var(s, PUBLISHED, sm->recovered, "recovered", NULL);
    int t[2] = {cs, add_var(s, OUTCOME, sm->n_paired - sm->case_at_baseline,
                            "not_case_at_baseline", NULL)};
    add_eq(s, paired, t, 2);
    t[0] = rec;
    t[1] = add_var(s, OUTCOME, sm->case_at_baseline - sm->recovered,
                   "case_not_recovered", NULL);
    add_eq(s, cs, t, 2);
    if (sm->has_rc) {
        t[0] = add_var(s, PUBLISHED, sm->reliably_recovered,
                       "reliably_recovered", NULL);
        t[1] = add_var(s, OUTCOME, sm->recovered - sm->reliably_recovered,
                       "recovered_not_reliably", NULL);
        add_eq(s, rec, t, 2);
    }
}

/* The counts of `sm` and the equations between them, in report order. */
static void build(linear_system *s, const cairn_cohort_summary *sm)
{
    static const char *const rc_names[] = {"rci_counts.improved",
                                           "rci_counts.no_reliable_change",
                                           "rci_counts.deteriorated"};
    int t[MAX_TERMS];
    double n_obs = 0;
    int all = add_var(s, PUBLISHED, sm->n_clients, "n_clients", NULL);
    int paired = add_var(s, PUBLISHED, sm->n_paired, "n_paired", NULL);
    t[0] = paired;
    t[1] = add_var(s, PROCESS, sm->n_clients - sm->n_paired,
                   "clients_with_one_score", NULL);
    add_eq(s, all, t, 2);
    if (sm->has_rc) {
        for (int i = 0; i < 3; i++) {
            t[i] = add_var(s, PUBLISHED, sm->rc_counts[i], rc_names[i], NULL);
        }
        add_eq(s, paired, t, 3);
    }
    if (sm->has_cutoff) {
        clinical_tables(s, sm, paired);
    }
    if (sm->n_bands > 0) {
        band_table(s, sm, all, sm->n_clients, sm->band_baseline, "baseline");
        band_table(s, sm, paired, sm->n_paired, sm->band_latest, "latest");
    }
    t[0] = add_var(s, PUBLISHED, sm->items.n, "alpha.n", NULL);
    t[1] = add_var(s, PROCESS, sm->n_clients - sm->items.n,
                   "incomplete_item_sets", NULL);
    add_eq(s, all, t, 2);
    for (size_t g = 0; g < sm->n_groups; g++) {
        n_obs += sm->groups[g].n;
    }
    add_var(s, PUBLISHED, n_obs, "mixed_model.n_obs", NULL);
}

static bool unknown(const var *v)
{
    return v->kind != PUBLISHED || v->suppressed;
}

/* Which unknowns the published counts determine: reduce the equations,
 * restricted to the unknown columns, to reduced row echelon form. */
static void determined(const linear_system *s, bool *det)
{
    double m[MAX_EQS][MAX_VARS] = {{0}};
    size_t row = 0;
    for (size_t i = 0; i < s->ne; i++) {
        const equation *e = &s->e[i];
        m[i][e->total] = -1;
        for (size_t k = 0; k < e->n; k++) {
            m[i][e->terms[k]] += 1;
        }
    }
    for (size_t c = 0; c < s->nv && row < s->ne; c++) {
        if (!unknown(&s->v[c])) {
            continue;
        }
        size_t p = row;
        while (p < s->ne && fabs(m[p][c]) < 1e-9) {
            p++;
        }
        if (p == s->ne) {
            continue;
        }
        double piv = m[p][c];
        for (size_t k = 0; k < s->nv; k++) {
            double tmp = m[row][k];
            m[row][k] = m[p][k] / piv;
            m[p][k] = p == row ? m[row][k] : tmp;
        }
        for (size_t r = 0; r < s->ne; r++) {
            double f = m[r][c];
            for (size_t k = 0; r != row && k < s->nv && f != 0; k++) {
                m[r][k] -= f * m[row][k];
            }
        }
        row++;
    }
    memset(det, 0, s->nv * sizeof *det);
    for (size_t r = 0; r < row; r++) {
        size_t nz = 0, at = 0;
        for (size_t c = 0; c < s->nv; c++) {
            if (unknown(&s->v[c]) && fabs(m[r][c]) > 1e-9) {
                nz++;
                at = c;
            }
        }
        if (nz == 1) {
            det[at] = true;
        }
    }
}

static bool in_eq(const equation *e, size_t v)
{
    if ((size_t)e->total == v) {
        return true;
    }
    for (size_t k = 0; k < e->n; k++) {
        if ((size_t)e->terms[k] == v) {
            return true;
        }
    }
    return false;
}

/* The smallest published, unsuppressed count of an equation holding `v`
 * (any equation when `v` < 0), or -1. */
static int smallest(const linear_system *s, int v)
{
    int best = -1;
    for (size_t i = 0; i < s->ne; i++) {
        const equation *e = &s->e[i];
        if (v >= 0 && !in_eq(e, (size_t)v)) {
            continue;
        }
        for (size_t k = 0; k <= e->n; k++) {
            int c = k < e->n ? e->terms[k] : e->total;
            if (!unknown(&s->v[c]) &&
                (best < 0 || s->v[c].value < s->v[best].value)) {
                best = c;
            }
        }
    }
    return best;
}

static void suppress(linear_system *s, int k)
{
    bool det[MAX_VARS];
    for (size_t i = 0; i < s->nv; i++) {
        var *v = &s->v[i];
        v->primary = v->suppressed = v->kind == PUBLISHED && v->value < k;
    }
    for (size_t round = 0; round <= s->nv; round++) {
        determined(s, det);
        int exposed = -1;
        for (size_t i = 0; i < s->nv && exposed < 0; i++) {
            if (det[i] && s->v[i].kind != PROCESS && s->v[i].value < k) {
                exposed = (int)i;
            }
        }
        if (exposed < 0) {
            return;
        }
        int c = smallest(s, exposed);
        c = c < 0 ? smallest(s, -1) : c;
        if (c < 0) {
            return;
        }
        s->v[c].suppressed = true;
    }
}

int cairn_aggregate_table_compute(cairn_aggregate_table **out,
                                  const cairn_cohort_summary *s, int min_cell,
                                  cairn_error *err)
{
    *out = NULL;
    if (min_cell < 1 || min_cell > CAIRN_AGGREGATE_MAX_MIN_CELL) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "min-cell %d is outside 1..%d", min_cell,
                               CAIRN_AGGREGATE_MAX_MIN_CELL);
    }
    linear_system *sys = calloc(1, sizeof *sys);
    cairn_aggregate_table *t = calloc(1, sizeof *t);
    cairn_aggregate_cell *cells = calloc(MAX_VARS, sizeof *cells);
    if (sys == NULL || t == NULL || cells == NULL) {
        free(sys);
        free(t);
        free(cells);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    build(sys, s);
    suppress(sys, min_cell);
    t->min_cell = min_cell;
    t->cells = cells;
    for (size_t i = 0; i < sys->nv; i++) {
        const var *v = &sys->v[i];
        if (v->kind == PUBLISHED) {
            cairn_aggregate_cell *c = &cells[t->n_cells++];
            memcpy(c->name, v->name, sizeof c->name);
            c->value = v->value;
            c->suppressed = v->suppressed;
            c->primary = v->primary;
        }
    }
    free(sys);
    t->withhold_change = cairn_aggregate_table_is_suppressed(t, "n_paired");
    t->withhold_alpha = cairn_aggregate_table_is_suppressed(t, "alpha.n");
    t->withhold_model =
        cairn_aggregate_table_is_suppressed(t, "n_clients") ||
        cairn_aggregate_table_is_suppressed(t, "mixed_model.n_obs");
    t->mean_decimals = s->n_paired < CAIRN_AGGREGATE_COARSE_N ? 0
                       : s->n_paired < CAIRN_AGGREGATE_FINE_N ? 1
                                                              : 2;
    *out = t;
    return CAIRN_OK;
}

const cairn_aggregate_cell *
cairn_aggregate_table_get(const cairn_aggregate_table *t, const char *name)
{
    for (size_t i = 0; i < t->n_cells; i++) {
        if (strcmp(t->cells[i].name, name) == 0) {
            return &t->cells[i];
        }
    }
    return NULL;
}

bool cairn_aggregate_table_is_suppressed(const cairn_aggregate_table *t,
                                         const char *name)
{
    const cairn_aggregate_cell *c = cairn_aggregate_table_get(t, name);
    return c != NULL && c->suppressed;
}

void cairn_aggregate_table_free(cairn_aggregate_table *t)
{
    if (t == NULL) {
        return;
    }
    free(t->cells);
    free(t);
}

/* ---- the pooled report ---- */

/* Set the member at dotted `path` of `o` to null, when it is there. */
static void null_path(json_t *o, const char *path)
{
    char key[64];
    const char *dot;
    while ((dot = strchr(path, '.')) != NULL && json_is_object(o)) {
        snprintf(key, sizeof key, "%.*s", (int)(dot - path), path);
        o = json_object_get(o, key);
        path = dot + 1;
    }
    if (json_is_object(o) && json_object_get(o, path) != NULL) {
        json_object_set_new(o, path, json_null());
    }
}

static void withhold(json_t *o, json_t *withheld, const char *key,
                     json_t *value)
{
    if (json_object_get(o, key) != NULL) {
        json_object_set_new(o, key, value);
        json_array_append_new(withheld, json_string(key));
    } else {
        json_decref(value);
    }
}

/* Round the mean and SD of `o` to `decimals` places. */
static void coarsen(json_t *o, int decimals)
{
    static const char *const keys[] = {"mean", "sd"};
    double scale = pow(10, decimals);
    for (size_t i = 0; json_is_object(o) && i < 2; i++) {
        json_t *v = json_object_get(o, keys[i]);
        if (json_is_number(v)) {
            json_object_set_new(
                o, keys[i],
                json_real(round(json_number_value(v) * scale) / scale));
        }
    }
}

int cairn_aggregate_report_to_json(const cairn_cohort_result *r,
                                   const cairn_aggregate_table *t,
                                   size_t n_sites, char **out, cairn_error *err)
{
    static const char *const change[] = {"baseline", "latest", "change",
                                         "effect_sizes"};
    char *base = NULL;
    *out = NULL;
    int rc = cairn_cohort_to_json(r, &base, err);
    if (rc < 0) {
        return rc;
    }
    json_t *o = json_loads(base, 0, NULL);
    free(base);
    json_t *suppressed = json_array(), *withheld = json_array();
    for (size_t i = 0; o != NULL && i < t->n_cells; i++) {
        if (t->cells[i].suppressed) {
            null_path(o, t->cells[i].name);
            json_array_append_new(suppressed, json_string(t->cells[i].name));
        }
    }
    for (size_t i = 0; o != NULL && t->withhold_change && i < 4; i++) {
        withhold(o, withheld, change[i], json_null());
    }
    for (size_t i = 0; o != NULL && !t->withhold_change && i < 3; i++) {
        coarsen(json_object_get(o, change[i]), t->mean_decimals);
    }
    if (o != NULL && t->withhold_alpha) {
        withhold(o, withheld, "alpha", json_null());
    }
    if (o != NULL && t->withhold_model) {
        withhold(o, withheld, "mixed_model",
                 json_pack("{s:s}", "note",
                           "withheld: it would reveal a suppressed count"));
    }
    json_object_set_new(o, "min_cell", json_integer(t->min_cell));
    json_object_set_new(o, "sites", json_integer((json_int_t)n_sites));
    json_object_set_new(o, "suppressed", suppressed);
    json_object_set_new(o, "withheld", withheld);
    *out = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                                 JSON_REAL_PRECISION(10))
             : NULL;
    json_decref(o);
    if (*out == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    return CAIRN_OK;
}
