/*
 * store_auditkey.c - the secret that keys the audit log, the migration
 * that re-chains an old log under it, and signed checkpoints of the
 * log's head.
 *
 * The audit key is 32 random bytes in a file beside the database (mode
 * 0600; `path`.auditkey unless the clinic names another place).  It
 * never enters the database.  Two keys are derived from it with
 * HMAC-SHA-256: the chain key, under which every entry's hash is a MAC,
 * and the seed of an Ed25519 key pair that signs checkpoints.  So a
 * person with the file alone can neither rewrite an entry nor make a
 * checkpoint; anyone can check a checkpoint's signature with the public
 * key it carries; and only the key's holder can check the chain.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn/outfile.h"
#include "store_db.h"

#define KEY_BYTES 32
#define CHECKPOINT_FORMAT 1

static const char chain_label[] = "cairn audit chain v1";
static const char sign_label[] = "cairn audit checkpoint v1";

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p != NULL) {
        memcpy(p, s, n);
    }
    return p;
}

static int derive(cairn_store *st, const uint8_t key[KEY_BYTES],
                  cairn_error *err)
{
    int rc = cairn__crypto_hmac_sha256(key, chain_label, strlen(chain_label),
                                       st->chain_key, err);
    if (rc == CAIRN_OK) {
        rc = cairn__crypto_hmac_sha256(key, sign_label, strlen(sign_label),
                                       st->sign_seed, err);
    }
    st->has_key = rc == CAIRN_OK;
    return rc;
}

/* Read the key file: a regular file of exactly 32 bytes. */
static int read_key(cairn_store *st, cairn_error *err)
{
    uint8_t key[KEY_BYTES + 1];
    const char *path = st->audit_key_path;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (fd < 0 && errno == ENOENT) {
        return CAIRN_OK; /* missing: said when it is needed */
    }
    if (fd < 0) {
        return cairn_error_set(err, CAIRN_EIO, "%s: cannot read: %s", path,
                               strerror(errno));
    }
    struct stat sb;
    ssize_t n = -1;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
        n = read(fd, key, sizeof key);
    }
    close(fd);
    int rc = CAIRN_OK;
    if (n != KEY_BYTES) {
        rc = cairn_error_set(err, CAIRN_EINVAL,
                             "%s: not an audit key (a file of %d bytes)", path,
                             KEY_BYTES);
    } else {
        rc = derive(st, key, err);
    }
    cairn__crypto_wipe(key, sizeof key);
    return rc;
}

/* Make a new key file (never replacing one) and derive from it. */
static int make_key(cairn_store *st, cairn_error *err)
{
    uint8_t key[KEY_BYTES];
    cairn_outfile *f = NULL;
    int rc = cairn_outfile_open(&f, st->audit_key_path, NULL, err);
    if (rc == CAIRN_EEXISTS) {
        return cairn_error_set(err, CAIRN_EEXISTS,
                               "%s: an audit key is already there; a new "
                               "database needs its own (move the old one "
                               "away, or name another place)",
                               st->audit_key_path);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__crypto_random(key, sizeof key, err);
    }
    if (rc == CAIRN_OK) {
        FILE *fp = cairn_outfile_stream(f);
        if (fp == NULL || fwrite(key, 1, sizeof key, fp) != sizeof key) {
            rc = cairn_error_set(err, CAIRN_EIO, "%s: cannot write",
                                 st->audit_key_path);
        }
    }
    if (rc == CAIRN_OK) {
        rc = cairn_outfile_commit(f, err);
        f = NULL;
        st->made_key = rc == CAIRN_OK;
    }
    cairn_outfile_abort(f);
    if (rc == CAIRN_OK) {
        rc = derive(st, key, err);
    }
    cairn__crypto_wipe(key, sizeof key);
    return rc;
}

int cairn__audit_key_setup(cairn_store *st, const char *path, bool create,
                           bool memory, cairn_error *err)
{
    if (memory) {
        uint8_t key[KEY_BYTES];
        int rc = cairn__crypto_random(key, sizeof key, err);
        if (rc == CAIRN_OK) {
            rc = derive(st, key, err);
        }
        cairn__crypto_wipe(key, sizeof key);
        return rc;
    }
    if (path != NULL) {
        st->audit_key_path = dup_str(path);
    } else {
        size_t n = strlen(st->path) + 10;
        st->audit_key_path = malloc(n);
        if (st->audit_key_path != NULL) {
            snprintf(st->audit_key_path, n, "%s.auditkey", st->path);
        }
    }
    if (st->audit_key_path == NULL) {
        return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
    }
    return create ? make_key(st, err) : read_key(st, err);
}

int cairn__audit_key_reload(cairn_store *st, cairn_error *err)
{
    if (st->has_key || st->audit_key_path == NULL) {
        return CAIRN_OK;
    }
    return read_key(st, err);
}

int cairn__audit_need_key(const cairn_store *st, const char *what,
                          cairn_error *err)
{
    if (!st->keyed || st->has_key) {
        return CAIRN_OK;
    }
    return cairn_error_set(err, CAIRN_ENOTFOUND,
                           "%s: the audit key is missing, so Cairn cannot "
                           "%s; restore it from your backup (or name it "
                           "with --audit-key)",
                           st->audit_key_path, what);
}

/* ------------------------------------------------------------------ */
/* The migration to the keyed schema (CAIRN__SCHEMA_KEYED)            */

/* Check the SHA-256 chain and re-chain every entry under the key. */
static int rechain(cairn_store *st, cairn_error *err)
{
    sqlite3_stmt *s = NULL, *u = NULL;
    char old_prev[CAIRN__SHA256_HEX + 1], new_prev[CAIRN__SHA256_HEX + 1];
    char h[CAIRN__SHA256_HEX + 1], mac[CAIRN__SHA256_HEX + 1];
    int64_t want = 1;
    int rc = CAIRN_OK;
    memset(old_prev, '0', CAIRN__SHA256_HEX);
    old_prev[CAIRN__SHA256_HEX] = '\0';
    memcpy(new_prev, old_prev, sizeof new_prev);
    if (sqlite3_prepare_v2(st->db,
                           "SELECT seq, at, who, action, target, before,"
                           " after, prev_hash, hash FROM audit ORDER BY seq",
                           -1, &s, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(st->db,
                           "UPDATE audit SET prev_hash = ?, hash = ?"
                           " WHERE seq = ?",
                           -1, &u, NULL) != SQLITE_OK) {
        rc = cairn__store_dberr(st, err);
    }
    int step = SQLITE_DONE;
    while (rc == CAIRN_OK && (step = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(s, 0);
        const char *f[6];
        for (int i = 0; i < 6; i++) {
            f[i] = cairn__store_col_text(s, i + 1);
        }
        const char *stored_prev = cairn__store_col_text(s, 7);
        const char *stored = cairn__store_col_text(s, 8);
        rc = cairn__audit_entry_hash(st, false, seq, f, old_prev, h, err);
        if (rc == CAIRN_OK &&
            (seq != want || stored_prev == NULL || stored == NULL ||
             strcmp(stored_prev, old_prev) != 0 || strcmp(stored, h) != 0)) {
            rc =
                cairn_error_set(err, CAIRN_EINVAL,
                                "%s: audit entry %lld does not verify, so "
                                "the log cannot be keyed (schema %d); "
                                "nothing was changed",
                                st->path, (long long)want, CAIRN__SCHEMA_KEYED);
        }
        if (rc == CAIRN_OK) {
            rc = cairn__audit_entry_hash(st, true, seq, f, new_prev, mac, err);
        }
        if (rc == CAIRN_OK) {
            sqlite3_reset(u);
            sqlite3_bind_text(u, 1, new_prev, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(u, 2, mac, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(u, 3, seq);
            if (sqlite3_step(u) != SQLITE_DONE) {
                rc = cairn__store_dberr(st, err);
            }
        }
        memcpy(old_prev, h, sizeof old_prev);
        memcpy(new_prev, mac, sizeof new_prev);
        want++;
    }
    if (rc == CAIRN_OK && step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    sqlite3_finalize(u);
    return rc;
}

int cairn__definition_state(cairn_store *st, int64_t id, cairn__buf *out,
                            cairn_error *err)
{
    static const char *const keys[] = {"id",      "fingerprint", "instrument",
                                       "version", "n_items",     "scales",
                                       "rules"};
    return cairn__store_row_state(st,
                                  "SELECT id, fingerprint, instrument,"
                                  " version, n_items, scales, rules FROM"
                                  " definition WHERE id = ?",
                                  id, keys, 7, out, err);
}

int cairn__audit_definition(cairn_store *st, int64_t id, cairn_error *err)
{
    cairn__buf after = CAIRN__BUF_INIT;
    char target[48];
    snprintf(target, sizeof target, "definition:%lld", (long long)id);
    int rc = cairn__definition_state(st, id, &after, err);
    if (rc == CAIRN_OK) {
        rc = cairn__audit_append(st, "definition.add", target, NULL, after.p,
                                 err);
    }
    cairn__buf_free(&after);
    return rc;
}

/* Definitions stored before the keyed schema had no audit entry. */
static int audit_old_definitions(cairn_store *st, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    int rc = CAIRN_OK;
    if (sqlite3_prepare_v2(st->db, "SELECT id FROM definition ORDER BY id", -1,
                           &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            int64_t *p = realloc(ids, cap * sizeof *p);
            if (p == NULL) {
                rc = cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
                break;
            }
            ids = p;
        }
        ids[n++] = sqlite3_column_int64(s, 0);
    }
    if (rc == CAIRN_OK && step != SQLITE_DONE) {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    for (size_t i = 0; rc == CAIRN_OK && i < n; i++) {
        rc = cairn__audit_definition(st, ids[i], err);
    }
    free(ids);
    return rc;
}

/* Whether every entry's hash is already this key's MAC (and there is
 * at least one). */
static bool keyed_already(cairn_store *st)
{
    sqlite3_stmt *s = NULL;
    char prev[CAIRN__SHA256_HEX + 1], mac[CAIRN__SHA256_HEX + 1];
    bool ok = sqlite3_prepare_v2(st->db,
                                 "SELECT seq, at, who, action, target,"
                                 " before, after, hash FROM audit ORDER BY"
                                 " seq",
                                 -1, &s, NULL) == SQLITE_OK;
    size_t n = 0;
    memset(prev, '0', CAIRN__SHA256_HEX);
    prev[CAIRN__SHA256_HEX] = '\0';
    while (ok && sqlite3_step(s) == SQLITE_ROW) {
        const char *f[6];
        for (int i = 0; i < 6; i++) {
            f[i] = cairn__store_col_text(s, i + 1);
        }
        const char *stored = cairn__store_col_text(s, 7);
        ok = cairn__audit_entry_hash(st, true, sqlite3_column_int64(s, 0), f,
                                     prev, mac, NULL) == CAIRN_OK &&
             stored != NULL && strcmp(stored, mac) == 0;
        memcpy(prev, mac, sizeof prev);
        n++;
    }
    sqlite3_finalize(s);
    return ok && n > 0;
}

int cairn__audit_key_migrate(cairn_store *st, int from, cairn_error *err)
{
    char after[64];
    if (from == 0) {
        /* the first entry: a keyed log is never empty */
        int rc = st->has_key ? CAIRN_OK : make_key(st, err);
        st->keyed = true;
        snprintf(after, sizeof after, "{\"schema\":%d}", CAIRN_STORE_SCHEMA);
        return rc < 0 ? rc
                      : cairn__audit_append(st, "store.create", "store", NULL,
                                            after, err);
    }
    if (st->has_key) {
        /* a log already keyed under this key (a file taken back to an
         * older version number) needs nothing; an unkeyed one beside an
         * existing key is an older copy put back */
        if (keyed_already(st)) {
            st->keyed = true;
            return CAIRN_OK;
        }
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s: schema %d, yet its audit key %s "
                               "exists: the file may have been rolled back "
                               "or replaced; nothing was changed",
                               st->path, from, st->audit_key_path);
    }
    int rc = make_key(st, err);
    if (rc == CAIRN_OK) {
        rc = cairn__store_exec(st, "DROP TRIGGER IF EXISTS audit_no_update",
                               err);
    }
    if (rc == CAIRN_OK) {
        rc = rechain(st, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn__store_exec(st,
                               "CREATE TRIGGER audit_no_update BEFORE UPDATE"
                               " ON audit BEGIN SELECT RAISE(ABORT, 'the"
                               " audit log is append-only'); END;",
                               err);
    }
    if (rc == CAIRN_OK) {
        st->keyed = true;
        snprintf(after, sizeof after, "{\"from_schema\":%d}", from);
        rc = cairn__audit_append(st, "audit.keyed", "store", NULL, after, err);
    }
    if (rc == CAIRN_OK) {
        rc = audit_old_definitions(st, err);
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Checkpoints                                                         */

/* The bytes a checkpoint's signature covers. */
static int signed_text(char *buf, size_t size, long long entries,
                       const char *head, const char *at)
{
    int n = snprintf(buf, size, "%s\n%lld\n%s\n%s\n", sign_label, entries, head,
                     at);
    return n > 0 && (size_t)n < size ? n : -1;
}

/* The hash of entry `seq`, or "" when there is none. */
static int entry_hash_at(cairn_store *st, int64_t seq,
                         char out[CAIRN__SHA256_HEX + 1], int64_t *last,
                         cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    int rc = CAIRN_OK;
    out[0] = '\0';
    if (sqlite3_prepare_v2(st->db,
                           "SELECT (SELECT hash FROM audit WHERE seq = ?),"
                           " (SELECT max(seq) FROM audit)",
                           -1, &s, NULL) != SQLITE_OK) {
        return cairn__store_dberr(st, err);
    }
    sqlite3_bind_int64(s, 1, seq);
    if (sqlite3_step(s) == SQLITE_ROW) {
        const char *h = cairn__store_col_text(s, 0);
        snprintf(out, CAIRN__SHA256_HEX + 1, "%s", h ? h : "");
        *last = sqlite3_column_int64(s, 1);
    } else {
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_finalize(s);
    return rc;
}

int cairn_store_audit_checkpoint(cairn_store *st, char **out, cairn_error *err)
{
    cairn_audit_report rep;
    char at[CAIRN__DATE_MAX], text[256], pk_hex[65], sig_hex[129];
    uint8_t pk[32], sig[64];
    *out = NULL;
    int rc = cairn__audit_need_key(st, "sign a checkpoint", err);
    if (rc == CAIRN_OK && !st->keyed) {
        rc = cairn_error_set(err, CAIRN_EINVAL,
                             "%s: the audit log is not keyed yet; open it "
                             "for writing once to migrate it",
                             st->path);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_store_audit_verify(st, &rep, err);
    }
    if (rc < 0) {
        return rc;
    }
    cairn__store_now(at);
    if (signed_text(text, sizeof text, (long long)rep.entries, rep.head, at) <
        0) {
        return cairn_error_set(err, CAIRN_EINVAL, "checkpoint too long");
    }
    rc = cairn__crypto_sign_public(st->sign_seed, pk, err);
    if (rc == CAIRN_OK) {
        rc = cairn__crypto_sign(st->sign_seed, text, strlen(text), sig, err);
    }
    if (rc < 0) {
        return rc;
    }
    cairn__crypto_hex(pk_hex, pk, sizeof pk);
    cairn__crypto_hex(sig_hex, sig, sizeof sig);
    json_t *o = json_pack("{s:i,s:I,s:s,s:s,s:s,s:s}", "cairn_audit_checkpoint",
                          CHECKPOINT_FORMAT, "entries", (json_int_t)rep.entries,
                          "head", rep.head, "made_at", at, "public_key", pk_hex,
                          "signature", sig_hex);
    if (o != NULL) {
        *out = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    }
    json_decref(o);
    return *out != NULL ? CAIRN_OK
                        : cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
}

/* The checkpoint's fields, each checked for type. */
typedef struct checkpoint {
    json_int_t entries;
    const char *head, *at, *pk, *sig;
} checkpoint;

static int parse_checkpoint(checkpoint *c, json_t **root, const char *text,
                            size_t len, const char *name, cairn_error *err)
{
    json_error_t je;
    json_int_t format = 0;
    *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (*root == NULL) {
        return cairn_error_set(err, CAIRN_EPARSE, "%s:%d:%d: %s", name, je.line,
                               je.column, je.text);
    }
    if (json_unpack(*root, "{s:I,s:I,s:s,s:s,s:s,s:s!}",
                    "cairn_audit_checkpoint", &format, "entries", &c->entries,
                    "head", &c->head, "made_at", &c->at, "public_key", &c->pk,
                    "signature", &c->sig) != 0 ||
        format != CHECKPOINT_FORMAT || c->entries < 0 ||
        strlen(c->head) != CAIRN__SHA256_HEX || strlen(c->at) > 32) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s: not a Cairn audit checkpoint (format "
                               "%d)",
                               name, CHECKPOINT_FORMAT);
    }
    return CAIRN_OK;
}

/* The signature, and that it is this store's key that made it. */
static int check_signature(cairn_store *st, const checkpoint *c,
                           const char *name, cairn_error *err)
{
    uint8_t pk[32], ours[32], sig[64];
    char text[256];
    if (!cairn__crypto_unhex(pk, sizeof pk, c->pk) ||
        !cairn__crypto_unhex(sig, sizeof sig, c->sig) ||
        signed_text(text, sizeof text, (long long)c->entries, c->head, c->at) <
            0 ||
        !cairn__crypto_sign_verify(pk, text, strlen(text), sig)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "%s: the signature does not match: the "
                               "checkpoint was altered",
                               name);
    }
    int rc = cairn__crypto_sign_public(st->sign_seed, ours, err);
    if (rc == CAIRN_OK && !cairn__crypto_equal(pk, ours, sizeof pk)) {
        rc = cairn_error_set(err, CAIRN_EINVAL,
                             "%s: signed with another audit key, not this "
                             "database's",
                             name);
    }
    return rc;
}

int cairn_store_audit_check_checkpoint(cairn_store *st, const char *text,
                                       size_t len, const char *name,
                                       cairn_error *err)
{
    checkpoint c = {0};
    json_t *root = NULL;
    char hash[CAIRN__SHA256_HEX + 1];
    int64_t last = 0;
    int rc = cairn__audit_need_key(st, "check a checkpoint", err);
    if (rc == CAIRN_OK) {
        rc = parse_checkpoint(&c, &root, text, len, name, err);
    }
    if (rc == CAIRN_OK) {
        rc = check_signature(st, &c, name, err);
    }
    if (rc == CAIRN_OK) {
        rc = entry_hash_at(st, (int64_t)c.entries, hash, &last, err);
    }
    if (rc == CAIRN_OK && last < (int64_t)c.entries) {
        rc = cairn_error_set(err, CAIRN_EINVAL,
                             "the audit log has %lld entries, fewer than "
                             "the %lld that checkpoint %s saw at %s: it was "
                             "cut short or rolled back",
                             (long long)last, (long long)c.entries, name, c.at);
    } else if (rc == CAIRN_OK && c.entries > 0 && strcmp(hash, c.head) != 0) {
        rc = cairn_error_set(err, CAIRN_EINVAL,
                             "audit entry %lld differs from checkpoint %s "
                             "made at %s: the log was rewritten or rolled "
                             "back",
                             (long long)c.entries, name, c.at);
    }
    json_decref(root);
    return rc;
}
