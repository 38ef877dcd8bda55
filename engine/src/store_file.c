/*
 * store_file.c - the store's file on disk: refusing network file systems
 * (WAL needs local locks and shared memory) and online backups through
 * SQLite's backup API, written through the outfile module (a temporary
 * file in the same folder, put in place only when whole).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cairn/outfile.h"
#include "store_db.h"

/* statfs f_type magic numbers of network file systems (linux/magic.h). */
static const struct {
    unsigned long magic;
    const char *name;
} network_fs[] = {
    {0x6969UL, "NFS"},        {0xFF534D42UL, "CIFS/SMB"},
    {0xFE534D42UL, "SMB2/3"}, {0x517BUL, "SMB"},
    {0x564CUL, "NCP"},        {0x01021997UL, "9P"},
    {0x00C36400UL, "Ceph"},   {0x47504653UL, "GPFS"},
    {0x0BD00BD0UL, "Lustre"}, {0x73757245UL, "Coda"},
    {0x5346414FUL, "AFS"},    {0x6B414653UL, "AFS"},
};

const char *cairn__store_network_fs(unsigned long magic)
{
    for (size_t i = 0; i < sizeof network_fs / sizeof network_fs[0]; i++) {
        if (network_fs[i].magic == magic) {
            return network_fs[i].name;
        }
    }
    return NULL;
}

int cairn__store_check_local(const char *path, cairn_error *err)
{
    struct statfs sf;
    if (statfs(path, &sf) != 0) {
        return CAIRN_OK; /* opening will report a missing file */
    }
    const char *name = cairn__store_network_fs((unsigned long)sf.f_type);
    if (name != NULL) {
        return cairn_error_set(err, CAIRN_EIO,
                               "%s is on a network file system (%s); Cairn "
                               "needs a local disk because SQLite's WAL "
                               "journal relies on local locks and shared "
                               "memory - keep the database on the server's "
                               "own disk and use 'cairn backup' for copies",
                               path, name);
    }
    return CAIRN_OK;
}

/* Copy every page of `st` into the SQLite file `path` (an empty file). */
static int copy_pages(cairn_store *st, const char *path, const char *dest,
                      cairn_error *err)
{
    sqlite3 *out = NULL;
    int rc = CAIRN_OK;
    if (sqlite3_open_v2(path, &out, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        rc = cairn_error_set(err, CAIRN_EIO, "%s: %s", dest,
                             out ? sqlite3_errmsg(out) : "out of memory");
    }
    /* no journal beside the temporary: the rename is what makes it whole */
    if (rc == CAIRN_OK && sqlite3_exec(out, "PRAGMA journal_mode = OFF", NULL,
                                       NULL, NULL) != SQLITE_OK) {
        rc = cairn_error_set(err, CAIRN_EIO, "%s: %s", dest,
                             sqlite3_errmsg(out));
    }
    if (rc == CAIRN_OK) {
        sqlite3_backup *bk = sqlite3_backup_init(out, "main", st->db, "main");
        if (bk == NULL) {
            rc = cairn_error_set(err, CAIRN_EDB, "%s: %s", dest,
                                 sqlite3_errmsg(out));
        } else {
            /* one step copies all pages under one read snapshot */
            int step;
            while ((step = sqlite3_backup_step(bk, -1)) == SQLITE_BUSY ||
                   step == SQLITE_LOCKED) {
                sqlite3_sleep(50);
            }
            if (sqlite3_backup_finish(bk) != SQLITE_OK || step != SQLITE_DONE) {
                rc = cairn_error_set(err, CAIRN_EDB,
                                     "%s: the backup could not be "
                                     "finished: %s",
                                     dest, sqlite3_errmsg(out));
            }
        }
    }
    if (out != NULL && sqlite3_close(out) != SQLITE_OK && rc == CAIRN_OK) {
        rc = cairn_error_set(err, CAIRN_EIO, "%s: could not be closed", dest);
    }
    return rc;
}

int cairn_store_backup(cairn_store *st, const char *dest,
                       const cairn_outfile_options *opts, cairn_error *err)
{
    cairn_outfile_options o = CAIRN_OUTFILE_OPTIONS_INIT;
    cairn_outfile *f = NULL;
    if (opts != NULL) {
        o = *opts;
    }
    /* whatever the front end said, never over this store or its key */
    if (o.database == NULL) {
        o.database = st->path;
    }
    if (o.keys[2] == NULL) {
        o.keys[2] = st->audit_key_path;
    }
    int rc = cairn_outfile_open(&f, dest, &o, err);
    if (rc == CAIRN_OK) {
        rc = cairn__store_check_local(cairn_outfile_temp_path(f), err);
    }
    if (rc == CAIRN_OK) {
        rc = copy_pages(st, cairn_outfile_temp_path(f), dest, err);
    }
    if (rc == CAIRN_OK) {
        return cairn_outfile_commit(f, err);
    }
    cairn_outfile_abort(f);
    return rc;
}
