/*
 * test_link.c - accounts, sessions, self-report links, the per-request
 * audit actor and online backups through the public API, on real SQLite
 * files and in-memory stores.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cairn/account.h"
#include "cairn/link.h"
#include "cairn/store.h"
#include "helpers.h"
#include "../engine/src/store_db.h"

#define T0 1780000000 /* a fixed "now" for expiry arithmetic */

static cairn_store *mem_store(void)
{
    cairn_store *st = NULL;
    cairn_store_options o = CAIRN_STORE_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_client c = {0};
    o.create = true;
    o.actor = "admin";
    if (cairn_store_open(&st, ":memory:", &o, &err) < 0) {
        fail_msg("%s", err.message);
    }
    c.code = "C001";
    c.clinician = "dr.lee";
    assert_int_equal(cairn_store_client_add(st, &c, NULL, &err), CAIRN_OK);
    return st;
}

static void verify(cairn_store *st)
{
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_store_audit_verify(st, NULL, &err) < 0) {
        fail_msg("audit verify: %s", err.message);
    }
}

static void test_link_account_login(void **state)
{
    (void)state;
    cairn_store *st = mem_store();
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_account *a = NULL;
    int64_t id = 0;
    assert_int_equal(cairn_store_account_add(st, "dr.lee", CAIRN_ROLE_CLINICIAN,
                                             "correct horse", &id, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_store_account_add(st, "dr.lee", CAIRN_ROLE_MANAGER,
                                             "correct horse", NULL, &err),
                     CAIRN_EEXISTS);
    assert_int_equal(cairn_store_account_add(st, "x", CAIRN_ROLE_MANAGER,
                                             "short", NULL, &err),
                     CAIRN_EINVAL);
    assert_string_equal(err.message, "a password must be 10 to 1024 "
                                     "characters (this one has 5)");
    assert_int_equal(cairn_store_account_add(st, "bad name", CAIRN_ROLE_MANAGER,
                                             "long enough pw", NULL, &err),
                     CAIRN_EINVAL);
    assert_int_equal(
        cairn_store_account_login(&a, st, "dr.lee", "correct horse", &err),
        CAIRN_OK);
    assert_int_equal(a->id, id);
    assert_int_equal(a->role, CAIRN_ROLE_CLINICIAN);
    cairn_store_account_free(a);
    assert_int_equal(
        cairn_store_account_login(&a, st, "dr.lee", "wrong one", &err),
        CAIRN_EINVAL);
    assert_string_equal(err.message, "wrong name or password");
    assert_null(a);
    assert_int_equal(
        cairn_store_account_login(&a, st, "nobody", "correct horse", &err),
        CAIRN_EINVAL);
    assert_string_equal(err.message, "wrong name or password");
    assert_int_equal(
        cairn_store_account_set_password(st, "dr.lee", "battery staple", &err),
        CAIRN_OK);
    assert_int_equal(
        cairn_store_account_login(&a, st, "dr.lee", "correct horse", &err),
        CAIRN_EINVAL);
    assert_int_equal(cairn_store_account_disable(st, "dr.lee", &err), CAIRN_OK);
    assert_int_equal(cairn_store_account_disable(st, "dr.lee", &err),
                     CAIRN_EINVAL);
    assert_int_equal(
        cairn_store_account_login(&a, st, "dr.lee", "battery staple", &err),
        CAIRN_EINVAL);
    assert_string_equal(err.message, "wrong name or password");
    cairn_account_list *list = NULL;
    assert_int_equal(cairn_store_account_list(&list, st, &err), CAIRN_OK);
    assert_int_equal(list->n, 1);
    assert_true(list->items[0].disabled);
    cairn_store_account_list_free(list);
    /* the audit log holds no password hash */
    cairn_audit_list *log = NULL;
    assert_int_equal(cairn_store_audit_list(&log, st, 0, &err), CAIRN_OK);
    for (size_t i = 0; i < log->n; i++) {
        assert_null(
            strstr(log->items[i].after ? log->items[i].after : "", "argon2"));
    }
    assert_string_equal(log->items[log->n - 1].action, "account.disable");
    cairn_store_audit_list_free(log);
    verify(st);
    cairn_store_close(st);
}

static void test_link_sessions(void **state)
{
    (void)state;
    cairn_store *st = mem_store();
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_session *se = NULL;
    cairn_session_limits lim = CAIRN_SESSION_LIMITS_INIT;
    char sid[CAIRN_SESSION_ID_LEN + 1], sid2[CAIRN_SESSION_ID_LEN + 1];
    int64_t id = 0;
    assert_int_equal(cairn_store_account_add(st, "sup", CAIRN_ROLE_SUPERVISOR,
                                             "correct horse", &id, &err),
                     CAIRN_OK);
    assert_int_equal(cairn_store_session_new(sid, st, id, T0, &err), CAIRN_OK);
    assert_int_equal(strlen(sid), CAIRN_SESSION_ID_LEN);
    assert_int_equal(cairn_store_session_new(sid2, st, id, T0, &err), CAIRN_OK);
    assert_string_not_equal(sid, sid2);
    assert_int_equal(
        cairn_store_session_find(&se, st, sid, &lim, T0 + 60, &err), CAIRN_OK);
    assert_string_equal(se->account.name, "sup");
    cairn_store_session_free(se);
    /* idle: 30 minutes after the last use */
    assert_int_equal(
        cairn_store_session_find(&se, st, sid, &lim, T0 + 60 + 31 * 60, &err),
        CAIRN_ENOTFOUND);
    /* kept alive by use, but never beyond the absolute limit */
    for (int64_t t = T0 + 1200; t < T0 + 12 * 3600; t += 1200) {
        assert_int_equal(cairn_store_session_find(&se, st, sid2, &lim, t, &err),
                         CAIRN_OK);
        cairn_store_session_free(se);
    }
    assert_int_equal(
        cairn_store_session_find(&se, st, sid2, &lim, T0 + 12 * 3600 + 1, &err),
        CAIRN_ENOTFOUND);
    /* logout; a made-up id; the stored value is a hash, not the id */
    assert_int_equal(cairn_store_session_new(sid, st, id, T0, &err), CAIRN_OK);
    assert_int_equal(cairn_store_session_end(st, sid, T0 + 5, &err), CAIRN_OK);
    assert_int_equal(cairn_store_session_end(st, sid, T0 + 6, &err),
                     CAIRN_ENOTFOUND);
    assert_int_equal(cairn_store_session_find(&se, st, sid, &lim, T0 + 7, &err),
                     CAIRN_ENOTFOUND);
    assert_int_equal(cairn_store_session_find(&se, st, "x", &lim, T0, &err),
                     CAIRN_ENOTFOUND);
    /* disabling ends sessions */
    assert_int_equal(cairn_store_session_new(sid, st, id, T0, &err), CAIRN_OK);
    assert_int_equal(cairn_store_account_disable(st, "sup", &err), CAIRN_OK);
    assert_int_equal(cairn_store_session_find(&se, st, sid, &lim, T0 + 1, &err),
                     CAIRN_ENOTFOUND);
    assert_int_equal(cairn_store_session_new(sid, st, id, T0, &err),
                     CAIRN_ENOTFOUND);
    verify(st);
    cairn_store_close(st);
}

static cairn_score *phq9(const int codes[9], cairn_responses **resp)
{
    const cairn_instrument *in = test_instrument("phq9");
    cairn_score *s = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_responses_new(resp, in, &err), CAIRN_OK);
    for (size_t i = 0; i < 9; i++) {
        assert_int_equal(cairn_responses_set(*resp, in, i, codes[i], &err),
                         CAIRN_OK);
    }
    assert_int_equal(cairn_score_compute(&s, in, *resp, &err), CAIRN_OK);
    return s;
}

static void new_link(cairn_store *st, char *token, int64_t *id, int64_t expires)
{
    static const char *const insts[] = {"phq9"};
    cairn_link_options o = CAIRN_LINK_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    o.client_code = "C001";
    o.instruments = insts;
    o.n_instruments = 1;
    o.expires_seconds = expires;
    if (cairn_store_link_add(token, id, st, &o, T0, &err) < 0) {
        fail_msg("%s", err.message);
    }
}

static void test_link_states_and_submit(void **state)
{
    (void)state;
    static const int codes[9] = {1, 2, 0, 3, 1, 0, 2, 1, 2};
    cairn_store *st = mem_store();
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_link *l = NULL;
    cairn_responses *r = NULL;
    cairn_score *s = phq9(codes, &r);
    const cairn_score *ss[1] = {s};
    const cairn_responses *rr[1] = {r};
    char tok[CAIRN_LINK_TOKEN_LEN + 1], tok2[CAIRN_LINK_TOKEN_LEN + 1];
    int64_t id = 0, id2 = 0, first = 0;
    new_link(st, tok, &id, 3600);
    new_link(st, tok2, &id2, 3600);
    assert_int_equal(strlen(tok), CAIRN_LINK_TOKEN_LEN);
    assert_string_not_equal(tok, tok2);
    assert_int_equal(cairn_store_link_find(&l, st, tok, T0 + 10, &err),
                     CAIRN_OK);
    assert_int_equal(l->state, CAIRN_LINK_ACTIVE);
    assert_string_equal(l->client_code, "C001");
    assert_int_equal(l->n_instruments, 1);
    assert_string_equal(l->instruments[0], "phq9");
    assert_string_equal(l->created_by, "admin");
    cairn_store_link_free(l);
    assert_int_equal(cairn_store_link_find(&l, st, tok, T0 + 3600, &err),
                     CAIRN_OK);
    assert_int_equal(l->state, CAIRN_LINK_EXPIRED);
    cairn_store_link_free(l);
    assert_int_equal(
        cairn_store_link_submit(st, tok, ss, rr, 1, T0 + 3601, NULL, &err),
        CAIRN_EINVAL);
    assert_int_equal(
        cairn_store_link_find(&l, st, "aaaaaaaaaaaaaaaaaaaaaaaaaa", T0, &err),
        CAIRN_ENOTFOUND);
    assert_int_equal(
        cairn_store_link_submit(st, tok, ss, rr, 1, T0 + 60, &first, &err),
        CAIRN_OK);
    assert_int_equal(
        cairn_store_link_submit(st, tok, ss, rr, 1, T0 + 61, NULL, &err),
        CAIRN_EINVAL);
    assert_string_equal(err.message, "link 1 is spent");
    /* stored as record would store it, by the link, with its method */
    cairn_assessment *a = NULL;
    assert_int_equal(cairn_store_assessment_get(&a, st, first, &err), CAIRN_OK);
    assert_int_equal(a->method, CAIRN_METHOD_LINK);
    assert_string_equal(a->entered_by, "link:1");
    assert_int_equal(a->n_flags, 1);
    assert_int_equal(a->flags[0].item, 9);
    assert_true(a->scales[0].has_score);
    assert_true(a->scales[0].score == 12.0);
    cairn_store_assessment_free(a);
    assert_string_equal(cairn_store_actor(st), "admin");
    /* revoke: the second link no longer takes answers */
    assert_int_equal(cairn_store_link_revoke(st, id2, T0 + 5, &err), CAIRN_OK);
    assert_int_equal(cairn_store_link_revoke(st, id2, T0 + 6, &err),
                     CAIRN_EINVAL);
    assert_int_equal(cairn_store_link_revoke(st, id, T0 + 6, &err),
                     CAIRN_EINVAL);
    assert_int_equal(
        cairn_store_link_submit(st, tok2, ss, rr, 1, T0 + 70, NULL, &err),
        CAIRN_EINVAL);
    assert_string_equal(err.message, "link 2 is revoked");
    verify(st);
    cairn_score_free(s);
    cairn_responses_free(r);
    cairn_store_close(st);
}

static void test_link_bad_options(void **state)
{
    (void)state;
    static const char *const two[] = {"phq9", "phq9"};
    cairn_store *st = mem_store();
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_link_options o = CAIRN_LINK_OPTIONS_INIT;
    char tok[CAIRN_LINK_TOKEN_LEN + 1];
    o.client_code = "C001";
    o.instruments = two;
    o.n_instruments = 2;
    assert_int_equal(cairn_store_link_add(tok, NULL, st, &o, T0, &err),
                     CAIRN_EINVAL);
    assert_string_equal(err.message, "instrument phq9 is asked twice");
    o.n_instruments = 1;
    o.expires_seconds = 10;
    assert_int_equal(cairn_store_link_add(tok, NULL, st, &o, T0, &err),
                     CAIRN_EINVAL);
    o.expires_seconds = 3600;
    o.client_code = "C999";
    assert_int_equal(cairn_store_link_add(tok, NULL, st, &o, T0, &err),
                     CAIRN_ENOTFOUND);
    cairn_store_close(st);
}

static void test_link_actor_and_views(void **state)
{
    (void)state;
    cairn_store *st = mem_store();
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_audit_list *log = NULL;
    assert_int_equal(cairn_store_set_actor(st, "dr.lee", &err), CAIRN_OK);
    assert_int_equal(cairn_store_audit_view(st, "tablet.start", "C001", &err),
                     CAIRN_OK);
    assert_int_equal(cairn_store_set_actor(st, "", &err), CAIRN_EINVAL);
    assert_string_equal(cairn_store_actor(st), "dr.lee");
    assert_int_equal(cairn_store_audit_view(st, "start", NULL, &err), CAIRN_OK);
    assert_int_equal(cairn_store_audit_view(st, "x", "C404", &err),
                     CAIRN_ENOTFOUND);
    assert_int_equal(cairn_store_audit_list(&log, st, 2, &err), CAIRN_OK);
    assert_string_equal(log->items[0].who, "dr.lee");
    assert_string_equal(log->items[0].action, "view");
    assert_string_equal(log->items[0].target, "view:client:1");
    assert_string_equal(log->items[1].target, "view:clients");
    cairn_store_audit_list_free(log);
    verify(st);
    cairn_store_close(st);
}

static void test_link_backup(void **state)
{
    (void)state;
    char dir[] = "/tmp/cairn-test-XXXXXX";
    char path[64], copy[64], other[80];
    cairn_store *st = NULL, *b = NULL;
    cairn_store_options o = CAIRN_STORE_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_client c = {0};
    struct stat sb;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/c.db", dir);
    snprintf(copy, sizeof copy, "%s/copy.db", dir);
    o.create = true;
    assert_int_equal(cairn_store_open(&st, path, &o, &err), CAIRN_OK);
    c.code = "C7";
    assert_int_equal(cairn_store_client_add(st, &c, NULL, &err), CAIRN_OK);
    assert_int_equal(cairn_store_backup(st, copy, NULL, &err), CAIRN_OK);
    /* an older backup is an SQLite file: never replaced, even forced */
    cairn_outfile_options force = CAIRN_OUTFILE_OPTIONS_INIT;
    force.force = true;
    assert_int_equal(cairn_store_backup(st, copy, &force, &err), CAIRN_EINVAL);
    assert_non_null(strstr(err.message, "is an SQLite database"));
    /* nor the store itself, or its audit key, whatever the options say */
    assert_int_equal(cairn_store_backup(st, path, &force, &err), CAIRN_EINVAL);
    assert_non_null(strstr(err.message, "is the database in use"));
    snprintf(other, sizeof other, "%s.auditkey", path);
    assert_int_equal(cairn_store_backup(st, other, &force, &err), CAIRN_EINVAL);
    assert_non_null(strstr(err.message, "is a key in use"));
    /* another existing file only with force */
    snprintf(other, sizeof other, "%s/notes.txt", dir);
    FILE *fp = fopen(other, "w");
    assert_non_null(fp);
    fputs("keep me\n", fp);
    fclose(fp);
    assert_int_equal(cairn_store_backup(st, other, NULL, &err), CAIRN_EEXISTS);
    assert_int_equal(cairn_store_backup(st, other, &force, &err), CAIRN_OK);
    unlink(other);
    assert_int_equal(stat(copy, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    o.create = false;
    /* a backup is verified with the database's own audit key */
    char key[80];
    snprintf(key, sizeof key, "%s.auditkey", path);
    o.audit_key = key;
    assert_int_equal(cairn_store_open(&b, copy, &o, &err), CAIRN_OK);
    cairn_client *got = NULL;
    assert_int_equal(cairn_store_client_get(&got, b, "C7", &err), CAIRN_OK);
    cairn_store_client_free(got);
    verify(b);
    cairn_store_close(b);
    cairn_store_close(st);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* The last audit entry. */
static cairn_audit_list *last_entry(cairn_store *st)
{
    cairn_audit_list *log = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_int_equal(cairn_store_audit_list(&log, st, 1, &err), CAIRN_OK);
    assert_int_equal(log->n, 1);
    return log;
}

/*
 * Pruning removes the sessions that can no longer be used and the links
 * 30 days past their expiry (but the newest), audited as counts and link ids;
 * the log still verifies, a link removed any other way does not, and a
 * live link cannot be deleted at all.
 */
static void test_link_prune(void **state)
{
    (void)state;
    static const int codes[9] = {1, 2, 0, 3, 1, 0, 2, 1, 2};
    cairn_store *st = mem_store();
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_session *se = NULL;
    cairn_session_limits lim = CAIRN_SESSION_LIMITS_INIT;
    cairn_prune_report rep;
    cairn_link *l = NULL;
    cairn_responses *r = NULL;
    cairn_score *s = phq9(codes, &r);
    const cairn_score *ss[1] = {s};
    const cairn_responses *rr[1] = {r};
    char sid[CAIRN_SESSION_ID_LEN + 1], live[CAIRN_SESSION_ID_LEN + 1];
    char tok[4][CAIRN_LINK_TOKEN_LEN + 1];
    int64_t acc = 0, id[4];
    const int64_t at = T0 + CAIRN_PRUNE_LINK_KEEP_SECONDS + 7200;
    assert_int_equal(cairn_store_account_add(st, "sup", CAIRN_ROLE_SUPERVISOR,
                                             "correct horse", &acc, &err),
                     CAIRN_OK);
    /* one ended, one idle, one live */
    assert_int_equal(cairn_store_session_new(sid, st, acc, T0, &err), CAIRN_OK);
    assert_int_equal(cairn_store_session_end(st, sid, T0 + 5, &err), CAIRN_OK);
    assert_int_equal(cairn_store_session_new(sid, st, acc, T0, &err), CAIRN_OK);
    assert_int_equal(cairn_store_session_new(live, st, acc, at - 200, &err),
                     CAIRN_OK);
    /* at at: spent and unused links expired over 30 days ago, one that
     * expired within them, and the newest (kept whatever its state) */
    new_link(st, tok[0], &id[0], 3600);
    new_link(st, tok[1], &id[1], 3600);
    new_link(st, tok[2], &id[2], 30 * 86400);
    new_link(st, tok[3], &id[3], 3600);
    assert_int_equal(
        cairn_store_link_submit(st, tok[0], ss, rr, 1, T0 + 60, NULL, &err),
        CAIRN_OK);
    assert_int_equal(cairn_store_prune(st, &lim, at, &rep, &err), CAIRN_OK);
    assert_int_equal(rep.sessions, 2);
    assert_int_equal(rep.links, 2);
    cairn_audit_list *log = last_entry(st);
    assert_string_equal(log->items[0].action, "store.prune");
    assert_string_equal(log->items[0].target, "prune");
    assert_string_equal(log->items[0].who, "admin");
    assert_string_equal(log->items[0].after,
                        "{\"sessions\":2,\"links\":2,\"link_ids\":[1,2]}");
    int64_t seq = log->items[0].seq;
    cairn_store_audit_list_free(log);
    verify(st);
    assert_int_equal(cairn_store_link_get(&l, st, id[0], at, &err),
                     CAIRN_ENOTFOUND);
    assert_int_equal(cairn_store_link_find(&l, st, tok[1], at, &err),
                     CAIRN_ENOTFOUND);
    assert_int_equal(cairn_store_link_find(&l, st, tok[2], at, &err), CAIRN_OK);
    cairn_store_link_free(l);
    assert_int_equal(cairn_store_link_find(&l, st, tok[3], at, &err), CAIRN_OK);
    assert_int_equal(l->state, CAIRN_LINK_EXPIRED);
    cairn_store_link_free(l);
    assert_int_equal(cairn_store_session_find(&se, st, live, &lim, at, &err),
                     CAIRN_OK);
    cairn_store_session_free(se);
    /* nothing more to prune: no entry */
    assert_int_equal(cairn_store_prune(st, NULL, at + 1, &rep, &err), CAIRN_OK);
    assert_int_equal(rep.sessions + rep.links, 0);
    log = last_entry(st);
    assert_int_equal(log->items[0].seq, seq);
    cairn_store_audit_list_free(log);
    /* a live link cannot be deleted; an expired one removed by hand is
     * found */
    char fresh[CAIRN_LINK_TOKEN_LEN + 1];
    int64_t fresh_id = 0;
    cairn_link_options o = CAIRN_LINK_OPTIONS_INIT;
    static const char *const insts[] = {"phq9"};
    o.client_code = "C001";
    o.instruments = insts;
    o.n_instruments = 1;
    assert_int_equal(
        cairn_store_link_add(fresh, &fresh_id, st, &o, time(NULL), &err),
        CAIRN_OK);
    char sql[80];
    snprintf(sql, sizeof sql, "DELETE FROM link WHERE id = %lld",
             (long long)fresh_id);
    assert_int_not_equal(sqlite3_exec(st->db, sql, NULL, NULL, NULL),
                         SQLITE_OK);
    assert_string_equal(sqlite3_errmsg(st->db),
                        "a link is deleted only after it expired");
    assert_int_equal(
        sqlite3_exec(st->db, "DELETE FROM link WHERE id = 3", NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(cairn_store_audit_verify(st, NULL, &err), CAIRN_EINVAL);
    assert_non_null(strstr(err.message, "link:3 named by audit entry"));
    cairn_score_free(s);
    cairn_responses_free(r);
    cairn_store_close(st);
}

/* Network file systems are told apart from local ones by statfs magic. */
static void test_link_network_fs(void **state)
{
    (void)state;
    cairn_error err = CAIRN_ERROR_INIT;
    assert_string_equal(cairn__store_network_fs(0x6969UL), "NFS");
    assert_string_equal(cairn__store_network_fs(0xFF534D42UL), "CIFS/SMB");
    assert_string_equal(cairn__store_network_fs(0xFE534D42UL), "SMB2/3");
    assert_null(cairn__store_network_fs(0xEF53UL));     /* ext4 */
    assert_null(cairn__store_network_fs(0x01021994UL)); /* tmpfs */
    assert_null(cairn__store_network_fs(0x9123683EUL)); /* btrfs */
    assert_int_equal(cairn__store_check_local("/tmp", &err), CAIRN_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_account_login),
        cmocka_unit_test(test_link_sessions),
        cmocka_unit_test(test_link_states_and_submit),
        cmocka_unit_test(test_link_bad_options),
        cmocka_unit_test(test_link_actor_and_views),
        cmocka_unit_test(test_link_backup),
        cmocka_unit_test(test_link_prune),
        cmocka_unit_test(test_link_network_fs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
