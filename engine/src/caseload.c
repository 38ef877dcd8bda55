/*
 * caseload.c - every client's trends and alerts, with the states
 * clinicians recorded, sorted by urgency.
 *
 * The compact rows (cairn_caseload_rows) are records in a spill (spill.c:
 * in memory up to a limit, past it in an unlinked temporary file beside
 * the database), written in the pass's order; memory keeps per row only
 * its sort key and its record's place, so it does not grow with what
 * the rows hold.  A record is our own fixed framing of the row: its
 * structs with their pointers cleared, the catalog's instrument, scale
 * and band as places (pointers again when read), the client as its
 * place in the caseload's list of clients, and the alert kinds as bytes.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "cairn/caseload.h"
#include "cairn/cohort.h"
#include "cairn/settings.h"
#include "caseload_pipe.h"
#include "internal.h"

/* Bytes of compact rows kept in memory before the rest go to a file. */
#define ROWS_MEMORY (16u << 20)

typedef struct caseload_impl {
    cairn_caseload pub;
    cairn_client_list *clients; /* the kept clients first, see filter */
    size_t n_clients;           /* all of them, for freeing */
    cairn_alert_record_list *records;
    cairn_episode_list **episodes; /* one per kept client */
    cairn_settings *settings;      /* the clinic's, when the caller gave none */
    cairn_caseload_options opts;   /* the caller's, with the settings */
    cairn_store *st;               /* borrowed while computing */
    bool compact;                  /* keep rows, not trends; one entry
                                      (entries[0]) at a time */
    cairn__spill *spill;           /* compact: the rows' records */
    uint64_t *at;                  /* compact: client k's record */
    struct row_key *keys;          /* compact: one per row, by urgency
                                      once the pass is done */
    char *rec;                     /* compact: a record being made */
    size_t rec_cap;
    cairn_caseload_row got;     /* the row read last (rows_get) */
    cairn_caseload_cell *cells; /* its cells; to_row's before */
    size_t cells_cap;
    unsigned char *kinds; /* their open alerts' kinds */
    size_t kinds_cap;
    bool reasons;                   /* compact: format the alerts' reasons
                                       (a full entry asked of a row) */
    const cairn_instrument **insts; /* the instruments looked at */
    size_t n_insts;
    struct course_wants *wants;      /* rows: what a client's read needs */
    cairn_assessment_stream *client; /* rows: reads one client at a time */
    size_t last;                     /* rows: the entry made last, or n */
    int64_t change;                  /* rows: the store's change counter */
    bool snapshot;                   /* rows: entries read in a snapshot */
    cairn_trend_cache *caches;       /* one per instrument looked at */
    bool *seen;                      /* client_entry's, one per instrument */
    bool piped;                      /* the pass's store is read on a second
                                        thread (caseload_pipe.c), which also
                                        reads the session events: */
    cairn_event_list *events;        /* those of the pass's current list */
    int ev_rc;                       /* that read's status, its message: */
    cairn_error ev_err;
    bool walked;                 /* a walk's thread read the entries */
    signed char *nhstt_kind;     /* piped: per instrument looked at, its
                                    scale's NHS TT measure (0 depression,
                                    1 anxiety), or -1 */
    cairn_caseload_keep_fn keep; /* rows: given each entry in full */
    void *keep_arg;
    cairn__caseload_kept *kept; /* what `keep` kept, by client */
    int64_t *all_ids;           /* every client read, by id, and their */
    const char **all_codes;     /* codes (borrowed from `clients`): the
                                   pass's stream takes them from here */
} caseload_impl;

/* Clients the growth model needs: this instrument's setting, the
 * clinic's, or the default (project policy). */
static size_t min_clients(const cairn_settings *set, const char *code)
{
    double v = 0;
    char key[96];
    snprintf(key, sizeof key, "%s.min_clients", code);
    if (cairn_settings_number(set, key, &v) ||
        cairn_settings_number(set, "model.min_clients", &v)) {
        return (size_t)v;
    }
    return CAIRN_EXPECTATION_MIN_CLIENTS;
}

/* The clinic's model from its pooled statistics (cached in the store). */
static int expectation(cairn_expectation *out, cairn_store *st,
                       const cairn_instrument *inst, const char *scale,
                       const cairn_settings *set, cairn_error *err)
{
    cairn_mixed_design *d = NULL;
    cairn_mixed_fit_result *fit = NULL;
    size_t n_d = 0, n = 0;
    size_t need = min_clients(set, cairn_instrument_code(inst));
    memset(out, 0, sizeof *out);
    out->min_clients = need;
    int rc =
        cairn_cohort_designs_get(&d, &n_d, &n, NULL, st, inst, scale, set, err);
    if (rc < 0) {
        return rc;
    }
    if (n >= need && cairn_mixed_fit_designs(&fit, d, n_d, NULL, NULL) == 0) {
        *out = cairn_expectation_from_fit(fit, n);
        out->min_clients = need;
        out->available = n >= need;
    }
    out->n_clients = n;
    cairn_mixed_result_free(fit);
    free(d);
    return CAIRN_OK;
}

int cairn_caseload_expectation(cairn_expectation *out, cairn_store *st,
                               const cairn_instrument *inst, const char *scale,
                               cairn_error *err)
{
    cairn_settings *set = NULL;
    int rc = cairn_settings_list(&set, st, err);
    if (rc == CAIRN_OK) {
        rc = expectation(out, st, inst, scale, set, err);
    }
    cairn_settings_free(set);
    return rc;
}

/* Set each alert's state from the records; count open and acknowledged. */
static void apply_states(cairn_caseload_entry *e, cairn_trend *t,
                         const cairn_alert_record_list *records)
{
    cairn_alert_apply_states(t, records);
    for (size_t i = 0; i < t->n_alerts; i++) {
        const cairn_alert *a = &t->alerts[i];
        if (a->state == CAIRN_ALERT_OPEN) {
            e->n_open++;
            if (e->most_urgent < 0 || (int)a->kind < e->most_urgent) {
                e->most_urgent = (int)a->kind;
            }
        } else if (a->state == CAIRN_ALERT_ACKNOWLEDGED) {
            e->n_acknowledged++;
        }
    }
}

/* What the order of clients depends on, from an entry or a row. */
typedef struct urgency_key {
    int most_urgent;
    size_t n_acknowledged, n_open;
    const char *code;
} urgency_key;

static int urgency(const urgency_key *e)
{
    if (e->most_urgent >= 0) {
        return e->most_urgent;
    }
    return e->n_acknowledged > 0 ? CAIRN_ALERT_KIND_COUNT
                                 : CAIRN_ALERT_KIND_COUNT + 1;
}

static int compare_urgency(const urgency_key *a, const urgency_key *b)
{
    int ua = urgency(a), ub = urgency(b);
    if (ua != ub) {
        return ua - ub;
    }
    if (a->n_open != b->n_open) {
        return a->n_open > b->n_open ? -1 : 1;
    }
    return strcmp(a->code, b->code);
}

static int by_urgency(const void *x, const void *y)
{
    const cairn_caseload_entry *a = x, *b = y;
    urgency_key ka = {a->most_urgent, a->n_acknowledged, a->n_open,
                      a->client->code};
    urgency_key kb = {b->most_urgent, b->n_acknowledged, b->n_open,
                      b->client->code};
    return compare_urgency(&ka, &kb);
}

/*
 * What a compact row is sorted by (32 bytes a client; its record's place
 * is in `at`, by client): compare_urgency's order, as numbers where it
 * can be.  `order` holds the urgency above and the open alerts' count
 * below (more open first), `prefix` the first eight bytes of the code
 * as a number (as strcmp orders them), so most comparisons read no
 * string.
 */
typedef struct row_key {
    uint64_t order;
    uint64_t prefix;
    const char *code; /* the client's (borrowed from the list) */
    uint32_t client;  /* the client's place in the list of clients */
} row_key;

#define OPEN_BITS 48 /* open alerts of a row: fewer than 2^48 */

static int rows_by_urgency(const void *x, const void *y)
{
    const row_key *a = x, *b = y;
    if (a->order != b->order) {
        return a->order < b->order ? -1 : 1;
    }
    if (a->prefix != b->prefix) {
        return a->prefix < b->prefix ? -1 : 1;
    }
    return strcmp(a->code, b->code);
}

/* The first eight bytes of `code` as a number, zeros after its end. */
static uint64_t code_prefix(const char *code)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; i < 8 && code[i] != '\0'; i++) {
        v = v << 8 | (unsigned char)code[i];
    }
    return v << (8 * (8 - i));
}

/* The instruments to look at: the one asked for, or all. */
static int pick_instruments(const cairn_instrument ***out, size_t *n,
                            const cairn_catalog *cat, const char *name,
                            cairn_error *err)
{
    *n = name ? 1 : cairn_catalog_count(cat);
    *out = calloc(*n, sizeof **out);
    if (*out == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (name != NULL) {
        return cairn_catalog_find(&(*out)[0], cat, name, err);
    }
    for (size_t i = 0; i < *n; i++) {
        (*out)[i] = cairn_catalog_get(cat, i);
    }
    return CAIRN_OK;
}

/* The trend's NHS Talking Therapies measure, or NULL. */
static const cairn_scale *nhstt_scale(const cairn_trend *t,
                                      const cairn_instrument *const *insts,
                                      size_t n_insts)
{
    for (size_t i = 0; i < n_insts; i++) {
        if (strcmp(cairn_instrument_code(insts[i]), t->instrument) == 0) {
            const cairn_scale *sc =
                cairn_instrument_find_scale(insts[i], t->scale);
            return sc != NULL && sc->has_nhstt ? sc : NULL;
        }
    }
    return NULL;
}

/* Session events of client `code` within the trend's episode (the whole
 * record when no episode was used); -1 when none is recorded at all.
 * When the pass is piped, the reading thread read them already. */
static int count_sessions(caseload_impl *c, const char *code,
                          const cairn_trend *t, size_t *n, int *finished,
                          cairn_error *err)
{
    cairn_event_list *own = NULL;
    const cairn_event_list *ev = c->events;
    size_t any = 0;
    *n = 0;
    int rc = CAIRN_OK;
    if (!c->piped) {
        rc = cairn_store_event_list(&own, c->st, code, err);
        ev = own;
    } else if (c->ev_rc < 0) {
        rc = c->ev_rc;
        if (err != NULL) {
            *err = c->ev_err;
        }
    }
    /* the reading thread reads them for every client who may need them
     * (wants_events in caseload_pipe.c) */
    assert(rc < 0 || ev != NULL);
    for (size_t i = 0; rc == 0 && i < ev->n; i++) {
        const cairn_event *e = &ev->items[i];
        if (e->kind != CAIRN_EVENT_SESSION) {
            continue;
        }
        any++;
        bool in =
            t->episode == 0 || (strncmp(e->date, t->episode_start, 10) >= 0 &&
                                (t->episode_end == NULL ||
                                 strncmp(e->date, t->episode_end, 10) <= 0));
        *n += in;
    }
    *finished = any == 0 ? -1 : *n >= 2;
    cairn_store_event_list_free(own);
    return rc;
}

/* Paired NHS Talking Therapies outcomes per referral (the episode the
 * trends use): each measure's own first and last score, as NHS England's
 * PHQ9_FirstScore/PHQ9_LastScore are. */
static void nhs_outcomes(cairn_caseload_entry *e,
                         const cairn_instrument *const *insts, size_t n_insts)
{
    const cairn_trend *t[2] = {NULL, NULL};
    const cairn_scale *sc[2] = {NULL, NULL};
    for (size_t i = 0; i < e->n_trends; i++) {
        const cairn_scale *s = nhstt_scale(e->trends[i], insts, n_insts);
        if (s != NULL) {
            t[s->nhstt_anxiety] = e->trends[i];
            sc[s->nhstt_anxiety] = s;
        }
    }
    if (t[0] == NULL || t[1] == NULL || t[0]->n < 2 || t[1]->n < 2) {
        return;
    }
    cairn_nhstt_measure m[2];
    for (int i = 0; i < 2; i++) {
        m[i] = (cairn_nhstt_measure){t[i]->baseline.score, t[i]->latest.score,
                                     sc[i]->nhstt_caseness,
                                     sc[i]->nhstt_reliable_change};
    }
    e->has_nhstt = true;
    e->nhstt = cairn_stats_nhstt(&m[0], &m[1]);
}

/* Which of `insts` the list holds (seen[i]): each row's instrument is
 * compared with the row before's first. */
static void instruments_seen(bool *seen, const cairn_assessment_list *list,
                             const cairn_instrument *const *insts,
                             size_t n_insts)
{
    size_t last = n_insts;
    memset(seen, 0, n_insts * sizeof *seen);
    for (size_t a = 0; a < list->n; a++) {
        const char *code = list->items[a].instrument;
        if (last < n_insts &&
            strcmp(cairn_instrument_code(insts[last]), code) == 0) {
            continue;
        }
        for (size_t i = 0; i < n_insts; i++) {
            if (strcmp(cairn_instrument_code(insts[i]), code) == 0) {
                seen[i] = true;
                last = i;
                break;
            }
        }
    }
}

/* Client k's entry: its own, or the compact rows' one at a time. */
static cairn_caseload_entry *entry_of(caseload_impl *c, size_t k)
{
    return &c->pub.entries[c->compact ? 0 : k];
}

/* Client k's entry from `list`, its current assessments (borrowed). */
static int client_entry(caseload_impl *c, size_t k,
                        const cairn_assessment_list *list,
                        const cairn_instrument *const *insts, size_t n_insts,
                        const cairn_caseload_options *o, cairn_error *err)
{
    cairn_caseload_entry *e = entry_of(c, k);
    const cairn_client *cl = &c->clients->items[k];
    int rc =
        c->episodes[k] != NULL
            ? CAIRN_OK
            : cairn_store_episode_list(&c->episodes[k], c->st, cl->code, err);
    if (rc < 0) {
        return rc;
    }
    e->episodes = c->episodes[k];
    e->client = cl;
    e->most_urgent = -1;
    e->trends = calloc(n_insts + 1, sizeof *e->trends);
    if (c->caches == NULL) {
        c->caches = calloc(n_insts + 1, sizeof *c->caches);
        c->seen = calloc(n_insts + 1, sizeof *c->seen);
    }
    if (e->trends == NULL || c->caches == NULL || c->seen == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    instruments_seen(c->seen, list, insts, n_insts);
    for (size_t i = 0; rc == 0 && i < n_insts; i++) {
        const cairn_instrument *inst = insts[i];
        if (!c->seen[i]) {
            continue;
        }
        /* the expectations are made in the instruments' order
         * (expectations()), the i-th of insts[i] */
        const cairn_expectation *ex =
            i < c->pub.n_expectations &&
                    c->pub.expectation_codes[i] == cairn_instrument_code(inst)
                ? &c->pub.expectations[i]
                : NULL;
        const cairn_scale *sc =
            o->trend.scale ? cairn_instrument_find_scale(inst, o->trend.scale)
                           : cairn_instrument_scale(inst, 0);
        cairn_trend_options to = o->trend;
        if (sc != NULL) {
            to = cairn_trend_options_for(&o->trend, o->overrides,
                                         o->n_overrides, inst, sc);
        }
        to.episodes = c->episodes[k];
        to.without_reasons = c->compact && !c->reasons; /* rows keep kinds */
        /* a row is made (to_row) and its trends freed before the list */
        to.borrow_texts = c->compact && !c->reasons;
        to.cache = &c->caches[i];
        cairn_trend *t = NULL;
        rc = cairn_trend_compute(&t, inst, list, cl->loss_date, &to, ex, err);
        if (rc == 0) {
            apply_states(e, t, c->records);
            e->trends[e->n_trends++] = t;
        }
    }
    if (rc == 0) {
        nhs_outcomes(e, insts, n_insts);
    }
    if (rc == 0 && e->has_nhstt) {
        rc = count_sessions(c, cl->code, e->trends[0], &e->nhstt_sessions,
                            &e->nhstt_finished, err);
    }
    return rc;
}

/* Trend `t` as a cell; its strings are borrowed from `insts`, its open
 * alerts' kinds go to `kinds` (room for t->n_alerts). */
static void to_cell(cairn_caseload_cell *cell, const cairn_trend *t,
                    const cairn_instrument *const *insts, size_t n_insts,
                    unsigned char *kinds)
{
    memset(cell, 0, sizeof *cell);
    for (size_t i = 0; i < n_insts && cell->instrument == NULL; i++) {
        if (strcmp(cairn_instrument_code(insts[i]), t->instrument) == 0) {
            const cairn_scale *sc =
                cairn_instrument_find_scale(insts[i], t->scale);
            cell->instrument = cairn_instrument_code(insts[i]);
            cell->scale = sc != NULL ? sc->id : NULL;
            for (size_t b = 0; sc != NULL && t->n > 0 &&
                               t->latest.band != NULL && b < sc->n_bands;
                 b++) {
                if (strcmp(sc->bands[b].id, t->latest.band) == 0) {
                    cell->band = sc->bands[b].id;
                }
            }
        }
    }
    assert(cell->instrument != NULL && cell->scale != NULL);
    cell->n = t->n;
    cell->n_recent =
        t->n < CAIRN_CASELOAD_RECENT ? t->n : CAIRN_CASELOAD_RECENT;
    for (size_t i = 0; i < cell->n_recent; i++) {
        cell->recent[i] = t->points[t->n - cell->n_recent + i].score;
    }
    cell->latest = t->n > 0 ? t->latest.score : 0;
    if (t->n > 0) {
        /* "%.10s" without snprintf's cost on every client */
        size_t n = strnlen(t->latest.date, sizeof cell->latest_date - 1);
        memcpy(cell->latest_date, t->latest.date, n);
        cell->latest_date[n] = '\0';
    }
    cell->change = t->change;
    cell->has_rci = t->has_rci;
    cell->rci_category = t->rci.category;
    cell->reliably_recovered =
        t->has_clinical && t->clinical.reliably_recovered;
    cell->episode = t->episode;
    cell->open_kinds = kinds;
    for (size_t k = 0; k < t->n_alerts; k++) {
        if (t->alerts[k].state == CAIRN_ALERT_OPEN) {
            cell->open_kinds[cell->n_open++] = (unsigned char)t->alerts[k].kind;
        }
    }
}

/* Entry k's trends and episodes freed and the entry cleared (its row
 * keeps what it shows). */
static void entry_release(caseload_impl *c, size_t k)
{
    cairn_caseload_entry *e = entry_of(c, k);
    for (size_t i = 0; i < e->n_trends; i++) {
        cairn_trend_free(e->trends[i]);
    }
    free(e->trends);
    memset(e, 0, sizeof *e); /* the next client's, when compact */
    cairn_store_episode_list_free(c->episodes[k]);
    c->episodes[k] = NULL;
}

/* Room for a row of `n_cells` cells with `n_kinds` open alerts in the
 * caseload's row buffers, and for a record of `len` bytes. */
static int room(caseload_impl *c, size_t n_cells, size_t n_kinds, size_t len,
                cairn_error *err)
{
    if (n_cells >= c->cells_cap) {
        size_t cap = 2 * (n_cells + 1);
        cairn_caseload_cell *p = realloc(c->cells, cap * sizeof *p);
        if (p == NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        c->cells = p;
        c->cells_cap = cap;
    }
    if (n_kinds >= c->kinds_cap) {
        size_t cap = 2 * (n_kinds + 1);
        unsigned char *p = realloc(c->kinds, cap);
        if (p == NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        c->kinds = p;
        c->kinds_cap = cap;
    }
    if (len >= c->rec_cap) {
        size_t cap = 2 * (len + 1);
        char *p = realloc(c->rec, cap);
        if (p == NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        c->rec = p;
        c->rec_cap = cap;
    }
    return CAIRN_OK;
}

/* A record's row and cells: the structs with their pointers cleared,
 * and what they pointed to as places. */
typedef struct rec_row {
    cairn_caseload_row row;
    uint32_t client; /* in the list of clients (by id) */
} rec_row;

typedef struct rec_cell {
    cairn_caseload_cell cell;
    uint32_t inst;  /* in the instruments looked at */
    uint32_t scale; /* in the instrument's scales */
    int32_t band;   /* in the scale's bands, or -1 */
} rec_cell;

/* Cell `x` into `rc`, as places of `insts`. */
static void cell_out(rec_cell *rc, const cairn_caseload_cell *x,
                     const cairn_instrument *const *insts, size_t n_insts)
{
    memset(rc, 0, sizeof *rc);
    memcpy(&rc->cell, x, sizeof *x); /* to_cell cleared its padding */
    rc->cell.instrument = rc->cell.scale = rc->cell.band = NULL;
    rc->cell.open_kinds = NULL;
    rc->band = -1;
    for (size_t i = 0; i < n_insts; i++) {
        if (cairn_instrument_code(insts[i]) == x->instrument) {
            const cairn_scale *sc0 = cairn_instrument_scale(insts[i], 0);
            const cairn_scale *sc =
                cairn_instrument_find_scale(insts[i], x->scale);
            rc->inst = (uint32_t)i;
            rc->scale = (uint32_t)(sc - sc0);
            for (size_t b = 0; x->band != NULL && b < sc->n_bands; b++) {
                if (sc->bands[b].id == x->band) {
                    rc->band = (int32_t)b;
                }
            }
            return;
        }
    }
    assert(0 && "a cell's instrument is one looked at");
}

/* Row `r` of client k as a record in the spill, its key in keys[k]. */
static int put_row(caseload_impl *c, const cairn_caseload_row *r, size_t k,
                   cairn_error *err)
{
    size_t n_kinds = 0;
    for (size_t i = 0; i < r->n_cells; i++) {
        n_kinds += r->cells[i].n_open;
    }
    size_t len = sizeof(rec_row) + r->n_cells * sizeof(rec_cell) + n_kinds;
    int rc = room(c, 0, 0, len, err);
    if (rc < 0) {
        return rc;
    }
    rec_row h;
    memset(&h, 0, sizeof h); /* no padding of ours goes to the file */
    h.row.n_cells = r->n_cells;
    h.row.n_open = r->n_open;
    h.row.n_acknowledged = r->n_acknowledged;
    h.row.most_urgent = r->most_urgent;
    h.row.has_nhstt = r->has_nhstt;
    h.row.nhstt = r->nhstt;
    h.row.nhstt_finished = r->nhstt_finished;
    h.row.nhstt_sessions = r->nhstt_sessions;
    h.client = (uint32_t)k;
    memcpy(c->rec, &h, sizeof h);
    char *p = c->rec + sizeof h;
    for (size_t i = 0; i < r->n_cells; i++) {
        rec_cell x;
        cell_out(&x, &r->cells[i], c->insts, c->n_insts);
        memcpy(p, &x, sizeof x);
        p += sizeof x;
    }
    for (size_t i = 0; i < r->n_cells; i++) {
        memcpy(p, r->cells[i].open_kinds, r->cells[i].n_open);
        p += r->cells[i].n_open;
    }
    urgency_key u = {r->most_urgent, r->n_acknowledged, r->n_open,
                     r->client->code};
    uint64_t open_max = ((uint64_t)1 << OPEN_BITS) - 1;
    assert(r->n_open < open_max);
    c->keys[k] = (row_key){.order = (uint64_t)urgency(&u) << OPEN_BITS |
                                    (open_max - r->n_open),
                           .prefix = code_prefix(r->client->code),
                           .code = r->client->code,
                           .client = (uint32_t)k};
    c->at[k] = cairn__spill_tell(c->spill);
    return cairn__spill_put(c->spill, c->rec, len, err);
}

/* The record at `p` (`len` bytes) as the rows' row read last. */
static int row_in(caseload_impl *c, const char *p, size_t len, cairn_error *err)
{
    rec_row h;
    memcpy(&h, p, sizeof h);
    size_t n = h.row.n_cells, n_kinds = len - sizeof h - n * sizeof(rec_cell);
    assert(len >= sizeof h + n * sizeof(rec_cell));
    int rc = room(c, n, n_kinds, 0, err);
    if (rc < 0) {
        return rc;
    }
    memcpy(c->kinds, p + len - n_kinds, n_kinds);
    for (size_t i = 0, at = 0; i < n; i++) {
        rec_cell x;
        memcpy(&x, p + sizeof h + i * sizeof x, sizeof x);
        const cairn_instrument *inst = c->insts[x.inst];
        const cairn_scale *sc = cairn_instrument_scale(inst, x.scale);
        cairn_caseload_cell *cell = &c->cells[i];
        *cell = x.cell;
        cell->instrument = cairn_instrument_code(inst);
        cell->scale = sc->id;
        cell->band = x.band >= 0 ? sc->bands[x.band].id : NULL;
        cell->open_kinds = c->kinds + at;
        at += cell->n_open;
    }
    c->got = h.row;
    c->got.client = &c->clients->items[h.client];
    c->got.cells = c->cells;
    return CAIRN_OK;
}

/* Entry k as a compact row (a record in the spill and its key), then
 * the entry's trends and episodes freed. */
static int to_row(caseload_impl *c, size_t k,
                  const cairn_instrument *const *insts, size_t n_insts,
                  cairn_error *err)
{
    cairn_caseload_entry *e = entry_of(c, k);
    cairn_caseload_row r = {
        .client = e->client,
        .n_open = e->n_open,
        .n_acknowledged = e->n_acknowledged,
        .most_urgent = e->most_urgent,
        .has_nhstt = e->has_nhstt,
        .nhstt = e->nhstt,
        .nhstt_finished = e->nhstt_finished,
        .nhstt_sessions = e->nhstt_sessions,
    };
    size_t n_kinds = 0;
    for (size_t i = 0; i < e->n_trends; i++) {
        n_kinds += e->trends[i]->n_alerts;
    }
    int rc = room(c, e->n_trends, n_kinds, 0, err);
    for (size_t i = 0, at = 0; rc == CAIRN_OK && i < e->n_trends; i++) {
        to_cell(&c->cells[i], e->trends[i], insts, n_insts, c->kinds + at);
        at += c->cells[i].n_open;
    }
    r.cells = c->cells;
    r.n_cells = e->n_trends;
    if (rc == CAIRN_OK) {
        rc = put_row(c, &r, k, err);
    }
    entry_release(c, k);
    return rc;
}

/* What the caseload reads of each instrument: its scale and risk items. */
typedef struct course_wants {
    cairn_course_want *w;
    int *risk; /* every want's risk items, one block */
} course_wants;

static int wants_make(course_wants *cw, const cairn_instrument *const *insts,
                      size_t n_insts, const cairn_caseload_options *o,
                      cairn_error *err)
{
    size_t n_risk = 0, used = 0;
    for (size_t i = 0; i < n_insts; i++) {
        n_risk += cairn_instrument_risk_count(insts[i]);
    }
    cw->w = calloc(n_insts + 1, sizeof *cw->w);
    cw->risk = calloc(n_risk + 1, sizeof *cw->risk);
    if (cw->w == NULL || cw->risk == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n_insts; i++) {
        const cairn_instrument *inst = insts[i];
        const cairn_scale *sc =
            o->trend.scale ? cairn_instrument_find_scale(inst, o->trend.scale)
                           : cairn_instrument_scale(inst, 0);
        /* no such scale: the trend refuses it before reading a score */
        sc = sc != NULL ? sc : cairn_instrument_scale(inst, 0);
        cairn_course_want *w = &cw->w[i];
        w->instrument = cairn_instrument_code(inst);
        w->scale = (size_t)(sc - cairn_instrument_scale(inst, 0));
        w->scale_id = sc->id;
        w->risk_items = &cw->risk[used];
        w->n_risk_items = cairn_instrument_risk_count(inst);
        for (size_t k = 0; k < w->n_risk_items; k++) {
            cw->risk[used++] = cairn_instrument_risk(inst, k)->item;
        }
    }
    return CAIRN_OK;
}

/* Each instrument's NHS TT measure, as client_entry's trends will have
 * it (their scale): which clients' session events the pipe reads. */
static int nhstt_kinds(caseload_impl *c, const cairn_caseload_options *o,
                       cairn_error *err)
{
    if (c->nhstt_kind != NULL) {
        return CAIRN_OK;
    }
    c->nhstt_kind = calloc(c->n_insts + 1, 1);
    if (c->nhstt_kind == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < c->n_insts; i++) {
        const cairn_instrument *inst = c->insts[i];
        const cairn_scale *sc =
            o->trend.scale ? cairn_instrument_find_scale(inst, o->trend.scale)
                           : cairn_instrument_scale(inst, 0);
        c->nhstt_kind[i] =
            sc != NULL && sc->has_nhstt ? (signed char)sc->nhstt_anxiety : -1;
    }
    return CAIRN_OK;
}

/* The client read in `it` (the pipe's or this thread's): its list into
 * `*list`, its session events into the caseload; returns its status. */
static int take_item(caseload_impl *c, cairn__course_item *it,
                     cairn_assessment_list **list, cairn_error *err)
{
    *list = it->list;
    c->events = it->events;
    c->ev_rc = it->ev_rc;
    if (it->ev_rc < 0) {
        c->ev_err = it->ev_err;
    }
    if (it->rc < 0 && err != NULL) {
        *err = it->err;
    }
    it->list = NULL;
    it->events = NULL;
    return it->rc;
}

/* What the pipe reads for the caseload, beside its source. */
static cairn__course_reads course_reads(const caseload_impl *c)
{
    return (cairn__course_reads){.st = c->st,
                                 .insts = c->insts,
                                 .n_insts = c->n_insts,
                                 .nhstt_kind = c->nhstt_kind};
}

/* The pass's next list, from the pipe or the stream (as the stream
 * answers); the previous list's session events are freed. */
static int next_list(caseload_impl *c, cairn__course_pipe *pipe,
                     cairn_assessment_stream *as, cairn_assessment_list **list,
                     cairn_error *err)
{
    cairn_store_event_list_free(c->events);
    c->events = NULL;
    c->ev_rc = CAIRN_OK;
    if (pipe == NULL) {
        return cairn_store_assessment_stream_next(as, list, err);
    }
    int more = take_item(c, cairn__course_pipe_next(pipe), list, err);
    /* the texts the reader left, decoded here: a malformed one before the
     * reader's own error is the first message, as on one thread */
    int f = cairn__store_course_finish(as, *list, err);
    more = f < 0 ? f : more;
    if (more < 0) {
        cairn_store_assessment_list_free(*list);
        *list = NULL;
    }
    return more;
}

/* Entry k, in full, given to the front end's `keep`; what it kept is
 * client k's.  A non-zero `keep` stops the pass with its value. */
static int keep_entry(caseload_impl *c, size_t k, cairn_error *err)
{
    int stop = c->keep(entry_of(c, k), cairn__caseload_kept_keeper(c->kept),
                       c->keep_arg);
    return stop != 0 ? stop : cairn__caseload_kept_put(c->kept, k, err);
}

/*
 * Every kept client's entry in one pass over the store's assessments,
 * client by client in id order (the caller sorts by urgency afterwards),
 * holding one client's assessments at a time: the trends own what they
 * keep.  One client asked for: that client's rows only.
 */
static int all_entries(caseload_impl *c, const cairn_instrument *const *insts,
                       size_t n_insts, const cairn_caseload_options *o,
                       cairn_error *err)
{
    const cairn_assessment_list empty = {0};
    course_wants cw = {NULL, NULL};
    cairn_assessment_stream *as = NULL;
    cairn__course_pipe *pipe = NULL;
    cairn__course_reads reads;
    cairn_assessment_list *list = NULL;
    size_t n = c->clients->n;
    int rc = CAIRN_OK, more = 1;
    c->pub.entries = calloc(c->compact ? 1 : n + 1, sizeof *c->pub.entries);
    if (c->compact) {
        c->keys = calloc(n + 1, sizeof *c->keys);
        c->at = calloc(n + 1, sizeof *c->at);
    }
    if (c->pub.entries == NULL ||
        (c->compact && (c->keys == NULL || c->at == NULL))) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (c->compact && n > UINT32_MAX) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%zu clients: too many for one caseload", n);
    }
    if (c->compact) {
        size_t limit = o->memory_limit ? o->memory_limit : ROWS_MEMORY;
        rc = cairn__spill_new(&c->spill, cairn_store_path(c->st), limit, err);
        if (rc < 0) {
            return rc;
        }
    }
    if (o->client != NULL && n == 1) {
        rc = cairn_store_assessment_list(&list, c->st, o->client, NULL,
                                         CAIRN_LIST_CURRENT, err);
        more = 0;
    } else {
        rc = wants_make(&cw, insts, n_insts, o, err);
        if (rc == CAIRN_OK) {
            rc = cairn_store_course_stream_open(&as, c->st, cw.w, n_insts, err);
        }
        if (rc == CAIRN_OK) {
            /* the codes read already, not read again row by row */
            cairn__store_course_clients(as, c->all_ids, c->all_codes,
                                        c->n_clients);
        }
        if (rc == CAIRN_OK && o->threads != 1) {
            rc = nhstt_kinds(c, o, err);
        }
        reads = course_reads(c);
        reads.stream = as;
        if (rc == CAIRN_OK && o->threads != 1) {
            /* the texts are decoded on this thread, not the reader's */
            cairn__store_course_defer(as);
        }
        /* no second thread: this one reads the stream itself */
        c->piped = rc == CAIRN_OK && o->threads != 1 &&
                   cairn__course_pipe_start(&pipe, &reads) == CAIRN_OK;
    }
    for (size_t k = 0; rc == CAIRN_OK && k < n; k++) {
        int64_t id = c->clients->items[k].id;
        while (more > 0 && (list == NULL || list->items[0].client_id < id)) {
            cairn_store_assessment_list_free(list);
            more = next_list(c, pipe, as, &list, err);
            rc = more < 0 ? more : CAIRN_OK;
        }
        bool mine =
            list != NULL && list->n > 0 && list->items[0].client_id == id;
        if (rc == CAIRN_OK) {
            rc = client_entry(c, k, mine ? list : &empty, insts, n_insts, o,
                              err);
            c->pub.n = k + 1;
        }
        if (rc == CAIRN_OK && c->keep != NULL) {
            rc = keep_entry(c, k, err);
        }
        if (c->compact && c->pub.n == k + 1) { /* an entry was begun */
            int rr = to_row(c, k, insts, n_insts, err);
            rc = rc != 0 ? rc : rr;
        }
    }
    cairn_store_assessment_list_free(list);
    cairn__course_pipe_free(pipe); /* joined: the store is this thread's */
    cairn_store_event_list_free(c->events);
    c->events = NULL;
    cairn_store_assessment_stream_close(as);
    if (c->piped) {
        cairn__course_pipe_trim();
    }
    c->piped = false;
    free(cw.w);
    free(cw.risk);
    return rc;
}

static int expectations(caseload_impl *c, cairn_store *st,
                        const cairn_instrument *const *insts, size_t n,
                        const cairn_caseload_options *o, cairn_error *err)
{
    c->pub.expectations = calloc(n + 1, sizeof *c->pub.expectations);
    c->pub.expectation_codes = calloc(n + 1, sizeof *c->pub.expectation_codes);
    if (c->pub.expectations == NULL || c->pub.expectation_codes == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    for (size_t i = 0; o->with_expectation && i < n; i++) {
        int rc = expectation(&c->pub.expectations[i], st, insts[i],
                             o->trend.scale, o->trend.settings, err);
        if (rc < 0) {
            return rc;
        }
        c->pub.expectation_codes[i] = cairn_instrument_code(insts[i]);
        c->pub.n_expectations = i + 1;
    }
    return CAIRN_OK;
}

int cairn_caseload_is_active(cairn_store *st, const char *code, bool *active,
                             cairn_error *err)
{
    cairn_episode_list *ep = NULL;
    int rc = cairn_store_episode_list(&ep, st, code, err);
    if (rc == CAIRN_OK) {
        *active = ep->n == 0 || ep->items[ep->n - 1].ended_on == NULL;
    }
    cairn_store_episode_list_free(ep);
    return rc;
}

/* Every client's id and code, in the list's order (by id), before
 * filter_clients() moves the kept ones first. */
static int keep_ids(caseload_impl *c, cairn_error *err)
{
    size_t n = c->clients->n;
    c->all_ids = malloc((n + 1) * sizeof *c->all_ids);
    c->all_codes = malloc((n + 1) * sizeof *c->all_codes);
    if (c->all_ids == NULL || c->all_codes == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < n; k++) {
        c->all_ids[k] = c->clients->items[k].id;
        c->all_codes[k] = c->clients->items[k].code;
    }
    return CAIRN_OK;
}

/*
 * Every client, or only the one with `code`: one client's view must not
 * read the whole register.  A missing client is an empty list here, so
 * filter_clients() says so.  A client from cairn_store_client_get() is
 * one allocation, which is what a one-item list's items is.
 */
static int list_clients(cairn_client_list **out, cairn_store *st,
                        const char *code, cairn_error *err)
{
    if (code == NULL) {
        return cairn__store_client_list_by_id(out, st, err);
    }
    cairn_client *c = NULL;
    *out = calloc(1, sizeof **out);
    if (*out == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    int rc = cairn_store_client_get(&c, st, code, err);
    (*out)->items = c;
    (*out)->n = c != NULL ? 1 : 0;
    if (rc == CAIRN_ENOTFOUND) {
        cairn_error_clear(err);
        rc = CAIRN_OK;
    }
    return rc;
}

/*
 * Keep only the clients the options ask for (in place, in their order),
 * with each kept client's episodes of care in `episodes`: those already
 * read there (by client, in the list's order) move with their client;
 * the others are read here when the active rule needs them, so the pass
 * does not read them again.
 */
static int filter_clients(cairn_client_list *l, cairn_episode_list **episodes,
                          cairn_store *st, const cairn_caseload_options *o,
                          cairn_error *err)
{
    size_t kept = 0;
    for (size_t i = 0; i < l->n; i++) {
        const cairn_client *cl = &l->items[i];
        cairn_episode_list *ep = episodes[i];
        bool active = true;
        episodes[i] = NULL; /* those before `kept` are the kept ones' */
        if ((o->client != NULL && strcmp(cl->code, o->client) != 0) ||
            (o->clinician != NULL &&
             (cl->clinician == NULL || strcmp(cl->clinician, o->clinician)))) {
            cairn_store_episode_list_free(ep);
            continue;
        }
        if (!o->all && o->client == NULL) {
            int rc = ep != NULL
                         ? CAIRN_OK
                         : cairn_store_episode_list(&ep, st, cl->code, err);
            if (rc < 0) {
                for (size_t j = i + 1; j < l->n; j++) {
                    cairn_store_episode_list_free(episodes[j]);
                    episodes[j] = NULL;
                }
                l->n = kept; /* the rest stay where they were */
                return rc;
            }
            active = ep->n == 0 || ep->items[ep->n - 1].ended_on == NULL;
        }
        if (!active) {
            cairn_store_episode_list_free(ep);
            continue;
        }
        cairn_client keep = *cl;
        l->items[i] = l->items[kept];
        l->items[kept] = keep;
        episodes[kept++] = ep;
    }
    l->n = kept;
    if (o->client != NULL && kept == 0) {
        return cairn_error_set(err, CAIRN_ENOTFOUND, "no client '%s'",
                               o->client);
    }
    return CAIRN_OK;
}

/* What a kept pass gives each entry to (cairn_caseload_rows_compute_kept),
 * or nothing. */
typedef struct keep_req {
    cairn_caseload_keep_fn fn;
    void *arg;
} keep_req;

static int compute(caseload_impl **out, cairn_store *st,
                   const cairn_catalog *cat, const cairn_caseload_options *opts,
                   bool compact, keep_req keep, cairn_error *err)
{
    cairn_caseload_options defaults = CAIRN_CASELOAD_OPTIONS_INIT;
    const cairn_instrument **insts = NULL;
    size_t n_insts = 0;
    *out = NULL;
    caseload_impl *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    c->opts = opts ? *opts : defaults;
    c->st = st;
    c->compact = compact;
    const cairn_caseload_options *o = &c->opts;
    int rc = CAIRN_OK;
    if (o->trend.settings == NULL) {
        rc = cairn_settings_list(&c->settings, st, err);
        c->opts.trend.settings = c->settings;
    }
    if (rc == 0) {
        rc = pick_instruments(&insts, &n_insts, cat, o->instrument, err);
    }
    c->insts = insts;
    c->n_insts = n_insts;
    if (rc == 0) {
        /* before the snapshot: the model may be cached in the store */
        rc = expectations(c, st, insts, n_insts, o, err);
    }
    if (rc == 0) {
        rc = cairn_store_snapshot_begin(st, err);
    }
    bool snap = rc == 0; /* every read below sees one snapshot */
    if (rc == 0 && compact) {
        bool has = false;
        int64_t last = 0;
        rc = cairn__store_change_get(st, &c->change, &last, &has, err);
    }
    if (rc == 0) {
        rc = list_clients(&c->clients, st, o->client, err);
    }
    if (rc == 0) {
        c->n_clients = c->clients->n;
        /* the pass reads the store in client id order, the list's */
        c->episodes = calloc(c->n_clients + 1, sizeof *c->episodes);
        rc = c->episodes != NULL
                 ? CAIRN_OK
                 : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (rc == 0) {
        rc = keep_ids(c, err);
    }
    if (rc == 0 && o->client == NULL) {
        /* every client's episodes in one query, not one each */
        rc = cairn_store_episode_lists(c->episodes, st, c->clients->items,
                                       c->n_clients, err);
    }
    if (rc == 0) {
        rc = filter_clients(c->clients, c->episodes, st, o, err);
    }
    if (rc == 0) {
        rc = cairn_store_alert_list(&c->records, st, err);
    }
    if (rc == 0 && keep.fn != NULL) {
        c->keep = keep.fn;
        c->keep_arg = keep.arg;
        c->reasons = true; /* the entries are given in full */
        rc = cairn__caseload_kept_new(&c->kept, cairn_store_path(st),
                                      c->clients->n, o->memory_limit, err);
    }
    if (rc == 0) {
        rc = all_entries(c, insts, n_insts, o, err);
    }
    c->reasons = false;
    if (snap) {
        cairn_store_snapshot_end(st);
    }
    c->last = c->pub.n;
    if (rc != 0) { /* (a front end's `keep` may stop with its own value) */
        cairn_caseload_free(&c->pub);
        return rc;
    }
    if (compact) {
        qsort(c->keys, c->pub.n, sizeof *c->keys, rows_by_urgency);
    } else {
        qsort(c->pub.entries, c->pub.n, sizeof *c->pub.entries, by_urgency);
    }
    *out = c;
    return CAIRN_OK;
}

int cairn_caseload_compute(cairn_caseload **out, cairn_store *st,
                           const cairn_catalog *cat,
                           const cairn_caseload_options *opts, cairn_error *err)
{
    caseload_impl *c = NULL;
    *out = NULL;
    int rc = compute(&c, st, cat, opts, false, (keep_req){NULL, NULL}, err);
    if (rc == CAIRN_OK) {
        *out = &c->pub;
    }
    return rc;
}

/* The compact rows, with the caseload that owns their clients. */
typedef struct rows_impl {
    cairn_caseload_rows pub;
    caseload_impl *c;
} rows_impl;

static int rows_compute(cairn_caseload_rows **out, cairn_store *st,
                        const cairn_catalog *cat,
                        const cairn_caseload_options *opts, keep_req keep,
                        cairn_error *err)
{
    *out = NULL;
    rows_impl *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    int rc = compute(&r->c, st, cat, opts, true, keep, err);
    if (rc != 0) {
        free(r);
        return rc;
    }
    r->pub.n = r->c->pub.n;
    *out = &r->pub;
    return CAIRN_OK;
}

int cairn_caseload_rows_compute(cairn_caseload_rows **out, cairn_store *st,
                                const cairn_catalog *cat,
                                const cairn_caseload_options *opts,
                                cairn_error *err)
{
    return rows_compute(out, st, cat, opts, (keep_req){NULL, NULL}, err);
}

int cairn_caseload_rows_compute_kept(cairn_caseload_rows **out, cairn_store *st,
                                     const cairn_catalog *cat,
                                     const cairn_caseload_options *opts,
                                     cairn_caseload_keep_fn fn, void *arg,
                                     cairn_error *err)
{
    assert(fn != NULL);
    return rows_compute(out, st, cat, opts, (keep_req){fn, arg}, err);
}

int cairn_caseload_rows_get(cairn_caseload_rows *rows, size_t k,
                            const cairn_caseload_row **out, cairn_error *err)
{
    caseload_impl *c = ((rows_impl *)rows)->c;
    assert(k < rows->n);
    const char *p = NULL;
    size_t len = 0;
    *out = NULL;
    int rc =
        cairn__spill_get(c->spill, c->at[c->keys[k].client], &p, &len, err);
    if (rc == CAIRN_OK) {
        rc = row_in(c, p, len, err);
    }
    if (rc == CAIRN_OK) {
        *out = &c->got;
    }
    return rc;
}

/* Row k's client's place in the caseload's list of clients (by id). */
static size_t row_client(const caseload_impl *c, size_t k)
{
    return c->keys[k].client;
}

int cairn_caseload_rows_kept(cairn_caseload_rows *rows, size_t k,
                             const void **bytes, size_t *n, cairn_error *err)
{
    caseload_impl *c = ((rows_impl *)rows)->c;
    assert(k < rows->n && c->kept != NULL);
    return cairn__caseload_kept_get(c->kept, row_client(c, k), bytes, n, err);
}

/* Free the full entry made last for a row, if any. */
static void entry_done(caseload_impl *c)
{
    if (c->last >= c->pub.n) {
        return;
    }
    entry_release(c, c->last);
    c->last = c->pub.n;
}

/*
 * The entries are read in one snapshot of the store, which must be the
 * one the rows were computed from: if anything was written since, their
 * order and counts may no longer hold, so the walk stops.
 */
static int snapshot_again(caseload_impl *c, cairn_error *err)
{
    int64_t change = 0, last = 0;
    bool has = false;
    int rc = cairn_store_snapshot_begin(c->st, err);
    if (rc < 0) {
        return rc;
    }
    c->snapshot = true;
    rc = cairn__store_change_get(c->st, &change, &last, &has, err);
    if (rc == CAIRN_OK && change != c->change) {
        rc = cairn_error_set(err, CAIRN_EDB,
                             "the store changed while the caseload was "
                             "read; run it again");
    }
    if (rc < 0) { /* so every later entry is refused too */
        cairn_store_snapshot_end(c->st);
        c->snapshot = false;
    }
    return rc;
}

/* Ready to read the rows' clients in full: the rows' snapshot again and
 * the one-client stream. */
static int entries_ready(caseload_impl *c, cairn_error *err)
{
    int rc = CAIRN_OK;
    if (!c->snapshot) {
        rc = snapshot_again(c, err);
    }
    if (rc == CAIRN_OK && c->client == NULL) {
        c->wants = calloc(1, sizeof *c->wants);
        rc = c->wants == NULL
                 ? cairn_error_set(err, CAIRN_ENOMEM, "out of memory")
                 : wants_make(c->wants, c->insts, c->n_insts, &c->opts, err);
        if (rc == CAIRN_OK) {
            rc = cairn_store_course_client_open(&c->client, c->st, c->wants->w,
                                                c->n_insts, err);
        }
    }
    return rc;
}

/* Client j's entry in full (reasons formatted) from its current
 * assessments `list` (borrowed, NULL for none). */
static int full_entry(caseload_impl *c, size_t j,
                      const cairn_assessment_list *list, cairn_error *err)
{
    const cairn_assessment_list empty = {0};
    c->reasons = true;
    c->last = j;
    cairn_caseload_entry *e = entry_of(c, j);
    memset(e, 0, sizeof *e);
    int rc = client_entry(c, j, list != NULL ? list : &empty, c->insts,
                          c->n_insts, &c->opts, err);
    c->reasons = false;
    return rc;
}

int cairn_caseload_rows_entry(cairn_caseload_rows *rows, size_t k,
                              const cairn_caseload_entry **out,
                              cairn_error *err)
{
    caseload_impl *c = ((rows_impl *)rows)->c;
    cairn_assessment_list *list = NULL;
    *out = NULL;
    assert(k < rows->n);
    entry_done(c);
    /* the row's client, in the caseload's list of clients (by id) */
    size_t j = row_client(c, k);
    int rc = entries_ready(c, err);
    if (rc == CAIRN_OK) {
        rc = cairn_store_course_client_read(c->client, c->clients->items[j].id,
                                            &list, err);
    }
    if (rc == CAIRN_OK) {
        rc = full_entry(c, j, list, err);
    }
    cairn_store_assessment_list_free(list);
    if (rc < 0) {
        entry_done(c);
        return rc;
    }
    *out = entry_of(c, j);
    return CAIRN_OK;
}

/* Row k's entry from what the pipe read of its client: its assessments,
 * episodes and session events, in the order rows_entry reads them. */
static int piped_entry(caseload_impl *c, cairn_caseload_rows *rows,
                       cairn__course_pipe *pipe, size_t k,
                       const cairn_caseload_entry **out, cairn_error *err)
{
    cairn_assessment_list *list = NULL;
    entry_done(c);
    cairn_store_event_list_free(c->events);
    c->events = NULL;
    size_t j = row_client(c, k);
    (void)rows;
    cairn__course_item *it = cairn__course_pipe_next(pipe);
    cairn_episode_list *ep = it->episodes;
    it->episodes = NULL;
    int rc = take_item(c, it, &list, err) < 0 ? it->rc : CAIRN_OK;
    if (rc == CAIRN_OK && it->ep_rc < 0) {
        rc = it->ep_rc;
        if (err != NULL) {
            *err = it->ep_err;
        }
    }
    if (rc == CAIRN_OK) {
        c->episodes[j] = ep; /* client_entry reads none itself */
        ep = NULL;
        rc = full_entry(c, j, list, err);
    }
    cairn_store_episode_list_free(ep);
    cairn_store_assessment_list_free(list);
    if (rc < 0) {
        entry_done(c);
        return rc;
    }
    *out = entry_of(c, j);
    return CAIRN_OK;
}

int cairn_caseload_rows_walk(cairn_caseload_rows *rows,
                             cairn_caseload_walk_fn fn, void *arg,
                             cairn_error *err)
{
    caseload_impl *c = ((rows_impl *)rows)->c;
    const cairn_client **order = NULL;
    cairn__course_pipe *pipe = NULL;
    cairn__course_reads reads;
    int stop = 0;
    entry_done(c);
    int rc = entries_ready(c, err);
    if (rc == CAIRN_OK && c->opts.threads != 1) {
        order = calloc(rows->n + 1, sizeof *order);
        rc = order != NULL
                 ? nhstt_kinds(c, &c->opts, err)
                 : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    if (rc == CAIRN_OK && order != NULL) {
        for (size_t k = 0; k < rows->n; k++) {
            order[k] = &c->clients->items[row_client(c, k)];
        }
        reads = course_reads(c);
        reads.stream = c->client;
        reads.clients = order;
        reads.n_clients = rows->n;
        /* no second thread: each entry is read here (rows_entry) */
        c->piped = cairn__course_pipe_start(&pipe, &reads) == CAIRN_OK;
    }
    for (size_t k = 0; rc == CAIRN_OK && stop == 0 && k < rows->n; k++) {
        const cairn_caseload_entry *e = NULL;
        rc = c->piped ? piped_entry(c, rows, pipe, k, &e, err)
                      : cairn_caseload_rows_entry(rows, k, &e, err);
        if (rc == CAIRN_OK) {
            stop = fn(e, k, arg);
        }
    }
    entry_done(c);
    cairn__course_pipe_free(pipe);     /* joined: the store is this thread's */
    c->walked = c->walked || c->piped; /* trimmed once its stream is */
    c->piped = false;
    cairn_store_event_list_free(c->events);
    c->events = NULL;
    free(order);
    return rc != CAIRN_OK ? rc : stop;
}

void cairn_caseload_rows_free(cairn_caseload_rows *rows)
{
    if (rows == NULL) {
        return;
    }
    rows_impl *r = (rows_impl *)rows;
    cairn_caseload_free(&r->c->pub);
    free(r);
}

void cairn_caseload_free(cairn_caseload *cl)
{
    if (cl == NULL) {
        return;
    }
    caseload_impl *c = (caseload_impl *)cl;
    for (size_t k = 0; k < (c->compact && cl->n > 0 ? 1 : cl->n); k++) {
        for (size_t i = 0; i < cl->entries[k].n_trends; i++) {
            cairn_trend_free(cl->entries[k].trends[i]);
        }
        free(cl->entries[k].trends);
    }
    for (size_t k = 0; c->episodes != NULL && k < c->clients->n; k++) {
        cairn_store_episode_list_free(c->episodes[k]);
    }
    free(c->episodes);
    free(c->all_ids);
    free(c->all_codes);
    free(c->caches);
    free(c->seen);
    free(c->nhstt_kind);
    cairn__spill_free(c->spill);
    free(c->keys);
    free(c->at);
    free(c->rec);
    free(c->cells);
    free(c->kinds);
    cairn__caseload_kept_free(c->kept);
    free(cl->entries);
    free((void *)c->insts);
    if (c->wants != NULL) {
        free(c->wants->w);
        free(c->wants->risk);
        free(c->wants);
    }
    cairn_store_assessment_stream_close(c->client);
    if (c->walked) {
        cairn__course_pipe_trim();
    }
    if (c->snapshot) {
        cairn_store_snapshot_end(c->st);
    }
    free(cl->expectations);
    free(cl->expectation_codes);
    cairn_store_alert_list_free(c->records);
    cairn_settings_free(c->settings);
    if (c->clients != NULL) {
        c->clients->n = c->n_clients;
    }
    cairn_store_client_list_free(c->clients);
    free(c);
}
