/*
 * page_entry.c - what a clinician changes from a client's page: enter a
 * paper form, correct (amend) or void an assessment with a reason, add an
 * event.  The writes are the store calls `cairn record`, `cairn
 * assessment amend|void` and `cairn event add` make, audited under the
 * logged-in person (security.c sets the actor), behind the session's
 * CSRF token and the role check.
 *
 * A paper form is entered as `record` takes it: the numbers typed, "-"
 * or nothing for an item left blank, and for an instrument whose answer
 * codes are not its scores (EPDS, PGS-33, CES-D) the choice the clinician
 * must make - positions on the form or the scores - with no default.
 * Before anything is stored, the answers are echoed item by item as
 * "answer -> score" (as `record` echoes them) for the clinician to check
 * against the paper; only "Save" stores them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart_svg.h"
#include "page_client.h"

#define MAX_ITEMS 64

/* What the form holds between its screens. */
typedef struct entry_form {
    const cairn_instrument *inst;
    int64_t amend; /* the assessment corrected, or 0 */
    const char *date, *codes, *reason;
    const char *item[MAX_ITEMS]; /* typed values (borrowed), or NULL */
} entry_form;

static bool parse_id(const char *s, int64_t *id)
{
    char *end = NULL;
    long long v = s != NULL ? strtoll(s, &end, 10) : 0;
    if (s == NULL || end == s || *end != '\0' || v <= 0) {
        return false;
    }
    *id = (int64_t)v;
    return true;
}

/* The assessment `id_text` of client `cl`, or NULL. */
static cairn_assessment *own_assessment(srv_ctx *c, const cairn_client *cl,
                                        const char *id_text)
{
    cairn_assessment *a = NULL;
    int64_t id = 0;
    if (!parse_id(id_text, &id) ||
        cairn_store_assessment_get(&a, c->app->cfg.store, id, NULL) < 0) {
        return NULL;
    }
    if (strcmp(a->client_code, cl->code) != 0) {
        cairn_store_assessment_free(a);
        return NULL;
    }
    return a;
}

static void hidden(srv_buf *b, const char *name, const char *value)
{
    if (value == NULL) {
        return;
    }
    srv_put(b, "<input type=\"hidden\" name=\"");
    srv_put(b, name);
    srv_put(b, "\" value=\"");
    srv_esc(b, value);
    srv_put(b, "\">\n");
}

static void form_head(srv_ctx *c, srv_buf *b, const cairn_client *cl,
                      const entry_form *f, const char *action)
{
    char id[24];
    srv_put(b, "<form method=\"post\" action=\"");
    srv_client_href(b, cl->code);
    srv_put(b, "\">\n");
    srv_csrf_field(b, c->csrf);
    hidden(b, "action", action);
    hidden(b, "instrument", cairn_instrument_code(f->inst));
    if (f->amend != 0) {
        snprintf(id, sizeof id, "%lld", (long long)f->amend);
        hidden(b, "amend", id);
    }
}

static void page_start(srv_ctx *c, srv_buf *b, const cairn_client *cl,
                       const char *what)
{
    char today[11];
    srv_today(c, today);
    srv_dash_begin(c, b, "Enter answers - Cairn", NULL, today);
    srv_put(b, "<h1>");
    srv_put(b, what);
    srv_put(b, " for ");
    srv_esc(b, cl->code);
    srv_put(b, "</h1>\n");
}

static void back_link(srv_buf *b, const cairn_client *cl)
{
    srv_put(b, "<p><a href=\"");
    srv_client_href(b, cl->code);
    srv_put(b, "\">Back to the client's page</a></p>\n");
}

/* The options of an item as a hint: "0 Not at all (scores 0)". */
static void item_hint(srv_buf *b, const cairn_item *it, bool differ)
{
    if (it->kind == CAIRN_ITEM_NUMBER) {
        srv_printf(b, "a number from %d to %d", it->min, it->max);
        return;
    }
    for (size_t k = 0; k < it->n_options; k++) {
        const cairn_option *o = &it->options[k];
        srv_printf(b, "%s%d ", k ? "; " : "", o->code);
        srv_esc(b, o->label);
        if (differ) {
            srv_put(b, " (scores ");
            srv_num(b, o->score);
            srv_put(b, ")");
        }
    }
}

static void codes_choice(srv_buf *b, const entry_form *f)
{
    const char *k = f->codes != NULL ? f->codes : "";
    srv_put(b, "<fieldset><legend>The numbers you type are</legend>\n");
    srv_put(b, "<div class=\"choice\"><input type=\"radio\" name=\"codes\" "
               "id=\"codes-p\" value=\"positions\" required");
    srv_put(b, strcmp(k, "positions") == 0 ? " checked>" : ">");
    srv_put(b, "<label for=\"codes-p\">Positions on the form (");
    srv_esc(b, cairn_instrument_entry_positions(f->inst));
    srv_put(b, ")</label></div>\n<div class=\"choice\"><input type=\"radio\" "
               "name=\"codes\" id=\"codes-s\" value=\"scores\" required");
    srv_put(b, strcmp(k, "scores") == 0 ? " checked>" : ">");
    srv_put(b, "<label for=\"codes-s\">Scores from the scoring key (");
    srv_esc(b, cairn_instrument_entry_scores(f->inst));
    srv_put(b, ")</label></div>\n</fieldset>\n");
}

/* The entry screen, with what was typed so far and any problem. */
static void entry_page(srv_ctx *c, const cairn_client *cl, const entry_form *f,
                       int status, const char *problem)
{
    srv_buf b = SRV_BUF_INIT;
    char today[11];
    bool differ = cairn_instrument_codes_differ(f->inst);
    srv_today(c, today);
    page_start(c, &b, cl, f->amend ? "Correct an entry" : "Enter a paper form");
    srv_put(&b, "<p>");
    srv_esc(&b, cairn_instrument_name(f->inst));
    srv_put(&b, ". Type each answer as a number; leave an item empty if "
                "it was left blank on the form.</p>\n");
    if (problem != NULL) {
        srv_put(&b, "<p class=\"problem\" role=\"alert\">");
        srv_esc(&b, problem);
        srv_put(&b, "</p>\n");
    }
    form_head(c, &b, cl, f, "check");
    srv_put(&b, "<label for=\"date\">Date the form was completed</label>\n"
                "<input id=\"date\" name=\"date\" type=\"date\" required "
                "value=\"");
    srv_esc(&b, f->date != NULL ? f->date : today);
    srv_put(&b, "\">\n");
    if (differ) {
        codes_choice(&b, f);
    }
    for (size_t i = 0; i < cairn_instrument_item_count(f->inst); i++) {
        const cairn_item *it = cairn_instrument_item(f->inst, i);
        srv_printf(&b, "<div class=\"item\"><label for=\"item%d\">%d. ",
                   it->number, it->number);
        srv_esc(&b, it->label);
        srv_printf(&b, "</label>\n<span class=\"hint\" id=\"item%d-hint\">",
                   it->number);
        item_hint(&b, it, differ);
        srv_printf(&b,
                   "</span>\n<input id=\"item%d\" name=\"item%d\" "
                   "inputmode=\"numeric\" autocomplete=\"off\" "
                   "aria-describedby=\"item%d-hint\" value=\"",
                   it->number, it->number, it->number);
        srv_esc(&b, i < MAX_ITEMS && f->item[i] ? f->item[i] : "");
        srv_put(&b, "\"></div>\n");
    }
    if (f->amend != 0) {
        srv_put(&b, "<label for=\"reason\">Why it is corrected</label>\n"
                    "<input id=\"reason\" name=\"reason\" required "
                    "maxlength=\"500\" value=\"");
        srv_esc(&b, f->reason != NULL ? f->reason : "");
        srv_put(&b, "\">\n");
    }
    srv_put(&b, "<p><button type=\"submit\" class=\"primary\">Check the "
                "answers</button></p>\n</form>\n");
    back_link(&b, cl);
    srv_page_end(&b);
    srv_html(c->rs, status, &b);
}

/* The form's values from the request (fields of a POST, or an
 * assessment's codes for a correction). */
static void read_form(srv_ctx *c, entry_form *f)
{
    char name[16];
    f->date = srv_field(c, "date");
    f->codes = srv_field(c, "codes");
    f->reason = srv_field(c, "reason");
    for (size_t i = 0;
         i < cairn_instrument_item_count(f->inst) && i < MAX_ITEMS; i++) {
        snprintf(name, sizeof name, "item%d",
                 cairn_instrument_item(f->inst, i)->number);
        f->item[i] = srv_field(c, name);
    }
}

/* Parse the typed answers as `record` does; 0, or -1 with `msg` set. */
static int parse_answers(const entry_form *f, cairn_responses **resp, char *msg,
                         size_t size)
{
    const char *tok[MAX_ITEMS];
    cairn_entry entry = CAIRN_ENTRY_UNSAID;
    cairn_error err = CAIRN_ERROR_INIT;
    size_t n = cairn_instrument_item_count(f->inst);
    *resp = NULL;
    if (n > MAX_ITEMS) {
        snprintf(msg, size,
                 "this questionnaire has too many items to enter "
                 "here; use 'cairn record'");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *v = f->item[i];
        tok[i] = v == NULL || v[0] == '\0' ? CAIRN_MISSING_TOKEN : v;
    }
    if ((f->codes != NULL && f->codes[0] != '\0' &&
         cairn_entry_parse(&entry, f->codes, &err) < 0) ||
        cairn_responses_check_entry(f->inst, entry, &err) < 0 ||
        cairn_responses_parse_entered(resp, f->inst, tok, n, entry, &err) < 0) {
        snprintf(msg, size, "%s", err.message);
        return -1;
    }
    return 0;
}

/* "Check these against the paper form": the echo, then Save. */
static void echo_page(srv_ctx *c, const cairn_client *cl, const entry_form *f,
                      const cairn_responses *resp, const cairn_score *sc)
{
    srv_buf b = SRV_BUF_INIT;
    page_start(c, &b, cl, "Check the answers");
    srv_put(&b, "<p>Please check each answer against the paper form. "
                "Nothing is saved until you choose Save.</p>\n<p>");
    srv_esc(&b, cairn_instrument_name(f->inst));
    srv_put(&b, ", completed on ");
    srv_esc(&b, f->date);
    srv_put(&b, ".</p>\n<table class=\"data echo\"><caption>Answers as "
                "entered (answer and its score)</caption>\n<thead><tr>"
                "<th scope=\"col\">Item</th><th scope=\"col\">Answer</th>"
                "<th scope=\"col\">Score</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < resp->n; i++) {
        const cairn_item *it = cairn_instrument_item(f->inst, i);
        const cairn_option *o = NULL;
        srv_printf(&b, "<tr><th scope=\"row\">%d. ", it->number);
        srv_esc(&b, it->label);
        srv_put(&b, "</th>");
        if (resp->missing[i]) {
            srv_put(&b, "<td>left blank</td><td></td>");
        } else if (it->kind == CAIRN_ITEM_NUMBER) {
            srv_printf(&b, "<td>%d</td><td>not scored</td>", resp->codes[i]);
        } else if ((o = cairn_item_find_option(it, resp->codes[i])) != NULL) {
            srv_put(&b, "<td>");
            srv_esc(&b, o->label);
            srv_put(&b, "</td><td class=\"num\">");
            srv_num(&b, o->score);
            srv_put(&b, "</td>");
        }
        srv_put(&b, "</tr>\n");
    }
    srv_put(&b, "</tbody></table>\n");
    if (sc->n_scales > 0 && sc->scales[0].has_score) {
        srv_put(&b, "<p>Total: ");
        srv_num(&b, sc->scales[0].score);
        srv_put(&b, "</p>\n");
    }
    if (sc->n_flags > 0 || sc->n_unanswered_risks > 0) {
        srv_put(&b, "<p class=\"problem\">A risk item is endorsed or left "
                    "blank on this form: after saving, the client's page "
                    "shows the alert.</p>\n");
    }
    form_head(c, &b, cl, f, "save");
    hidden(&b, "date", f->date);
    hidden(&b, "codes", f->codes);
    hidden(&b, "reason", f->reason);
    for (size_t i = 0; i < resp->n; i++) {
        char name[16];
        snprintf(name, sizeof name, "item%d",
                 cairn_instrument_item(f->inst, i)->number);
        hidden(&b, name, f->item[i] != NULL ? f->item[i] : "");
    }
    srv_put(&b, "<p><button type=\"submit\" class=\"primary\" name=\"step\" "
                "value=\"save\">Save</button>\n<button type=\"submit\" "
                "name=\"step\" value=\"change\">Change the answers</button>"
                "</p>\n</form>\n");
    back_link(&b, cl);
    srv_page_end(&b);
    srv_html(c->rs, 200, &b);
}

static void saved(srv_ctx *c, const cairn_client *cl, const char *what)
{
    srv_buf b = SRV_BUF_INIT;
    srv_client_href(&b, cl->code);
    srv_put(&b, "?done=");
    srv_put(&b, what);
    if (b.oom) {
        c->rs->oom = true;
    } else {
        srv_redirect(c->rs, b.p);
    }
    srv_buf_free(&b);
}

/* Store the answers: a new assessment, or a correction.  A date that is
 * only unlikely (a grief scale before the loss) is stored, and said in
 * `warning` as `record` says it. */
static int store_answers(srv_ctx *c, const cairn_client *cl,
                         const entry_form *f, const cairn_responses *resp,
                         const cairn_score *sc, char *msg, size_t size,
                         cairn_error *warning)
{
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_store *st = c->app->cfg.store;
    int rc = 0;
    if (f->amend != 0) {
        rc = cairn_store_assessment_amend(st, f->amend, sc, resp, f->date,
                                          f->reason, NULL, &err);
    } else {
        cairn_assessment_options o = CAIRN_ASSESSMENT_OPTIONS_INIT;
        o.client_code = cl->code;
        o.administered_at = f->date;
        o.method = CAIRN_METHOD_CLINICIAN;
        o.warning = warning;
        rc = cairn_store_assessment_add(st, sc, resp, &o, NULL, &err);
    }
    if (rc < 0) {
        snprintf(msg, size, "%s", err.message);
    }
    return rc;
}

/* Saved, but the date is unlikely: the client's page at once, saying
 * so (a redirect could not carry the engine's words). */
static void saved_with_warning(srv_ctx *c, const cairn_client *cl,
                               const char *warning)
{
    srv_view v;
    char notice[CAIRN_ERROR_MAX + 96];
    snprintf(notice, sizeof notice,
             "The answers were saved. Please check the date: %s.", warning);
    if (srv_view_load(&v, c, cl->code) == 0) {
        srv_client_page(c, &v, 200, notice);
        srv_view_free(&v);
    }
}

static void post_answers(srv_ctx *c, const cairn_client *cl, entry_form *f,
                         bool save)
{
    cairn_responses *resp = NULL;
    cairn_score *sc = NULL;
    cairn_error err = CAIRN_ERROR_INIT, warn = CAIRN_ERROR_INIT;
    char msg[CAIRN_ERROR_MAX + 64];
    const char *step = srv_field(c, "step");
    read_form(c, f);
    if (f->date == NULL || f->date[0] == '\0') {
        entry_page(c, cl, f, 422,
                   "Please give the date the form was "
                   "completed.");
        return;
    }
    if (f->amend != 0 && (f->reason == NULL || f->reason[0] == '\0')) {
        entry_page(c, cl, f, 422, "Please say why the entry is corrected.");
        return;
    }
    if (step != NULL && strcmp(step, "change") == 0) {
        entry_page(c, cl, f, 200, NULL);
        return;
    }
    if (parse_answers(f, &resp, msg, sizeof msg) < 0 ||
        (cairn_score_compute(&sc, f->inst, resp, &err) < 0 &&
         snprintf(msg, sizeof msg, "%s", err.message) >= 0)) {
        entry_page(c, cl, f, 422, msg);
    } else if (!save) {
        echo_page(c, cl, f, resp, sc);
    } else if (store_answers(c, cl, f, resp, sc, msg, sizeof msg, &warn) < 0) {
        entry_page(c, cl, f, 422, msg);
    } else if (warn.message[0] != '\0') {
        saved_with_warning(c, cl, warn.message);
    } else {
        saved(c, cl, f->amend != 0 ? "corrected" : "saved");
    }
    cairn_score_free(sc);
    cairn_responses_free(resp);
}

/* ------------------------------------------------------------------ */
/* Void                                                                */

static void void_page(srv_ctx *c, const cairn_client *cl,
                      const cairn_assessment *a, int status,
                      const char *problem)
{
    srv_buf b = SRV_BUF_INIT;
    char id[24];
    page_start(c, &b, cl, "Void an entry");
    if (problem != NULL) {
        srv_put(&b, "<p class=\"problem\" role=\"alert\">");
        srv_esc(&b, problem);
        srv_put(&b, "</p>\n");
    }
    srv_printf(&b, "<p>The entry of %.10s (", a->administered_at);
    srv_esc(&b, a->instrument);
    srv_put(&b, ") stays in the record, marked void, and leaves the charts "
                "and figures.</p>\n<form method=\"post\" action=\"");
    srv_client_href(&b, cl->code);
    srv_put(&b, "\">\n");
    srv_csrf_field(&b, c->csrf);
    hidden(&b, "action", "void");
    snprintf(id, sizeof id, "%lld", (long long)a->id);
    hidden(&b, "assessment", id);
    srv_put(&b, "<label for=\"reason\">Why it is void</label>\n<input "
                "id=\"reason\" name=\"reason\" required maxlength=\"500\">\n"
                "<p><button type=\"submit\" class=\"primary\">Void this "
                "entry</button></p>\n</form>\n");
    back_link(&b, cl);
    srv_page_end(&b);
    srv_html(c->rs, status, &b);
}

static void post_void(srv_ctx *c, const cairn_client *cl)
{
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_assessment *a = own_assessment(c, cl, srv_field(c, "assessment"));
    const char *reason = srv_field(c, "reason");
    if (a == NULL) {
        srv_message(c->rs, 404, "No such entry",
                    "This entry is not in this client's record.");
        return;
    }
    if (reason == NULL || reason[0] == '\0') {
        void_page(c, cl, a, 422, "Please say why the entry is void.");
    } else if (cairn_store_assessment_void(c->app->cfg.store, a->id, reason,
                                           &err) < 0) {
        void_page(c, cl, a, 422, err.message);
    } else {
        saved(c, cl, "voided");
    }
    cairn_store_assessment_free(a);
}

static void post_event(srv_ctx *c, const cairn_client *cl)
{
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_event ev = {0};
    const char *kind = srv_field(c, "kind");
    const char *label = srv_field(c, "label");
    ev.client_code = cl->code;
    ev.date = srv_field(c, "date");
    ev.label = label != NULL && label[0] != '\0' ? label : NULL;
    if (kind == NULL || cairn_event_kind_parse(&ev.kind, kind, &err) < 0 ||
        ev.date == NULL ||
        cairn_store_event_add(c->app->cfg.store, &ev, NULL, &err) < 0) {
        srv_message(c->rs, 422, "The event was not added",
                    err.message[0] ? err.message : "Please give a date.");
        return;
    }
    saved(c, cl, "event");
}

/* ------------------------------------------------------------------ */
/* Routes                                                              */

static int form_for(srv_ctx *c, entry_form *f, const char *code,
                    const char *amend)
{
    memset(f, 0, sizeof *f);
    if (code == NULL ||
        cairn_catalog_find(&f->inst, c->app->cfg.catalog, code, NULL) < 0) {
        srv_message(c->rs, 404, "No such questionnaire",
                    "This questionnaire is not one Cairn knows.");
        return -1;
    }
    if (amend != NULL && !parse_id(amend, &f->amend)) {
        srv_message(c->rs, 404, "No such entry",
                    "This entry is not in this client's record.");
        return -1;
    }
    return 0;
}

/* GET ?amend=ID: the form filled with the stored answers (positions). */
static void amend_get(srv_ctx *c, const cairn_client *cl, const char *id)
{
    char values[MAX_ITEMS][16];
    entry_form f;
    cairn_assessment *a = own_assessment(c, cl, id);
    if (a == NULL || form_for(c, &f, a->instrument, id) < 0) {
        if (a == NULL) {
            srv_message(c->rs, 404, "No such entry",
                        "This entry is not in this client's record.");
        }
        cairn_store_assessment_free(a);
        return;
    }
    char date[11];
    snprintf(date, sizeof date, "%.10s", a->administered_at);
    f.date = date;
    f.codes = cairn_instrument_codes_differ(f.inst) ? "positions" : NULL;
    for (size_t i = 0; i < a->n_items && i < MAX_ITEMS; i++) {
        snprintf(values[i], sizeof values[i], "%d", a->codes[i]);
        f.item[i] = a->missing[i] ? NULL : values[i];
    }
    entry_page(c, cl, &f, 200, NULL);
    cairn_store_assessment_free(a);
}

static const char *done_words(const char *done)
{
    static const char *const words[][2] = {
        {"saved", "The answers were saved."},
        {"corrected", "The correction was saved; the earlier entry is kept "
                      "in the history."},
        {"voided", "The entry is now void; it stays in the history."},
        {"event", "The event was added to the timeline."},
    };
    for (size_t i = 0; done != NULL && i < sizeof words / sizeof words[0];
         i++) {
        if (strcmp(done, words[i][0]) == 0) {
            return words[i][1];
        }
    }
    return NULL;
}

void srv_client_get(srv_ctx *c, const char *code)
{
    cairn_client *cl = NULL;
    const char *enter = srv_query(c, "enter");
    const char *amend = srv_query(c, "amend");
    const char *voids = srv_query(c, "void");
    if (enter != NULL || amend != NULL || voids != NULL) {
        entry_form f;
        cairn_assessment *a = NULL;
        if (srv_view_client(c, code, &cl) < 0) {
            return;
        }
        if (amend != NULL) {
            amend_get(c, cl, amend);
        } else if (voids != NULL) {
            a = own_assessment(c, cl, voids);
            if (a == NULL) {
                srv_message(c->rs, 404, "No such entry",
                            "This entry is not in this client's record.");
            } else {
                void_page(c, cl, a, 200, NULL);
            }
        } else if (form_for(c, &f, enter, NULL) == 0) {
            entry_page(c, cl, &f, 200, NULL);
        }
        cairn_store_assessment_free(a);
        cairn_store_client_free(cl);
        return;
    }
    srv_view v;
    if (srv_view_load(&v, c, code) < 0) {
        return;
    }
    srv_client_page(c, &v, 200, done_words(srv_query(c, "done")));
    srv_view_free(&v);
}

void srv_client_post(srv_ctx *c, const char *code)
{
    cairn_client *cl = NULL;
    const char *action = srv_field(c, "action");
    entry_form f;
    if (srv_view_client(c, code, &cl) < 0) {
        return;
    }
    if (action == NULL) {
        srv_message(c->rs, 400, "Not understood",
                    "This form did not say what to do.");
    } else if (strcmp(action, "check") == 0 || strcmp(action, "save") == 0) {
        const char *amend = srv_field(c, "amend");
        cairn_assessment *a =
            amend != NULL ? own_assessment(c, cl, amend) : NULL;
        if (amend != NULL && a == NULL) {
            srv_message(c->rs, 404, "No such entry",
                        "This entry is not in this client's record.");
        } else if (form_for(c, &f, srv_field(c, "instrument"), amend) == 0) {
            post_answers(c, cl, &f, strcmp(action, "save") == 0);
        }
        cairn_store_assessment_free(a);
    } else if (strcmp(action, "void") == 0) {
        post_void(c, cl);
    } else if (strcmp(action, "event") == 0) {
        post_event(c, cl);
    } else {
        srv_message(c->rs, 400, "Not understood",
                    "This form did not say what to do.");
    }
    cairn_store_client_free(cl);
}
