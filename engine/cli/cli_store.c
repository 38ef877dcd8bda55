/*
 * cli_store.c - what the store commands share: opening the database as
 * the person at the keyboard, printing stored assessments for people
 * (cli_json.c has them as JSON), the risk notice and the imports' test
 * hook.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

const char *cli_actor(void)
{
    static const char *const vars[] = {"CAIRN_USER", "USER", "LOGNAME"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v != NULL && v[0] != '\0') {
            return v;
        }
    }
    return "unknown";
}

static int open_store(cli_ctx *ctx, bool read_only, cairn_store **out)
{
    cairn_store_options o = CAIRN_STORE_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    o.actor = cli_actor();
    o.audit_key = ctx->audit_key;
    o.read_only = read_only;
    if (cairn_store_open(out, ctx->db_path, &o, &err) == CAIRN_OK) {
        return CLI_OK;
    }
    if (err.code == CAIRN_ENOTFOUND) {
        cli_error("%s: no such database (%s); create it with 'cairn "
                  "init', or give --db the right path",
                  ctx->db_path, ctx->db_from);
        return CLI_FAIL;
    }
    return cli_fail(&err);
}

int cli_store_open(cli_ctx *ctx, cairn_store **out)
{
    return open_store(ctx, false, out);
}

int cli_store_open_read_only(cli_ctx *ctx, cairn_store **out)
{
    return open_store(ctx, true, out);
}

cairn_outfile_options cli_output_options(const cli_ctx *ctx, bool force,
                                         const char *key)
{
    cairn_outfile_options o = CAIRN_OUTFILE_OPTIONS_INIT;
    o.force = force;
    o.database = ctx->db_path;
    o.keys[0] = key;
    o.keys[1] = ctx->audit_key;
    return o;
}

static void on_signal(int sig)
{
    cairn_outfile_remove_temporaries();
    signal(sig, SIG_DFL);
    raise(sig);
}

void cli_install_signal_cleanup(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

bool cli_parse_id(const char *s, int64_t *id)
{
    char *end = NULL;
    if (s == NULL || s[0] < '0' || s[0] > '9') {
        return false;
    }
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v <= 0) {
        return false;
    }
    *id = v;
    return true;
}

/* The catalog's definition of `a`'s instrument, quietly NULL if none. */
static const cairn_instrument *instrument_of(cli_ctx *ctx,
                                             const cairn_assessment *a)
{
    const cairn_catalog *cat = cli_catalog(ctx);
    const cairn_instrument *inst = NULL;
    if (cat == NULL ||
        cairn_catalog_find(&inst, cat, a->instrument, NULL) < 0) {
        return NULL;
    }
    return inst;
}

/* The scale's and band's labels for people, or their ids when the
 * definition is not in the catalog. */
static void scale_words(const cairn_instrument *inst,
                        const cairn_stored_scale *s, const char **scale,
                        const char **band)
{
    const cairn_scale *sc =
        inst != NULL ? cairn_instrument_find_scale(inst, s->scale) : NULL;
    *scale = sc != NULL ? sc->label : s->scale;
    *band = s->band;
    for (size_t k = 0; sc != NULL && s->band != NULL && k < sc->n_bands; k++) {
        if (strcmp(sc->bands[k].id, s->band) == 0) {
            *band = sc->bands[k].label;
        }
    }
}

static void print_line_body(FILE *out, const cairn_instrument *inst,
                            const cairn_assessment *a)
{
    for (size_t i = 0; i < a->n_scales; i++) {
        const cairn_stored_scale *s = &a->scales[i];
        const char *scale = NULL, *band = NULL;
        scale_words(inst, s, &scale, &band);
        /* the main scale is what the instrument column already names */
        if (i > 0) {
            fprintf(out, "; %s ", scale);
        }
        if (s->has_score) {
            cli_print_number(out, s->score);
        } else {
            fputs("-", out);
        }
        if (band != NULL) {
            fprintf(out, " (%s)", band);
        }
        if (s->prorated) {
            fputs(" prorated", out);
        }
    }
    bool first = true;
    for (size_t i = 0; i < a->n_items; i++) {
        if (a->missing[i]) {
            fprintf(out, "%s%zu", first ? "; missing items " : ",", i + 1);
            first = false;
        }
    }
    for (size_t i = 0; i < a->n_flags; i++) {
        fprintf(out, "%s%d",
                i == 0 ? "; !!" CLI_NBSP "RISK" CLI_NBSP "item" CLI_NBSP : ",",
                a->flags[i].item);
    }
    if (a->voided) {
        fprintf(out, "; VOID: %s", a->void_reason ? a->void_reason : "");
    } else if (a->superseded_by != 0) {
        fprintf(out, "; superseded by #%lld", (long long)a->superseded_by);
    }
    if (a->supersedes != 0) {
        fprintf(out, "; corrects #%lld: %s", (long long)a->supersedes,
                a->reason ? a->reason : "");
    }
}

void cli_print_assessment_line(cli_ctx *ctx, FILE *out,
                               const cairn_assessment *a)
{
    char head[64];
    char *body = NULL;
    size_t len = 0;
    snprintf(head, sizeof head, "%-20s #%-5lld %-7s ", a->administered_at,
             (long long)a->id, a->instrument);
    FILE *mem = open_memstream(&body, &len);
    if (mem == NULL) {
        fprintf(out, "%s\n", head);
        return;
    }
    print_line_body(mem, instrument_of(ctx, a), a);
    fclose(mem);
    cli_print_wrapped(out, head, "                                    ", body);
    free(body);
}

void cli_print_stored_items(cli_ctx *ctx, FILE *out, const cairn_assessment *a)
{
    const cairn_instrument *inst = instrument_of(ctx, a);
    cairn_responses *resp = NULL;
    int rc =
        inst != NULL ? cairn_responses_new(&resp, inst, NULL) : CAIRN_ENOTFOUND;
    for (size_t i = 0; rc == CAIRN_OK && i < a->n_items; i++) {
        if (!a->missing[i]) {
            rc = cairn_responses_set(resp, inst, i, a->codes[i], NULL);
        }
    }
    if (rc == CAIRN_OK && resp->n == a->n_items) {
        cli_print_entries(out, inst, resp);
    } else {
        for (size_t i = 0; i < a->n_items; i++) {
            if (a->missing[i]) {
                fprintf(out, "  %2zu  (left blank)\n", i + 1);
            } else {
                fprintf(out, "  %2zu  code %d\n", i + 1, a->codes[i]);
            }
        }
    }
    cairn_responses_free(resp);
}

void cli_print_risk(FILE *out, const cairn_score *score)
{
    static const char bar[] =
        "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
        "!!!!!!!!!!!!!!";
    for (size_t i = 0; i < score->n_flags; i++) {
        fprintf(out, "\n%s\n!! RISK - FOR THE CLINICIAN NOW\n", bar);
        cli_print_wrapped(out, "!! ", "!! ", score->flags[i].risk->message);
        fprintf(out, "%s\n", bar);
    }
    for (size_t i = 0; i < score->n_unanswered_risks; i++) {
        char msg[256];
        cairn_score_unanswered_message(score->instrument,
                                       score->unanswered_risks[i].item, msg,
                                       sizeof msg);
        fprintf(out,
                "\n%s\n!! RISK ITEM NOT ANSWERED - FOR THE CLINICIAN NOW\n"
                "!! %s\n%s\n",
                bar, msg, bar);
    }
}

int cli_fail_next(const cairn_error *err, int code, const char *next)
{
    if (err->code == code) {
        cli_error("%s; %s", err->message, next);
        return CLI_FAIL;
    }
    return cli_fail(err);
}

int cli_fail_couple(const cairn_error *err, const char *code)
{
    char next[160];
    snprintf(next, sizeof next, "link one with 'cairn client link %s PARTNER'",
             code);
    if (strstr(err->message, "no linked partner") != NULL) {
        return cli_fail_next(err, CAIRN_ENOTFOUND, next);
    }
    return cli_fail(err);
}

/*
 * A test hook, read here and never by the engine: with
 * CAIRN_TEST_IMPORT_PAUSE=P an import (`cairn import`, `cairn fhir
 * import`), once everything is read and just before it waits for the
 * write lock, creates P.ready and waits (at most two minutes) until P.go
 * exists, so a test can write to the database in between without any
 * timing (tests/cli/import_lock.sh).
 */
static const char *pause_path;

static void import_pause(void *ctx)
{
    char ready[4096], go[4096];
    (void)ctx;
    snprintf(ready, sizeof ready, "%s.ready", pause_path);
    snprintf(go, sizeof go, "%s.go", pause_path);
    FILE *fp = fopen(ready, "w");
    if (fp != NULL) {
        fclose(fp);
    }
    struct timespec tick = {0, 10 * 1000 * 1000};
    for (int i = 0; i < 12000 && access(go, F_OK) != 0; i++) {
        nanosleep(&tick, NULL);
    }
}

cli_lock_fn cli_import_pause_hook(void)
{
    pause_path = getenv("CAIRN_TEST_IMPORT_PAUSE");
    return pause_path != NULL && pause_path[0] != '\0' ? import_pause : NULL;
}
