/*
 * export_write.h - the research export's state, shared by its three
 * files: export_write.c (the scan into the spool, the whole export),
 * export_rows.c (the spool back out as rows) and export_provenance.c
 * (the provenance file and the audit entry).  Private to them.
 */
#ifndef CAIRN_EXPORT_WRITE_H
#define CAIRN_EXPORT_WRITE_H

#include <stdint.h>
#include <stdio.h>

#include "cairn.h"
#include "export_internal.h"
#include "store_internal.h"

#define NO_DAY INT32_MAX
#define NO_CODE INT32_MIN

/* One client of the store, as the export needs it. */
typedef struct cairn__xclient {
    int64_t id;
    uint32_t rank;     /* position in pseudonym order */
    int32_t first_day; /* first assessment, days since 1970, or NO_DAY */
    int32_t loss_day;  /* or NO_DAY */
    int offset;        /* date shift in days (shift_dates) */
    bool exported;
    cairn_loss_kind loss_kind;
    const char *age_band, *gestation_band; /* static, or NULL */
    char pseudonym[CAIRN_EXPORT_PSEUDONYM_LEN + 1];
} cairn__xclient;

/* One instrument of the catalog. */
typedef struct cairn__xinst {
    const cairn_instrument *inst;
    bool included; /* passes the instrument filter */
    size_t n_items, n_scales;
    size_t rec_size;      /* bytes of one spooled record */
    size_t n_assessments; /* spooled */
    size_t col;           /* wide: its first item column */
    /* long: the variable of each item's row, then each scale's */
    char (*vars)[CAIRN__EXPORT_NAME_MAX];
} cairn__xinst;

/* The head of a spooled record; item codes and scale values follow. */
typedef struct cairn__xrec {
    uint32_t rank;
    int32_t day;
    int64_t id; /* assessment id: orders ties, never written */
    uint32_t occasion;
    uint16_t inst;
    uint16_t fingerprint; /* index into the interned strings */
    int32_t episode;      /* the client's episode holding it, 0: none */
    int32_t episode_day;  /* days since that episode's start, or NO_DAY */
} cairn__xrec;

typedef struct cairn__xscale {
    double score; /* NAN: no score */
    int32_t band; /* interned string, or -1 */
    int32_t pad;
} cairn__xscale;

/* How many exported assessments of an instrument a definition scored. */
typedef struct cairn__xfp {
    size_t inst, fp, n;
} cairn__xfp;

/* A record's place in a bucket, for sorting. */
typedef struct rec_ref {
    uint32_t rank;
    int32_t day;
    uint16_t inst;
    int64_t id;
    size_t off;
} rec_ref;

typedef struct cairn__exporter {
    cairn_store *st;
    const cairn_export_key *key;
    const cairn_export_options *o;
    const char *path;
    cairn__xclient *clients; /* by id */
    size_t n_clients;
    cairn__xclient **by_rank;
    cairn__xinst *insts;
    size_t n_insts;
    char **strings; /* interned fingerprints and band ids */
    size_t n_strings, cap_strings;
    cairn__xfp *fps;
    size_t n_fps, cap_fps;
    FILE **buckets;
    char **bucket_bufs; /* their streams' buffers */
    size_t n_buckets;
    bool has_from, has_to;
    int32_t from, to;
    unsigned char *rec; /* one record being built */
    cairn__export_column *cols;
    const char **names;
    size_t n_cols, n_common;
    cairn_export_cell *cells;
    char shifted[2][11];
    const cairn_instrument **used; /* instruments with rows */
    size_t n_used;
    cairn_export_result res;
    cairn_episode_filter *episodes; /* to number each row's episode */
    const char *last_fp_text;       /* the last row's fingerprint (the
                                       scan's), and its interned index */
    int last_fp;
    cairn__scan_decoder *dec;   /* the stored texts, decoded once */
    size_t row_inst;            /* the last row's instrument, */
    cairn__xclient *row_client; /* client */
    uint32_t occasion;          /* and its occasion */
    int threads;                /* 2: the scan's decoding on a worker */
    cairn__pipe *pipe;          /* the worker, or NULL: one thread */
    bool pipe_failed;           /* a scan's rows went wrong */
} cairn__exporter;

/**
 * Every spooled record of `x`, bucket by bucket, sorted, as rows to
 * `sink`; `csv` is the built-in CSV sink's file when `sink` is it (then,
 * with two threads, buckets are written two at a time), else NULL.
 * Counts the rows, clients and instruments in `x->res`.  Returns what the
 * sink returns, CAIRN_ENOMEM or CAIRN_EIO.
 */
int cairn__exporter_rows(cairn__exporter *x, const cairn_export_sink *sink,
                         cairn__export_file *csv, cairn_error *err);

/**
 * The provenance file of `x` at `path` (`dict` the data dictionary's).
 * Returns CAIRN_OK, CAIRN_ENOMEM, CAIRN_EIO or CAIRN_EDB.
 */
int cairn__exporter_provenance(cairn__exporter *x, const char *path,
                               const char *dict, cairn_error *err);

/** The audit entry of the export `x`.  Returns CAIRN_OK or CAIRN_EDB. */
int cairn__exporter_audit(const cairn__exporter *x, cairn_error *err);

#endif
