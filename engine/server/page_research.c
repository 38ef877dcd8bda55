/*
 * page_research.c - Research (researchers and managers): nothing that
 * identifies a client, only what `cairn export` and `cairn aggregate`
 * make, by the same functions:
 *
 *   GET  /research/export.csv, /research/export.dictionary.csv,
 *        /research/export.provenance.json
 *        the de-identified export under the site key given to `cairn
 *        serve --key` (cairn_export_write), its data dictionary and its
 *        provenance; each download recorded in the audit log
 *   POST /research/aggregate (instrument)
 *        one questionnaire's aggregate summary (cairn_aggregate_new), its
 *        population first entered in the release log
 *        (cairn_store_release_add), which refuses a release that differs
 *        from an earlier one by fewer than the min-cell clients (they
 *        could be worked out by subtraction)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn_report.h"
#include "server_internal.h"

static void export_part(srv_ctx *c, srv_buf *b)
{
    srv_put(b, "<h2>De-identified export</h2>\n");
    if (c->app->cfg.export_key == NULL) {
        srv_put(b, "<p>The export needs the clinic's site key. Ask whoever "
                   "runs the server to start it with <code>--key</code> "
                   "and the key file made by <code>cairn key new</code>."
                   "</p>\n");
        return;
    }
    srv_put(b, "<p>Every current assessment, one row each, without names, "
               "notes, clinicians or events: client codes become keyed "
               "pseudonyms, dates become days since the client's first "
               "assessment, the birth year an age band.</p>\n<ul>\n"
               "<li><a href=\"/research/export.csv\">The data (CSV)</a></li>\n"
               "<li><a href=\"/research/export.dictionary.csv\">Its data "
               "dictionary (CSV): every column, its type and meaning</a>"
               "</li>\n<li><a href=\"/research/export.provenance.json\">Its "
               "provenance (JSON): Cairn version, definitions, options and "
               "the de-identification applied</a></li>\n</ul>\n");
}

static void aggregate_part(srv_ctx *c, srv_buf *b)
{
    const cairn_catalog *cat = c->app->cfg.catalog;
    srv_put(b, "<h2>Aggregate summaries</h2>\n<p>One questionnaire's exact "
               "sums for pooling with other clinics, with the counts that may "
               "be published (those under ");
    srv_int(b, CAIRN_AGGREGATE_MIN_CELL);
    srv_put(b, " suppressed). Each summary is entered in the release log; "
               "a summary whose clients differ from an earlier one by only a "
               "few is refused, since those few could be worked out.</p>\n"
               "<form method=\"post\" action=\"/research/aggregate\">\n");
    srv_csrf_field(b, c->csrf);
    srv_put(b, "<p><label for=\"agg-inst\">Questionnaire</label>\n"
               "<select id=\"agg-inst\" name=\"instrument\">");
    for (size_t i = 0; i < cairn_catalog_count(cat); i++) {
        const cairn_instrument *in = cairn_catalog_get(cat, i);
        srv_put(b, "<option value=\"");
        srv_esc(b, cairn_instrument_code(in));
        srv_put(b, "\">");
        srv_esc(b, cairn_report_short_name(in));
        srv_put(b, "</option>");
    }
    srv_put(b, "</select></p>\n<p><button type=\"submit\">Download the "
               "summary</button></p>\n</form>\n");
}

static void research_page(srv_ctx *c, int status, const char *problem)
{
    srv_buf b = SRV_BUF_INIT;
    srv_frame_begin(c, &b, "Research - Cairn", "research");
    srv_put(&b, "<h1>Research</h1>\n");
    if (problem != NULL) {
        srv_put(&b, "<p class=\"problem\" role=\"alert\">");
        srv_esc(&b, problem);
        srv_put(&b, "</p>\n");
    }
    export_part(c, &b);
    aggregate_part(c, &b);
    srv_frame_end(&b);
    srv_html(c->rs, status, &b);
}

void srv_research_get(srv_ctx *c)
{
    research_page(c, 200, NULL);
}

void srv_research_file_get(srv_ctx *c)
{
    static const struct {
        const char *path, *suffix, *type, *name;
    } files[] = {
        {"/research/export.csv", "", "text/csv; charset=utf-8", "export.csv"},
        {"/research/export.dictionary.csv", ".dictionary.csv",
         "text/csv; charset=utf-8", "export.dictionary.csv"},
        {"/research/export.provenance.json", ".provenance.json",
         "application/json", "export.provenance.json"},
    };
    size_t k = 0;
    while (k < 3 && strcmp(c->rq->path, files[k].path) != 0) {
        k++;
    }
    if (k == 3 || c->app->cfg.export_key == NULL) {
        srv_message(c->rs, 404, "Not found", "There is no file here.");
        return;
    }
    char dir[64], path[128], want[160];
    cairn_export_options o = CAIRN_EXPORT_OPTIONS_INIT;
    cairn_error err = CAIRN_ERROR_INIT;
    if (!srv_temp_dir(dir)) {
        srv_dash_fail(c, NULL);
        return;
    }
    snprintf(path, sizeof path, "%s/export.csv", dir);
    snprintf(want, sizeof want, "%s%s", path, files[k].suffix);
    if (cairn_export_write(c->app->cfg.store, c->app->cfg.catalog,
                           c->app->cfg.export_key, path, &o, NULL, &err) < 0 ||
        cairn_store_audit_view(c->app->cfg.store, "research.export", NULL,
                               &err) < 0 ||
        !srv_send_file(c, want, files[k].type, files[k].name)) {
        srv_dash_fail(c, &err);
    }
    srv_temp_remove(dir);
}

/* The summary of `in`, entered in the release log; `*refused` when the
 * log refuses it (differencing). */
static int make_summary(srv_ctx *c, const cairn_instrument *in, char **json,
                        bool *refused, cairn_error *err)
{
    cairn_aggregate_options o = CAIRN_AGGREGATE_OPTIONS_INIT;
    cairn_aggregate *agg = NULL;
    int64_t *ids = NULL;
    size_t n = 0;
    cairn_store *st = c->app->cfg.store;
    *refused = false;
    int rc = cairn_aggregate_new(&agg, st, in, &o, err);
    if (rc == CAIRN_OK) {
        rc = cairn_cohort_members(&ids, &n, st, in, &o.cohort, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_store_release_add(st, agg->summary->instrument,
                                     agg->summary->scale, ids, n, agg->min_cell,
                                     NULL, err);
        *refused = rc == CAIRN_EINVAL;
    }
    if (rc == CAIRN_OK) {
        rc = cairn_aggregate_to_json(agg, json, err);
    }
    free(ids);
    cairn_aggregate_free(agg);
    return rc;
}

void srv_research_aggregate_post(srv_ctx *c)
{
    const char *code = srv_field(c, "instrument");
    const cairn_instrument *in = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    char *json = NULL, name[80], disp[120];
    bool refused = false;
    if (code == NULL ||
        cairn_catalog_find(&in, c->app->cfg.catalog, code, NULL) < 0) {
        research_page(c, 400, "Please choose a questionnaire.");
        return;
    }
    int rc = make_summary(c, in, &json, &refused, &err);
    if (refused) {
        research_page(c, 409,
                      "This summary was not released: its clients differ "
                      "from an earlier release by fewer than the smallest "
                      "count that may be published, so those clients could "
                      "be worked out by comparing the two. Wait until more "
                      "clients have changed.");
        return;
    }
    if (rc < 0) {
        research_page(c, rc == CAIRN_EINVAL ? 400 : 500,
                      "The summary could not be made (there may be no "
                      "scores on this questionnaire yet).");
        return;
    }
    snprintf(name, sizeof name, "aggregate-%s.json", cairn_instrument_code(in));
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", name);
    c->rs->status = 200;
    srv_header(c->rs, "Content-Type", "application/json");
    srv_header(c->rs, "Content-Disposition", disp);
    c->rs->body = json;
    c->rs->body_len = strlen(json);
}
