/*
 * caseload_keep.c - what a front end keeps of each client's entry in
 * full during the caseload's one pass (cairn_caseload_rows_compute_kept),
 * read back later in the rows' (urgency) order, which is known only once
 * every client is read.
 *
 * Each client's bytes go into a spill (spill.c: memory up to a limit,
 * then an unlinked temporary file beside the database) as one record, in
 * the pass's order; its place is kept by client, so the rows read them
 * back in any order.  Memory: the keeper's buffer (one client's output),
 * the spill's limit, and 8 bytes per client.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/caseload.h"
#include "internal.h"

/* What the pass keeps in memory at most; the rest goes to the file. */
#define KEEP_MEMORY (16u << 20)

struct cairn_caseload_keeper {
    char *buf;
    size_t len, cap;
};

struct cairn__caseload_kept {
    cairn_caseload_keeper keeper;
    cairn__spill *spill;
    uint64_t *at; /* per client, its record's place; UINT64_MAX: none */
    size_t n;
};

int cairn_caseload_keep(cairn_caseload_keeper *k, const void *bytes, size_t n,
                        cairn_error *err)
{
    if (k->len + n > k->cap) {
        size_t cap = k->cap ? k->cap : 4096;
        while (cap < k->len + n) {
            cap *= 2;
        }
        char *p = realloc(k->buf, cap);
        if (p == NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        k->buf = p;
        k->cap = cap;
    }
    if (n > 0) {
        memcpy(k->buf + k->len, bytes, n);
    }
    k->len += n;
    return CAIRN_OK;
}

int cairn__caseload_kept_new(cairn__caseload_kept **out, const char *near,
                             size_t n_clients, size_t limit, cairn_error *err)
{
    *out = NULL;
    cairn__caseload_kept *k = calloc(1, sizeof *k);
    if (k == NULL ||
        (k->at = malloc((n_clients + 1) * sizeof *k->at)) == NULL) {
        free(k);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n_clients; i++) {
        k->at[i] = UINT64_MAX;
    }
    k->n = n_clients;
    int rc =
        cairn__spill_new(&k->spill, near, limit ? limit : KEEP_MEMORY, err);
    if (rc < 0) {
        cairn__caseload_kept_free(k);
        return rc;
    }
    *out = k;
    return CAIRN_OK;
}

cairn_caseload_keeper *cairn__caseload_kept_keeper(cairn__caseload_kept *k)
{
    k->keeper.len = 0;
    return &k->keeper;
}

int cairn__caseload_kept_put(cairn__caseload_kept *k, size_t client,
                             cairn_error *err)
{
    k->at[client] = cairn__spill_tell(k->spill);
    return cairn__spill_put(k->spill, k->keeper.buf ? k->keeper.buf : "",
                            k->keeper.len, err);
}

int cairn__caseload_kept_get(cairn__caseload_kept *k, size_t client,
                             const void **bytes, size_t *n, cairn_error *err)
{
    const char *rec = NULL;
    size_t len = 0;
    int rc = k->at[client] == UINT64_MAX
                 ? CAIRN_OK
                 : cairn__spill_get(k->spill, k->at[client], &rec, &len, err);
    *bytes = rc == CAIRN_OK ? rec : NULL;
    *n = rc == CAIRN_OK ? len : 0;
    return rc;
}

void cairn__caseload_kept_free(cairn__caseload_kept *k)
{
    if (k == NULL) {
        return;
    }
    cairn__spill_free(k->spill);
    free(k->keeper.buf);
    free(k->at);
    free(k);
}
