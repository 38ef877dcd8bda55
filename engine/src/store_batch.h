/*
 * store_batch.h - the batch writer's state, shared by its two files only:
 * store_batch.c (the batch, deciding rows, the immediate inserts) and
 * store_batch_insert.c (a deferred batch's spilled rows and its insert
 * phase under the write lock).
 */
#ifndef CAIRN_STORE_BATCH_H
#define CAIRN_STORE_BATCH_H

#include "store_db.h"

/* Instruments one batch can hold (a deferred batch refuses more). */
#define CAIRN__BATCH_DEFS 64
/* Prepared rows a deferred batch keeps in memory before the spill file. */
#define SPILL_MEMORY (16u << 20)

typedef struct cairn__batch_pipe cairn__batch_pipe;

/* Answer codes whose JSON text is kept (0..CODE_TEXTS-1). */
#define CODE_TEXTS 64

/* Clients created by a deferred batch (not in the database yet): hash of
 * code -> id, codes kept in `codes`. */
typedef struct cairn__centry {
    uint64_t h;
    int64_t id;
    size_t code;
} cairn__centry;

typedef struct cairn__cmap {
    cairn__centry *t;
    size_t n, cap;
    cairn__buf codes;
    bool full;
} cairn__cmap;

struct cairn__batch {
    cairn_store *st;
    cairn__client_dates dates; /* the last client's, for plausibility */
    int64_t id;
    cairn_method method;
    char *action, *source, *before;
    char at[CAIRN__DATE_MAX];
    cairn__digest digest, clients;
    size_t n;     /* assessments written (deferred: to be written) */
    size_t n_dup; /* duplicates skipped */
    int64_t first_id, last_id;
    int64_t base_assess, base_client;           /* maxima before the batch */
    int64_t next_assess, next_client, next_def; /* last ids given out */
    const cairn_instrument *def_inst[CAIRN__BATCH_DEFS];
    int64_t def_id[CAIRN__BATCH_DEFS];
    bool def_new[CAIRN__BATCH_DEFS]; /* deferred: inserted under the lock */
    size_t n_defs;
    char last_code[72];
    int64_t last_client;
    cairn__hset keys; /* duplicate keys of the rows written */
    bool keys_full;   /* the set could not grow: ask the database */
    cairn__cmap created;
    cairn__buf resp, scores, flags, rules, line, content, rec;
    char code_text[CODE_TEXTS][8]; /* jansson's text of each small code */
    uint8_t code_len[CODE_TEXTS];  /* 0 = not yet */
    cairn__memo *memo; /* deferred: scores, flags, rules texts seen */
    /* deferred */
    bool deferred;
    bool fk_off; /* the insert phase checks the parents itself */
    cairn__spill *spill;
    cairn__batch_pipe *pipe; /* the spill's and digest's thread, or NULL */
    void (*before_lock)(void *ctx);
    void *lock_ctx;
};

/* store_batch.c */
uint64_t cairn__batch_row_hash(int64_t client, const char *inst,
                               const char *date, const char *resp,
                               size_t resp_len);
int cairn__batch_read_bases(cairn__batch *b, cairn_error *err);
int cairn__batch_find_client(cairn__batch *b, const char *code, int64_t *id,
                             cairn_error *err);
int cairn__batch_find_definition(cairn__batch *b, const cairn_instrument *inst,
                                 int64_t *id, cairn_error *err);
int cairn__batch_insert_definition(cairn__batch *b,
                                   const cairn_instrument *inst, int64_t *id,
                                   cairn_error *err);
int cairn__batch_insert_client(cairn__batch *b, int64_t id, const char *code,
                               cairn_error *err);
int cairn__batch_insert_assess(cairn__batch *b, const cairn__assess_fields *f,
                               cairn_error *err);
/* Exact duplicate check through the batch's connection. */
int cairn__batch_probe(cairn__batch *b, int64_t client, const char *inst,
                       const char *date, const char *resp, size_t resp_len,
                       bool *dup, cairn_error *err);
/* Count a written row: its digest line, first/last id, the content of a
 * one-row batch. */
int cairn__batch_account(cairn__batch *b, const cairn__assess_fields *f,
                         cairn_error *err);
void cairn__batch_content_json(cairn__buf *o, const cairn__assess_fields *f);

/* The texts of a score (scores, flags, rules; flags and rules empty when
 * there are none), through `memo` (may be NULL). */
void cairn__batch_encode_score(cairn__memo *memo, cairn__buf *scores,
                               cairn__buf *flags, cairn__buf *rules,
                               const cairn_score *sc);

/* What the pipe's thread keeps to score rows added unscored. */
typedef struct cairn__batch_scorer {
    cairn__memo *memo;
    cairn_responses *resp[CAIRN__BATCH_DEFS]; /* by definition slot */
    cairn__buf scores, flags, rules, rec, line;
    bool content; /* the first row's content is made */
} cairn__batch_scorer;

/* store_batch_insert.c */
/* A row added unscored ('A' to write, 'P' presumed a duplicate) for the
 * pipe's thread: its fields but the score's, and the codes of `resp`. */
int cairn__batch_later_row(cairn__batch *b, char kind, size_t slot,
                           const cairn__assess_fields *f, uint64_t h,
                           const cairn_responses *resp, cairn_error *err);
/* The pipe's thread: one record handed over.  A row added unscored is
 * scored and becomes the spill's 'a' or 'p' record; every record goes to
 * the spill, and a row to write adds its digest line to b->digest (the
 * first one's content to b->content when it was added unscored). */
int cairn__batch_pipe_record(cairn__batch *b, cairn__batch_scorer *s,
                             const char *rec, size_t len, cairn_error *err);
void cairn__batch_scorer_free(cairn__batch_scorer *s);
/* Keep a created client / a row ('a' to write, 'p' presumed duplicate) of
 * definition slot `slot` for the insert phase. */
int cairn__batch_spill_client(cairn__batch *b, int64_t id, const char *code,
                              cairn_error *err);
int cairn__batch_spill_row(cairn__batch *b, char kind, size_t slot,
                           const cairn__assess_fields *f, uint64_t h,
                           cairn_error *err);
/* Under the write lock: insert what was spilled (see the file). */
int cairn__batch_insert_spilled(cairn__batch *b, cairn_error *err);
/* store_batch_pipe.c: a second thread that puts a deferred batch's
 * records in b->spill and digests its rows into b->digest, in order.
 * While it runs, nothing else may touch b->spill or b->digest. */
/* Start the thread; CAIRN_ENOMEM (nothing started) when it cannot be.
 * `*out` is NULL on failure. */
int cairn__batch_pipe_start(cairn__batch_pipe **out, cairn__batch *b);
/* Hand a spill record (copied) to the thread.  Returns the thread's own
 * first error once it has one (copied into `err`), else CAIRN_OK or
 * CAIRN_ENOMEM. */
int cairn__batch_pipe_put(cairn__batch_pipe *p, const char *rec, size_t len,
                          cairn_error *err);
/* Wait until every record handed over is spilled and digested, end the
 * thread and free `p`; the thread's first error, if any. */
int cairn__batch_pipe_finish(cairn__batch_pipe *p, cairn_error *err);
/* End the thread without waiting for the rest, and free `p` (NULL ok). */
void cairn__batch_pipe_free(cairn__batch_pipe *p);

#endif
