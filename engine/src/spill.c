/*
 * spill.c - a sequence of records written once and read back in order:
 * where a deferred import keeps its prepared rows between reading the
 * file and inserting under the write lock (store_batch.c).  Records stay
 * in memory up to a limit; past it they go to an unlinked temporary file
 * beside the database (mkstemp: mode 0600, on the database's own disk,
 * never a memory file system), so memory stays bounded at any size.
 * Each record is framed by its length (host order: the file never
 * outlives the process).  A record can also be read again by its place
 * (cairn__spill_tell before it was put, cairn__spill_get): the caseload
 * keeps its compact rows so and reads them back in urgency order.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

struct cairn__spill {
    char *dir_hint;   /* the path the temporary file is named after */
    size_t limit;     /* bytes kept in memory before going to the file */
    char *mem;        /* records not yet in the file */
    size_t len, cap;  /* of mem */
    FILE *fp;         /* the file, once there is one */
    uint64_t in_file; /* bytes moved to the file: mem starts there */
    bool unflushed;   /* written to fp since its last fflush */
    size_t read_pos;  /* reading from mem */
    bool reading, from_file;
    char *rec; /* the record read last from the file */
    size_t rec_cap;
};

static int io_error(cairn__spill *s, const char *what, cairn_error *err)
{
    return cairn_error_set(err, CAIRN_EIO, "%s: cannot %s a temporary file: %s",
                           s->dir_hint, what, strerror(errno));
}

int cairn__spill_new(cairn__spill **out, const char *near, size_t limit,
                     cairn_error *err)
{
    *out = NULL;
    cairn__spill *s = calloc(1, sizeof *s);
    size_t n = strlen(near) + 1;
    char *hint = malloc(n);
    if (s == NULL || hint == NULL) {
        free(s);
        free(hint);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    memcpy(hint, near, n);
    s->dir_hint = hint;
    s->limit = limit;
    *out = s;
    return CAIRN_OK;
}

static int open_file(cairn__spill *s, cairn_error *err)
{
    if (strcmp(s->dir_hint, ":memory:") == 0 || s->dir_hint[0] == '\0') {
        s->fp = tmpfile();
        return s->fp != NULL ? CAIRN_OK : io_error(s, "create", err);
    }
    size_t n = strlen(s->dir_hint) + sizeof "-spill-XXXXXX";
    char *name = malloc(n);
    if (name == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    snprintf(name, n, "%s-spill-XXXXXX", s->dir_hint);
    int fd = mkstemp(name);
    if (fd >= 0) {
        unlink(name); /* gone when the process ends, whatever happens */
        s->fp = fdopen(fd, "w+b");
        if (s->fp == NULL) {
            close(fd);
        }
    }
    free(name);
    return s->fp != NULL ? CAIRN_OK : io_error(s, "create", err);
}

/* Move what is in memory to the file. */
static int flush(cairn__spill *s, cairn_error *err)
{
    int rc = s->fp == NULL ? open_file(s, err) : CAIRN_OK;
    if (rc == CAIRN_OK && s->len > 0 &&
        fwrite(s->mem, 1, s->len, s->fp) != s->len) {
        rc = io_error(s, "write", err);
    }
    s->in_file += s->len;
    s->unflushed = s->unflushed || s->len > 0;
    s->len = 0;
    return rc;
}

int cairn__spill_put(cairn__spill *s, const void *rec, size_t len,
                     cairn_error *err)
{
    uint32_t n = (uint32_t)len;
    size_t need = sizeof n + len;
    if (len > UINT32_MAX) {
        return cairn_error_set(err, CAIRN_EINVAL, "a record is too long");
    }
    if (s->len + need > s->limit && s->len > 0) {
        int rc = flush(s, err);
        if (rc < 0) {
            return rc;
        }
    }
    if (s->len + need > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + need) {
            cap *= 2;
        }
        char *p = realloc(s->mem, cap);
        if (p == NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        s->mem = p;
        s->cap = cap;
    }
    memcpy(s->mem + s->len, &n, sizeof n);
    memcpy(s->mem + s->len + sizeof n, rec, len);
    s->len += need;
    return CAIRN_OK;
}

int cairn__spill_rewind(cairn__spill *s, cairn_error *err)
{
    s->reading = true;
    s->read_pos = 0;
    s->from_file = s->fp != NULL;
    if (s->fp == NULL) {
        return CAIRN_OK;
    }
    int rc = flush(s, err);
    if (rc == CAIRN_OK && (fflush(s->fp) != 0 || fseek(s->fp, 0, SEEK_SET))) {
        rc = io_error(s, "read", err);
    }
    s->unflushed = false;
    return rc;
}

int cairn__spill_next(cairn__spill *s, const char **rec, size_t *len,
                      cairn_error *err)
{
    uint32_t n = 0;
    if (!s->from_file) {
        if (s->read_pos >= s->len) {
            return 0;
        }
        memcpy(&n, s->mem + s->read_pos, sizeof n);
        *rec = s->mem + s->read_pos + sizeof n;
        *len = n;
        s->read_pos += sizeof n + n;
        return 1;
    }
    size_t got = fread(&n, 1, sizeof n, s->fp);
    if (got == 0 && feof(s->fp)) {
        return 0;
    }
    if (got != sizeof n) {
        return io_error(s, "read", err);
    }
    if (n > s->rec_cap) {
        char *p = realloc(s->rec, n);
        if (p == NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        s->rec = p;
        s->rec_cap = n;
    }
    if (fread(s->rec, 1, n, s->fp) != n) {
        return io_error(s, "read", err);
    }
    *rec = s->rec;
    *len = n;
    return 1;
}

uint64_t cairn__spill_tell(const cairn__spill *s)
{
    return s->in_file + s->len;
}

/* `n` bytes at `at` of the file into `buf`. */
static int read_at(cairn__spill *s, void *buf, size_t n, uint64_t at,
                   cairn_error *err)
{
    if (s->unflushed && fflush(s->fp) != 0) {
        return io_error(s, "read", err);
    }
    s->unflushed = false;
    char *p = buf;
    while (n > 0) {
        ssize_t got = pread(fileno(s->fp), p, n, (off_t)at);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            if (got == 0) {
                errno = EIO; /* shorter than what was written */
            }
            return io_error(s, "read", err);
        }
        p += got;
        n -= (size_t)got;
        at += (uint64_t)got;
    }
    return CAIRN_OK;
}

int cairn__spill_get(cairn__spill *s, uint64_t at, const char **rec,
                     size_t *len, cairn_error *err)
{
    uint32_t n = 0;
    assert(at < cairn__spill_tell(s));
    if (at >= s->in_file) {
        size_t pos = (size_t)(at - s->in_file);
        memcpy(&n, s->mem + pos, sizeof n);
        *rec = s->mem + pos + sizeof n;
        *len = n;
        return CAIRN_OK;
    }
    int rc = read_at(s, &n, sizeof n, at, err);
    if (rc == CAIRN_OK && n > s->rec_cap) {
        char *p = realloc(s->rec, n);
        if (p == NULL) {
            return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
        }
        s->rec = p;
        s->rec_cap = n;
    }
    if (rc == CAIRN_OK) {
        rc = read_at(s, s->rec, n, at + sizeof n, err);
    }
    if (rc == CAIRN_OK) {
        *rec = s->rec;
        *len = n;
    }
    return rc;
}

bool cairn__spill_is_file(const cairn__spill *s)
{
    return s != NULL && s->fp != NULL;
}

void cairn__spill_free(cairn__spill *s)
{
    if (s == NULL) {
        return;
    }
    if (s->fp != NULL) {
        fclose(s->fp);
    }
    free(s->mem);
    free(s->rec);
    free(s->dir_hint);
    free(s);
}
