/*
 * cohort_designs.c - the clinic's growth model as pooled sufficient
 * statistics, cached in the store.
 *
 * One client's trend needs the clinic's model, which a scan of every
 * assessment gives; the scan grows with the store.  Its result, the
 * clients' sums pooled by design (a few dozen classes), is kept in the
 * store's model_cache keyed by instrument, scale, definition fingerprint
 * and the store's state (its change counter and highest assessment id,
 * store_cache.c, which also authenticates each row), read before the scan,
 * so a later call with the counter unchanged reads the classes instead
 * of scanning, and any write makes the next call scan again.  The fit
 * itself always runs (cairn_mixed_fit_designs, milliseconds), so a code
 * change to the fit never meets a stale answer.  The blob is a header
 * (the double 1.0, so a file from a machine of another byte order misses)
 * followed by the classes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "cairn/cohort.h"
#include "internal.h"

static int by_design(const void *pa, const void *pb)
{
    const cairn_mixed_group *a = pa;
    const cairn_mixed_group *b = pb;
    const double x[3] = {a->n, a->st, a->stt}, y[3] = {b->n, b->st, b->stt};
    for (int k = 0; k < 3; k++) {
        if (x[k] != y[k]) {
            return x[k] < y[k] ? -1 : 1;
        }
    }
    /* ties in a fixed order, so the pooled sums never depend on qsort */
    const double u[3] = {a->sy, a->sty, a->syy}, v[3] = {b->sy, b->sty, b->syy};
    for (int k = 0; k < 3; k++) {
        if (u[k] != v[k]) {
            return u[k] < v[k] ? -1 : 1;
        }
    }
    return 0;
}

/* Pool `n` groups (sorted in place) into *out (the caller frees it). */
static int pool(cairn_mixed_group *g, size_t n, cairn_mixed_design **out,
                size_t *n_out, cairn_error *err)
{
    *out = calloc(n + 1, sizeof **out);
    *n_out = 0;
    if (*out == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (n > 1) { /* qsort's array may not be NULL, even for none */
        qsort(g, n, sizeof *g, by_design);
    }
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || g[i].n != g[i - 1].n || g[i].st != g[i - 1].st ||
            g[i].stt != g[i - 1].stt) {
            (*n_out)++;
        }
        cairn_mixed_design_add(&(*out)[*n_out - 1], &g[i]);
    }
    return CAIRN_OK;
}

/* The classes of a cache blob into *out; false when it is not one. */
static bool from_blob(const void *blob, size_t len, cairn_mixed_design **out,
                      size_t *n)
{
    double head = 0.0;
    size_t each = sizeof **out;
    if (len < sizeof head || (len - sizeof head) % each != 0) {
        return false;
    }
    memcpy(&head, blob, sizeof head);
    *n = (len - sizeof head) / each;
    *out = malloc(*n * each + 1);
    if (head != 1.0 || *out == NULL) {
        free(*out);
        *out = NULL;
        return false;
    }
    memcpy(*out, (const char *)blob + sizeof head, *n * each);
    return true;
}

/* Cache the classes for `key`; best effort. */
static void to_cache(cairn_store *st, const cairn__model_cache_key *key,
                     const cairn_mixed_design *d, size_t n, size_t n_clients)
{
    const double head = 1.0;
    size_t len = sizeof head + n * sizeof *d;
    char *blob = malloc(len);
    if (blob != NULL) {
        memcpy(blob, &head, sizeof head);
        memcpy(blob + sizeof head, d, n * sizeof *d);
        cairn__store_model_cache_put(st, key, blob, len, (int64_t)n_clients);
    }
    free(blob);
}

/* Scan the store and pool its groups. */
static int scan(cairn_mixed_design **out, size_t *n_designs, size_t *n_clients,
                cairn_store *st, const cairn_instrument *inst,
                const char *scale, const cairn_settings *set, cairn_error *err)
{
    cairn_cohort_options o = CAIRN_COHORT_OPTIONS_INIT;
    cairn_cohort_summary *s = NULL;
    o.scale = scale;
    o.settings = set;
    int rc = cairn_cohort_summarize(&s, st, inst, &o, err);
    if (rc == CAIRN_OK) {
        *n_clients = (size_t)s->n_clients;
        rc = pool(s->groups, s->n_groups, out, n_designs, err);
    }
    cairn_cohort_summary_free(s);
    return rc;
}

int cairn_cohort_designs_get(cairn_mixed_design **out, size_t *n_designs,
                             size_t *n_clients, bool *cached, cairn_store *st,
                             const cairn_instrument *inst, const char *scale,
                             const cairn_settings *set, cairn_error *err)
{
    const cairn_scale *sc = scale ? cairn_instrument_find_scale(inst, scale)
                                  : cairn_instrument_scale(inst, 0);
    cairn__model_cache_key key = {.instrument = cairn_instrument_code(inst)};
    bool has = false, found = false, dummy = false;
    void *blob = NULL;
    size_t len = 0;
    int64_t clients = 0;
    bool *hit = cached != NULL ? cached : &dummy;
    *out = NULL;
    *n_designs = 0;
    *n_clients = 0;
    *hit = false;
    if (sc == NULL) {
        return cairn_error_set(err, CAIRN_ENOTFOUND, "%s has no scale '%s'",
                               key.instrument, scale);
    }
    int made = cairn__instrument_fingerprint_get(inst, &key.fingerprint, err);
    if (made < 0) {
        return made;
    }
    /* the groups are of each client's current episode of care; the tag
     * keeps rows cached before episodes counted from being read */
    char scale_key[64];
    snprintf(scale_key, sizeof scale_key, "%s/episode:current", sc->id);
    key.scale = scale_key;
    /* The counter before the scan: a write during it makes a later miss. */
    int rc = cairn__store_change_get(st, &key.change, &key.last_assessment,
                                     &has, err);
    if (rc == CAIRN_OK && has) {
        rc = cairn__store_model_cache_get(st, &key, &blob, &len, &clients,
                                          &found, err);
    }
    if (rc == CAIRN_OK && found && clients >= 0 &&
        from_blob(blob, len, out, n_designs)) {
        *n_clients = (size_t)clients;
        *hit = true;
    } else if (rc == CAIRN_OK) {
        rc = scan(out, n_designs, n_clients, st, inst, scale, set, err);
        if (rc == CAIRN_OK && has) {
            to_cache(st, &key, *out, *n_designs, *n_clients);
        }
    }
    free(blob);
    if (rc != CAIRN_OK) {
        free(*out);
        *out = NULL;
        *n_designs = 0;
    }
    return rc;
}
