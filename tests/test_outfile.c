/*
 * test_outfile.c - output files written safely: what is refused (the
 * database and its companions, keys, SQLite files, FIFOs, devices,
 * folders, existing files without force), the temporary file beside the
 * target and its removal on abort, on a signal and after a SIGKILL.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cairn/outfile.h"
#include "helpers.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cairn-outfile-XXXXXX");
    return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *in_dir(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
    return buf;
}

static void put(const char *path, const void *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, n, f), n);
    fclose(f);
}

/* Files in `dir` whose name holds ".cairn-tmp.". */
static int temporaries(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        n += strstr(e->d_name, ".cairn-tmp.") != NULL;
    }
    closedir(d);
    return n;
}

static int write_text(const char *path, const cairn_outfile_options *o,
                      const char *text, cairn_error *err)
{
    cairn_outfile *f = NULL;
    int rc = cairn_outfile_open(&f, path, o, err);
    if (rc < 0) {
        return rc;
    }
    fputs(text, cairn_outfile_stream(f));
    return cairn_outfile_commit(f, err);
}

static void assert_holds(const char *path, const char *text)
{
    char buf[256] = {0};
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    assert_int_equal(n, strlen(text));
    assert_string_equal(buf, text);
}

static void test_outfile_new_and_existing(void **state)
{
    (void)state;
    char p[128];
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_outfile_options o = CAIRN_OUTFILE_OPTIONS_INIT;
    in_dir(p, sizeof p, "out.csv");
    assert_int_equal(write_text(p, &o, "one\n", &err), CAIRN_OK);
    assert_holds(p, "one\n");
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(write_text(p, &o, "two\n", &err), CAIRN_EEXISTS);
    char want[256];
    snprintf(want, sizeof want, "%s already exists; give --force to replace it",
             p);
    assert_string_equal(err.message, want);
    assert_holds(p, "one\n");
    o.force = true;
    assert_int_equal(write_text(p, &o, "two\n", &err), CAIRN_OK);
    assert_holds(p, "two\n");
    assert_int_equal(temporaries(), 0);
}

static void test_outfile_refuses_database_and_keys(void **state)
{
    (void)state;
    char db[128], wal[128], shm[128], key[128], alias[160], link_[128];
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_outfile_options o = CAIRN_OUTFILE_OPTIONS_INIT;
    o.force = true;
    o.database = in_dir(db, sizeof db, "clinic.db");
    o.keys[0] = in_dir(key, sizeof key, "site.key");
    put(db, "not yet a database", 18);
    put(key, "0123456789abcdef0123456789abcdef", 32);
    assert_int_equal(write_text(db, &o, "x", &err), CAIRN_EINVAL);
    assert_non_null(strstr(err.message, "is the database in use"));
    /* the -wal and -shm files, even before SQLite makes them */
    assert_int_equal(
        write_text(in_dir(wal, sizeof wal, "clinic.db-wal"), &o, "x", &err),
        CAIRN_EINVAL);
    assert_int_equal(
        write_text(in_dir(shm, sizeof shm, "clinic.db-shm"), &o, "x", &err),
        CAIRN_EINVAL);
    assert_int_equal(access(wal, F_OK), -1);
    /* another spelling of the same name, and a hard link to it */
    snprintf(alias, sizeof alias, "%s/./clinic.db", dir);
    assert_int_equal(write_text(alias, &o, "x", &err), CAIRN_EINVAL);
    in_dir(link_, sizeof link_, "other-name");
    assert_int_equal(link(db, link_), 0);
    assert_int_equal(write_text(link_, &o, "x", &err), CAIRN_EINVAL);
    assert_int_equal(write_text(key, &o, "x", &err), CAIRN_EINVAL);
    assert_non_null(strstr(err.message, "is a key in use"));
    assert_holds(db, "not yet a database");
    assert_holds(key, "0123456789abcdef0123456789abcdef");
    assert_int_equal(temporaries(), 0);
}

static void test_outfile_refuses_sqlite_and_special(void **state)
{
    (void)state;
    char p[128];
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_outfile_options o = CAIRN_OUTFILE_OPTIONS_INIT;
    o.force = true;
    static const char head[] = "SQLite format 3\0 and then pages";
    put(in_dir(p, sizeof p, "foreign.sqlite"), head, sizeof head);
    assert_int_equal(write_text(p, &o, "x", &err), CAIRN_EINVAL);
    assert_non_null(strstr(err.message, "is an SQLite database"));
    in_dir(p, sizeof p, "fifo");
    assert_int_equal(mkfifo(p, 0600), 0);
    assert_int_equal(write_text(p, &o, "x", &err), CAIRN_EINVAL);
    assert_non_null(strstr(err.message, "is a FIFO"));
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    assert_true(S_ISFIFO(sb.st_mode));
    assert_int_equal(write_text("/dev/null", &o, "x", &err), CAIRN_EINVAL);
    assert_non_null(strstr(err.message, "is a character device"));
    assert_int_equal(stat("/dev/null", &sb), 0);
    assert_true(S_ISCHR(sb.st_mode));
    assert_int_equal(write_text(dir, &o, "x", &err), CAIRN_EINVAL);
    assert_non_null(strstr(err.message, "is a folder"));
    assert_int_equal(temporaries(), 0);
}

static void test_outfile_abort_and_signal(void **state)
{
    (void)state;
    char p[128];
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_outfile *f = NULL;
    in_dir(p, sizeof p, "aborted.csv");
    assert_int_equal(cairn_outfile_open(&f, p, NULL, &err), CAIRN_OK);
    fputs("half", cairn_outfile_stream(f));
    assert_int_equal(temporaries(), 1);
    cairn_outfile_abort(f);
    assert_int_equal(temporaries(), 0);
    assert_int_equal(access(p, F_OK), -1);
    /* what a SIGINT handler calls: the temporary goes, commit fails */
    assert_int_equal(cairn_outfile_open(&f, p, NULL, &err), CAIRN_OK);
    fputs("half", cairn_outfile_stream(f));
    cairn_outfile_remove_temporaries();
    assert_int_equal(temporaries(), 0);
    assert_int_equal(cairn_outfile_commit(f, &err), CAIRN_EIO);
    assert_int_equal(access(p, F_OK), -1);
    /* an output opened after the removal, while the removed one is still
     * open, is its own: the older one's failure leaves it alone */
    cairn_outfile *g = NULL;
    char q[128];
    in_dir(q, sizeof q, "after.csv");
    assert_int_equal(cairn_outfile_open(&f, p, NULL, &err), CAIRN_OK);
    cairn_outfile_remove_temporaries();
    assert_int_equal(cairn_outfile_open(&g, q, NULL, &err), CAIRN_OK);
    fputs("whole\n", cairn_outfile_stream(g));
    assert_int_equal(cairn_outfile_commit(f, &err), CAIRN_EIO);
    assert_int_equal(access(p, F_OK), -1);
    assert_int_equal(cairn_outfile_commit(g, &err), CAIRN_OK);
    assert_int_equal(access(q, F_OK), 0);
    assert_int_equal(unlink(q), 0);
}

/* A child killed with SIGKILL mid-write leaves its temporary; the next
 * output of the same name removes it. */
static void test_outfile_stale_after_sigkill(void **state)
{
    (void)state;
    char p[128];
    int ready[2];
    cairn_error err = CAIRN_ERROR_INIT;
    in_dir(p, sizeof p, "killed.xlsx");
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        cairn_outfile *f = NULL;
        if (cairn_outfile_open(&f, p, NULL, NULL) == CAIRN_OK) {
            fputs("partial", cairn_outfile_stream(f));
            fflush(cairn_outfile_stream(f));
        }
        (void)write(ready[1], "r", 1);
        pause();
        _exit(0);
    }
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(ready[0]);
    close(ready[1]);
    assert_int_equal(temporaries(), 1);
    /* a temporary of a live process (this one) is left alone */
    cairn_outfile *mine = NULL;
    char other[128];
    assert_int_equal(
        cairn_outfile_open(&mine, in_dir(other, sizeof other, "killed.xlsx"),
                           NULL, &err),
        CAIRN_OK);
    assert_int_equal(temporaries(), 1); /* the stale one went, mine is here */
    assert_int_equal(cairn_outfile_commit(mine, &err), CAIRN_OK);
    assert_int_equal(temporaries(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outfile_new_and_existing),
        cmocka_unit_test(test_outfile_refuses_database_and_keys),
        cmocka_unit_test(test_outfile_refuses_sqlite_and_special),
        cmocka_unit_test(test_outfile_abort_and_signal),
        cmocka_unit_test(test_outfile_stale_after_sigkill),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
