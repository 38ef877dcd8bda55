/*
 * export_internal.h - what export.c (keys, pseudonyms, the allow-list,
 * files) and export_write.c (the scan, the spool, the rows) share.
 * Never installed.
 */
#ifndef CAIRN_EXPORT_INTERNAL_H
#define CAIRN_EXPORT_INTERNAL_H

#include <stdio.h>
#include <sys/types.h>

#include "cairn/export.h"
#include "internal.h"

/** Longest column name or long-format variable name, with the NUL. */
#define CAIRN__EXPORT_NAME_MAX 96

/** One column of an export, and what the dictionary says about it. */
typedef struct cairn__export_column {
    char name[CAIRN__EXPORT_NAME_MAX];
    const cairn_instrument *inst; /* item and scale columns, else NULL */
    int item;                     /* item number, or 0 */
    const cairn_scale *scale;     /* scale of a score or band column */
} cairn__export_column;

/**
 * The classification of `name` in the allow-list ("pseudonym",
 * "generalised", ...), its type and generic meaning, or false when the
 * table does not classify it.  Item and scale columns must belong to
 * one of `insts`.
 */
bool cairn__export_classify(const char *name,
                            const cairn_instrument *const *insts,
                            size_t n_insts, const char **type,
                            const char **classification, const char **meaning);

/**
 * Write the data dictionary of `cols` (and, for the long format, the
 * variables of `insts`) to `path` through a temporary file.
 * Returns CAIRN_OK or CAIRN_EIO.
 */
int cairn__export_dictionary(const char *path, const cairn__export_column *cols,
                             size_t n, bool long_format,
                             const cairn_instrument *const *insts,
                             size_t n_insts, const cairn_outfile_options *opts,
                             cairn_error *err);

/** A file being written under a temporary name next to its path. */
typedef struct cairn__export_file {
    FILE *f;
    cairn_outfile *out;
    const char *path;  /* borrowed */
    size_t written;    /* bytes of rows written, */
    size_t flushed;    /* as many when they were last written out */
    off_t written_out; /* the file's bytes handed to the system to write */
} cairn__export_file;

/**
 * Open `path` for writing through cairn_outfile_open (`opts` may be NULL:
 * the defaults).  Returns what it returns, or CAIRN_ENOMEM.
 */
int cairn__export_file_open(cairn__export_file *x, const char *path,
                            const cairn_outfile_options *opts,
                            cairn_error *err);

/**
 * Close the file and, when `ok`, rename it over its path; otherwise (or
 * when writing failed) remove it.  Returns CAIRN_OK or CAIRN_EIO.
 */
int cairn__export_file_close(cairn__export_file *x, bool ok, cairn_error *err);

/**
 * Append `c` as one CSV field (quoted when it holds a comma, quote or line
 * break) to `f`, preceded by a comma unless `first`.
 */
void cairn__export_csv_cell(FILE *f, const cairn_export_cell *c, bool first);

/** "YYYY-MM-DD" of day `days` since 1970-01-01 into `out`. */
void cairn__export_date(char out[11], int32_t days);

/**
 * The built-in CSV sink writing to `path` (through a temporary file).
 * `*out` is freed by the sink's finish call.
 */
int cairn__export_csv_sink(cairn_export_sink *out, const char *path,
                           const cairn_outfile_options *opts, cairn_error *err);

/**
 * cairn_export_write on `threads` threads: 1 does it all on the calling
 * thread, 2 (what cairn_export_write uses) decodes and spools the rows
 * on a second thread while the first steps SQLite; the files are the
 * same either way (tests compare them).
 */
int cairn__export_write_threads(cairn_store *st, const cairn_catalog *cat,
                                const cairn_export_key *key, const char *path,
                                const cairn_export_options *opts,
                                cairn_export_result *res, int threads,
                                cairn_error *err);

/**
 * The built-in CSV sink's row function (`ctx` a cairn__export_file, which
 * may be a memory stream): the row's cells as one CSV line.  Returns
 * CAIRN_OK or CAIRN_EIO.
 */
int cairn__export_csv_row(void *ctx, const cairn_export_cell *cells, size_t n,
                          cairn_error *err);

/**
 * Cells `from` to `to` (not included) of a row as
 * cairn__export_csv_row() writes them (a comma before each but cell 0),
 * into `out`, their length in `*len`; false when they might take more
 * than `size` bytes (at most CAIRN__EXPORT_HEAD_MAX).
 */
bool cairn__export_csv_format(char *out, size_t size, size_t *len,
                              const cairn_export_cell *cells, size_t from,
                              size_t to);

/** The most bytes cairn__export_csv_format() formats. */
#define CAIRN__EXPORT_HEAD_MAX 1024

/**
 * Lines of the built-in CSV sink being made (export.c): their parts are
 * added in order and written with one fwrite for several lines.  Fill
 * it only through the functions below.
 */
typedef struct cairn__export_line {
    FILE *f;
    size_t n;
    size_t total; /* bytes written */
    char b[4096];
} cairn__export_line;

/** Start a line of the sink's file `ctx` (a cairn__export_file) with
 * `len` bytes of cells formatted ahead (cairn__export_csv_format()). */
void cairn__export_line_start(cairn__export_line *l, void *ctx,
                              const char *head, size_t len);

/** Cells `from` to `to` (not included), as cairn__export_csv_row()
 * writes them (a comma before each but cell 0). */
void cairn__export_line_cells(cairn__export_line *l,
                              const cairn_export_cell *cells, size_t from,
                              size_t to);

/** `n` empty cells after the first. */
void cairn__export_line_empty(cairn__export_line *l, size_t n);

/** An item code after the first cell, as the number cell of `code` (or
 * an empty cell when `none`) is written. */
void cairn__export_line_code(cairn__export_line *l, int32_t code, bool none);

/**
 * End the line; the lines held are written to `ctx` when they fill most
 * of the buffer (a line starts after those held, in a line structure
 * that starts zeroed and is kept for one file).  Returns CAIRN_OK or
 * CAIRN_EIO.
 */
int cairn__export_line_end(cairn__export_line *l, void *ctx, cairn_error *err);

/** Write the lines held to `ctx` (nothing if none was started): before
 * anything else writes to its file.  Returns CAIRN_OK or CAIRN_EIO. */
int cairn__export_line_flush(cairn__export_line *l, void *ctx,
                             cairn_error *err);

/**
 * cairn__export_csv_row() of a row whose cells before `from` were
 * formatted already, as `head_len` bytes at `head`
 * (cairn__export_csv_format()): the same line, without formatting them
 * again.  Returns CAIRN_OK or CAIRN_EIO.
 */
int cairn__export_csv_row_from(void *ctx, const char *head, size_t head_len,
                               const cairn_export_cell *cells, size_t from,
                               size_t n, cairn_error *err);

/** `n` bytes of CSV lines made elsewhere (a memory stream's) added to
 * `x` as they are.  Returns CAIRN_OK or CAIRN_EIO. */
int cairn__export_csv_put(cairn__export_file *x, const char *text, size_t n,
                          cairn_error *err);

#endif
