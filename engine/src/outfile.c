/*
 * outfile.c - output files written safely (see cairn/outfile.h): the
 * refusals, the temporary file beside the target, sync and link/rename,
 * and the table of live temporaries a signal handler can remove.
 *
 * A name is compared with the protected files twice: by identity
 * (device and inode, so "./clinic.db", a hard link or a symbolic link to
 * it all match) when it exists, and by canonical name (the real folder
 * and the last component) so "clinic.db-wal" is refused even before
 * SQLite makes it.
 */
/* realpath(3) is X/Open */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "cairn/outfile.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

#define TMP_TAG ".cairn-tmp."

struct cairn_outfile {
    char *path;
    char *tmp;
    int fd;
    FILE *stream;
    int slot;
    cairn_outfile_options o;
};

/*
 * Live temporaries, for cairn_outfile_remove_temporaries().  A slot is
 * FREE, LIVE, or REMOVED: its temporary was removed by the handler while
 * its outfile is still open, so the slot is not given to another output
 * until that outfile is freed (its commit must still see the removal).
 */
enum { SLOT_FREE = 0, SLOT_LIVE = 1, SLOT_REMOVED = 2 };
static char live_path[CAIRN_OUTFILE_MAX_LIVE][PATH_MAX];
static volatile sig_atomic_t live_used[CAIRN_OUTFILE_MAX_LIVE];

static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p != NULL) {
        memcpy(p, s, n);
    }
    return p;
}

/* The folder part of `path` ("." when none) into `dir`. */
static void dir_of(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        snprintf(dir, size, ".");
    } else if (slash == path) {
        snprintf(dir, size, "/");
    } else {
        snprintf(dir, size, "%.*s", (int)(slash - path), path);
    }
}

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* "<real folder>/<last component>", or false when the folder is gone. */
static bool canonical(const char *path, char out[PATH_MAX])
{
    char dir[PATH_MAX], real[PATH_MAX];
    dir_of(path, dir, sizeof dir);
    if (realpath(dir, real) == NULL) {
        return false;
    }
    int n = snprintf(out, PATH_MAX, "%s/%s", real, base_of(path));
    return n > 0 && n < PATH_MAX;
}

static bool same_file(const struct stat *a, const char *path)
{
    struct stat b;
    return stat(path, &b) == 0 && a->st_dev == b.st_dev &&
           a->st_ino == b.st_ino;
}

/* Whether `path` (stat'ed in `sb` when `exists`) is protected `p`. */
static bool matches(const char *path, bool exists, const struct stat *sb,
                    const char *p, bool database)
{
    char want[PATH_MAX], got[PATH_MAX], name[PATH_MAX];
    bool have_got = canonical(path, got);
    size_t n = database ? sizeof suffixes / sizeof suffixes[0] : 1;
    for (size_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "%s%s", p, suffixes[i]);
        if (exists && same_file(sb, name)) {
            return true;
        }
        if (have_got && canonical(name, want) && strcmp(want, got) == 0) {
            return true;
        }
    }
    return false;
}

static const char *kind_of(mode_t m)
{
    return S_ISDIR(m)    ? "a folder"
           : S_ISFIFO(m) ? "a FIFO"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISSOCK(m) ? "a socket"
                         : "not a regular file";
}

/* An SQLite database or write-ahead log, by its first bytes. */
static bool is_sqlite(const char *path)
{
    static const unsigned char wal1[4] = {0x37, 0x7f, 0x06, 0x82};
    static const unsigned char wal2[4] = {0x37, 0x7f, 0x06, 0x83};
    unsigned char head[16] = {0};
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        return false;
    }
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    return (n == 16 && memcmp(head, "SQLite format 3", 16) == 0) ||
           (n >= 4 &&
            (memcmp(head, wal1, 4) == 0 || memcmp(head, wal2, 4) == 0));
}

int cairn_outfile_check(const char *path, const cairn_outfile_options *opts,
                        cairn_error *err)
{
    static const cairn_outfile_options defaults = CAIRN_OUTFILE_OPTIONS_INIT;
    const cairn_outfile_options *o = opts != NULL ? opts : &defaults;
    struct stat sb;
    if (path == NULL || path[0] == '\0') {
        return cairn_error_set(err, CAIRN_EINVAL, "no output file named");
    }
    bool exists = stat(path, &sb) == 0;
    if (!exists && errno != ENOENT) {
        return cairn_error_set(err, CAIRN_EIO, "cannot write %s: %s", path,
                               strerror(errno));
    }
    if (o->database != NULL && matches(path, exists, &sb, o->database, true)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s is the database in use (or one of its "
                               "files); choose another output name",
                               path);
    }
    for (size_t i = 0; i < sizeof o->keys / sizeof o->keys[0]; i++) {
        if (o->keys[i] != NULL &&
            matches(path, exists, &sb, o->keys[i], false)) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "%s is a key in use; choose another "
                                   "output name",
                                   path);
        }
    }
    if (!exists) {
        return CAIRN_OK;
    }
    if (!S_ISREG(sb.st_mode)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s is %s, not a file Cairn can write; "
                               "choose another output name",
                               path, kind_of(sb.st_mode));
    }
    if (is_sqlite(path)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s is an SQLite database; Cairn never "
                               "writes over one",
                               path);
    }
    if (!o->force) {
        return cairn_error_set(err, CAIRN_EEXISTS,
                               "%s already exists; give --force to replace "
                               "it",
                               path);
    }
    return CAIRN_OK;
}

/* Remove ".<base>.cairn-tmp.<pid>.*" in the folder whose pid is gone. */
static void remove_stale(const char *path)
{
    char dir[PATH_MAX], prefix[PATH_MAX], full[PATH_MAX];
    dir_of(path, dir, sizeof dir);
    int np = snprintf(prefix, sizeof prefix, ".%s" TMP_TAG, base_of(path));
    DIR *d = opendir(dir);
    if (d == NULL || np <= 0 || (size_t)np >= sizeof prefix) {
        if (d != NULL) {
            closedir(d);
        }
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, (size_t)np) != 0) {
            continue;
        }
        char *end = NULL;
        long pid = strtol(e->d_name + np, &end, 10);
        struct stat sb;
        int n = snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
        if (pid <= 0 || end == NULL || *end != '.' || n <= 0 ||
            (size_t)n >= sizeof full || lstat(full, &sb) != 0 ||
            !S_ISREG(sb.st_mode) || sb.st_uid != geteuid()) {
            continue;
        }
        if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
            unlink(full);
        }
    }
    closedir(d);
}

static int take_slot(const char *tmp)
{
    for (int i = 0; i < CAIRN_OUTFILE_MAX_LIVE; i++) {
        if (live_used[i] == SLOT_FREE && strlen(tmp) < PATH_MAX) {
            memcpy(live_path[i], tmp, strlen(tmp) + 1);
            live_used[i] = SLOT_LIVE;
            return i;
        }
    }
    return -1;
}

static void free_outfile(cairn_outfile *f)
{
    if (f->slot >= 0) {
        live_used[f->slot] = SLOT_FREE;
    }
    free(f->path);
    free(f->tmp);
    free(f);
}

int cairn_outfile_open(cairn_outfile **out, const char *path,
                       const cairn_outfile_options *opts, cairn_error *err)
{
    static const cairn_outfile_options defaults = CAIRN_OUTFILE_OPTIONS_INIT;
    *out = NULL;
    int rc = cairn_outfile_check(path, opts, err);
    if (rc < 0) {
        return rc;
    }
    remove_stale(path);
    cairn_outfile *f = calloc(1, sizeof *f);
    size_t n = strlen(path) + 64;
    char dir[PATH_MAX];
    if (f == NULL || (f->path = dup_str(path)) == NULL ||
        (f->tmp = malloc(n)) == NULL) {
        if (f != NULL) {
            free(f->path);
        }
        free(f);
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    f->o = opts != NULL ? *opts : defaults;
    f->fd = -1;
    f->slot = -1;
    dir_of(path, dir, sizeof dir);
    snprintf(f->tmp, n, "%s/.%s" TMP_TAG "%ld.XXXXXX", dir, base_of(path),
             (long)getpid());
    f->fd = mkstemp(f->tmp); /* mode 0600 */
    if (f->fd < 0) {
        rc = cairn_error_set(err, CAIRN_EIO, "cannot write %s: %s", path,
                             strerror(errno));
        free_outfile(f);
        return rc;
    }
    f->slot = take_slot(f->tmp);
    if (f->slot < 0) {
        cairn_outfile_abort(f);
        return cairn_error_set(err, CAIRN_EIO,
                               "%s: too many output files open at once", path);
    }
    *out = f;
    return CAIRN_OK;
}

const char *cairn_outfile_path(const cairn_outfile *f)
{
    return f->path;
}

const char *cairn_outfile_temp_path(const cairn_outfile *f)
{
    return f->tmp;
}

FILE *cairn_outfile_stream(cairn_outfile *f)
{
    if (f->stream == NULL && f->fd >= 0) {
        int fd = dup(f->fd);
        f->stream = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (f->stream == NULL && fd >= 0) {
            close(fd);
        }
    }
    return f->stream;
}

/* Sync the folder holding `path`, so the new name survives a crash. */
static void sync_dir(const char *path)
{
    char dir[PATH_MAX];
    dir_of(path, dir, sizeof dir);
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Put the finished temporary file at the requested name. */
static int place(cairn_outfile *f, cairn_error *err)
{
    int rc = cairn_outfile_check(f->path, &f->o, err);
    if (rc < 0) {
        return rc;
    }
    if (f->o.force) {
        if (rename(f->tmp, f->path) != 0) {
            return cairn_error_set(err, CAIRN_EIO, "cannot write %s: %s",
                                   f->path, strerror(errno));
        }
        return CAIRN_OK;
    }
    /* link() never replaces: a file made meanwhile is kept */
    if (link(f->tmp, f->path) == 0) {
        unlink(f->tmp);
        return CAIRN_OK;
    }
    if (errno == EEXIST) {
        return cairn_error_set(err, CAIRN_EEXISTS,
                               "%s already exists; give --force to replace "
                               "it",
                               f->path);
    }
    if (errno != EPERM && errno != ENOTSUP && errno != ENOSYS) {
        return cairn_error_set(err, CAIRN_EIO, "cannot write %s: %s", f->path,
                               strerror(errno));
    }
    /* a file system without hard links: checked just above */
    if (rename(f->tmp, f->path) != 0) {
        return cairn_error_set(err, CAIRN_EIO, "cannot write %s: %s", f->path,
                               strerror(errno));
    }
    return CAIRN_OK;
}

/* Put `f` in place if `rc` is CAIRN_OK (and the rename works), else
 * remove its temporary; frees `f` either way.  Returns the outcome. */
static int settle(cairn_outfile *f, int rc, cairn_error *err)
{
    if (rc == CAIRN_OK) {
        rc = place(f, err);
    }
    if (rc == CAIRN_OK) {
        sync_dir(f->path);
    } else {
        unlink(f->tmp);
    }
    free_outfile(f);
    return rc;
}

int cairn_outfile_commit(cairn_outfile *f, cairn_error *err)
{
    int rc = CAIRN_OK;
    int e = 0;
    if (f->stream != NULL) {
        if (fflush(f->stream) != 0 || ferror(f->stream)) {
            e = errno ? errno : EIO;
        }
        if (fclose(f->stream) != 0 && e == 0) {
            e = errno;
        }
        f->stream = NULL;
    }
    if (e == 0 && live_used[f->slot] != SLOT_LIVE) {
        e = EINTR; /* removed by the signal handler */
    }
    if (e == 0 && fsync(f->fd) != 0) {
        e = errno;
    }
    if (close(f->fd) != 0 && e == 0) {
        e = errno;
    }
    f->fd = -1;
    cairn_outfile_batch *b = f->o.batch;
    if (e == 0 && b != NULL) {
        if (b->n < CAIRN_OUTFILE_MAX_LIVE) {
            b->files[b->n++] = f; /* placed by cairn_outfile_batch_commit */
            return CAIRN_OK;
        }
        rc = cairn_error_set(err, CAIRN_EIO,
                             "%s: too many output files in one batch", f->path);
    } else if (e != 0) {
        rc = cairn_error_set(err, CAIRN_EIO, "cannot write %s: %s", f->path,
                             strerror(e));
    }
    return settle(f, rc, err);
}

void cairn_outfile_abort(cairn_outfile *f)
{
    if (f == NULL) {
        return;
    }
    if (f->stream != NULL) {
        fclose(f->stream);
    }
    if (f->fd >= 0) {
        close(f->fd);
    }
    unlink(f->tmp);
    free_outfile(f);
}

int cairn_outfile_batch_commit(cairn_outfile_batch *b, cairn_error *err)
{
    int rc = CAIRN_OK;
    for (size_t i = 0; rc == CAIRN_OK && i < b->n; i++) {
        cairn_outfile *f = b->files[i];
        if (live_used[f->slot] != SLOT_LIVE) {
            rc = cairn_error_set(err, CAIRN_EIO, "cannot write %s: %s", f->path,
                                 strerror(EINTR));
        } else {
            rc = cairn_outfile_check(f->path, &f->o, err);
        }
    }
    for (size_t i = 0; i < b->n; i++) {
        rc = settle(b->files[i], rc, err);
        b->files[i] = NULL;
    }
    b->n = 0;
    return rc;
}

void cairn_outfile_batch_abort(cairn_outfile_batch *b)
{
    if (b == NULL) {
        return;
    }
    for (size_t i = 0; i < b->n; i++) {
        unlink(b->files[i]->tmp);
        free_outfile(b->files[i]);
        b->files[i] = NULL;
    }
    b->n = 0;
}

void cairn_outfile_remove_temporaries(void)
{
    for (int i = 0; i < CAIRN_OUTFILE_MAX_LIVE; i++) {
        if (live_used[i] == SLOT_LIVE) {
            unlink(live_path[i]);
            live_used[i] = SLOT_REMOVED;
        }
    }
}
