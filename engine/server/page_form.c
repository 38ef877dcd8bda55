/*
 * page_form.c - the client's side of a self-report link (/s/<token>).
 *
 * Generated from the instrument definitions, so any instrument works
 * without code: an introduction that names nothing about the client, the
 * instructions and recall period, then the items - one per screen from a
 * phone link, a whole questionnaire per screen on the clinic's tablet -
 * then a review with "Change" for every answer, then "Send".  It needs
 * no JavaScript: every screen is a form whose hidden fields carry the
 * answers so far (the server keeps nothing until the answers are sent),
 * and every answer is a native radio input named item<N> whose value is
 * the option's code.  Skipping is offered only where the instrument's
 * missing-data rule allows it (cairn_responses_may_skip).  Item wording
 * follows the rule `cairn administer` follows: the verbatim text where
 * the licence or the clinic's text pack supplies it, else the item's
 * content label.
 *
 * On "Send" the answers are scored with cairn_score_compute and stored,
 * and the link spent, by cairn_store_link_submit: the same engine calls
 * as `cairn record`.  The client then sees thanks, never a score; when a
 * risk item was endorsed, the clinic's crisis text; on a tablet, a
 * locked "please hand the device back" screen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server_internal.h"

#define MAXI CAIRN_LINK_MAX_INSTRUMENTS

enum pos_kind { P_INTRO, P_INSTR, P_ITEM, P_PAGE, P_REVIEW };

typedef struct pos {
    enum pos_kind kind;
    size_t k; /* instrument index */
    size_t j; /* item index (P_ITEM) */
} pos;

typedef struct form {
    srv_ctx *c;
    const char *token;
    cairn_link *link;
    size_t n;
    const cairn_instrument *inst[MAXI];
    cairn_responses *resp[MAXI];
    bool *skipped[MAXI];
    bool tablet;
    bool ret; /* return to the review after this screen */
    char csrf[CAIRN_TOKEN_HEX_LEN + 1];
} form;

static void form_free(form *f)
{
    for (size_t k = 0; k < f->n; k++) {
        cairn_responses_free(f->resp[k]);
        free(f->skipped[k]);
    }
    cairn_store_link_free(f->link);
}

/* What a link that cannot be answered says: nothing identifying, in the
 * client's words (cairn/client_text.h). */
static void refuse(srv_ctx *c, int status, cairn_client_refusal r)
{
    srv_message(c->rs, status, cairn_client_text_refusal_title(r),
                cairn_client_text_refusal(r));
}

static bool refuse_link(srv_ctx *c, int rc, const cairn_link *l)
{
    if (rc == CAIRN_ENOTFOUND) {
        refuse(c, 404, CAIRN_CLIENT_LINK_UNKNOWN);
    } else if (rc < 0) {
        refuse(c, 500, CAIRN_CLIENT_LINK_TROUBLE);
    } else if (l->state == CAIRN_LINK_SPENT) {
        refuse(c, 410, CAIRN_CLIENT_LINK_DONE);
    } else if (l->state != CAIRN_LINK_ACTIVE) {
        refuse(c, 410, CAIRN_CLIENT_LINK_INACTIVE);
    } else {
        return false;
    }
    return true;
}

/* Load the link and its instruments; false when a page was sent. */
static bool form_open(form *f, srv_ctx *c, const char *token)
{
    memset(f, 0, sizeof *f);
    f->c = c;
    f->token = token;
    int rc = cairn_store_link_find(&f->link, c->app->cfg.store, token,
                                   c->rq->now, NULL);
    if (refuse_link(c, rc, f->link)) {
        return false;
    }
    f->tablet = f->link->kind == CAIRN_LINK_TABLET;
    for (size_t k = 0; k < f->link->n_instruments && rc == CAIRN_OK; k++) {
        rc = cairn_catalog_find(&f->inst[k], c->app->cfg.catalog,
                                f->link->instruments[k], NULL);
        if (rc == CAIRN_OK) {
            rc = cairn_responses_new(&f->resp[k], f->inst[k], NULL);
        }
        if (rc == CAIRN_OK) {
            f->n = k + 1;
            f->skipped[k] = calloc(f->resp[k]->n, sizeof(bool));
            rc = f->skipped[k] != NULL ? CAIRN_OK : CAIRN_ENOMEM;
        }
    }
    if (rc == CAIRN_OK) {
        rc = cairn_token_csrf(f->csrf, token, NULL);
    }
    if (rc < 0) {
        refuse(c, 500, CAIRN_CLIENT_LINK_TROUBLE);
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------ */
/* Positions                                                           */

static size_t n_items(const form *f, size_t k)
{
    return f->resp[k]->n;
}

static pos next_pos(const form *f, pos p)
{
    pos r = p;
    switch (p.kind) {
    case P_INTRO:
        r = (pos){f->tablet ? P_PAGE : P_INSTR, 0, 0};
        break;
    case P_INSTR:
        r = (pos){P_ITEM, p.k, 0};
        break;
    case P_ITEM:
    case P_PAGE:
        if (p.kind == P_ITEM && p.j + 1 < n_items(f, p.k)) {
            r.j = p.j + 1;
        } else if (p.k + 1 < f->n) {
            r = (pos){f->tablet ? P_PAGE : P_INSTR, p.k + 1, 0};
        } else {
            r = (pos){P_REVIEW, 0, 0};
        }
        break;
    case P_REVIEW:
        break;
    }
    return r;
}

static pos prev_pos(const form *f, pos p)
{
    switch (p.kind) {
    case P_ITEM:
        return p.j > 0 ? (pos){P_ITEM, p.k, p.j - 1} : (pos){P_INSTR, p.k, 0};
    case P_INSTR:
    case P_PAGE:
        if (p.k == 0) {
            return (pos){P_INTRO, 0, 0};
        }
        return f->tablet ? (pos){P_PAGE, p.k - 1, 0}
                         : (pos){P_ITEM, p.k - 1, n_items(f, p.k - 1) - 1};
    case P_REVIEW:
        return f->tablet ? (pos){P_PAGE, f->n - 1, 0}
                         : (pos){P_ITEM, f->n - 1, n_items(f, f->n - 1) - 1};
    case P_INTRO:
        break;
    }
    return p;
}

static bool parse_index(const char *s, size_t limit, size_t *out,
                        const char **end)
{
    char *e = NULL;
    if (s == NULL || s[0] < '0' || s[0] > '9') {
        return false;
    }
    unsigned long v = strtoul(s, &e, 10);
    if (v >= limit) {
        return false;
    }
    *out = (size_t)v;
    *end = e;
    return true;
}

/* "intro", "review", "<k>.i", "<k>.p", "<k>.<j>"; false when malformed. */
static bool parse_pos(const form *f, const char *s, pos *p)
{
    const char *e = NULL;
    if (s != NULL && strcmp(s, "intro") == 0) {
        *p = (pos){P_INTRO, 0, 0};
        return true;
    }
    if (s != NULL && strcmp(s, "review") == 0) {
        *p = (pos){P_REVIEW, 0, 0};
        return true;
    }
    p->j = 0;
    if (!parse_index(s, f->n, &p->k, &e) || *e != '.') {
        return false;
    }
    if (strcmp(e, ".i") == 0 && !f->tablet) {
        p->kind = P_INSTR;
        return true;
    }
    if (strcmp(e, ".p") == 0 && f->tablet) {
        p->kind = P_PAGE;
        return true;
    }
    p->kind = P_ITEM;
    return !f->tablet && parse_index(e + 1, n_items(f, p->k), &p->j, &e) &&
           *e == '\0';
}

static void put_pos(srv_buf *b, pos p)
{
    if (p.kind == P_INTRO || p.kind == P_REVIEW) {
        srv_put(b, p.kind == P_INTRO ? "intro" : "review");
        return;
    }
    srv_int(b, (long long)p.k);
    if (p.kind == P_ITEM) {
        srv_put(b, ".");
        srv_int(b, (long long)p.j);
    } else {
        srv_put(b, p.kind == P_INSTR ? ".i" : ".p");
    }
}

/* ------------------------------------------------------------------ */
/* Reading the answers carried by the form                             */

static bool parse_code(const char *s, int *out)
{
    char *e = NULL;
    if (s == NULL || s[0] == '\0' || strlen(s) > 6) {
        return false;
    }
    long v = strtol(s, &e, 10);
    if (*e != '\0') {
        return false;
    }
    *out = (int)v;
    return true;
}

/* Record `value` ("s" = skipped, else a code) for item `i` of `k`. */
static void take(form *f, size_t k, size_t i, const char *value)
{
    int code = 0;
    if (strcmp(value, "s") == 0) {
        f->resp[k]->missing[i] = true;
        f->skipped[k][i] = true;
    } else if (parse_code(value, &code) &&
               cairn_responses_set(f->resp[k], f->inst[k], i, code, NULL) ==
                   CAIRN_OK) {
        f->skipped[k][i] = false;
    }
}

/* Hidden answers a<k>_<N>, then the radios item<N> of the screen at p. */
static void read_answers(form *f, pos p)
{
    const cairn_server_request *rq = f->c->rq;
    for (size_t x = 0; x < rq->n_fields; x++) {
        const char *name = rq->fields[x].name, *e = NULL;
        size_t k = 0, num = 0;
        if (name[0] == 'a' && parse_index(name + 1, f->n, &k, &e) &&
            *e == '_' && parse_index(e + 1, n_items(f, k) + 1, &num, &e) &&
            *e == '\0' && num >= 1) {
            take(f, k, num - 1, rq->fields[x].value);
        }
    }
    if (p.kind != P_ITEM && p.kind != P_PAGE) {
        return;
    }
    for (size_t x = 0; x < rq->n_fields; x++) {
        const char *name = rq->fields[x].name, *e = NULL;
        size_t num = 0;
        if (strncmp(name, "item", 4) == 0 &&
            parse_index(name + 4, n_items(f, p.k) + 1, &num, &e) &&
            *e == '\0' && num >= 1 && (p.kind == P_PAGE || num - 1 == p.j)) {
            take(f, p.k, num - 1, rq->fields[x].value);
        }
    }
}

static bool answered(const form *f, size_t k, size_t i)
{
    return !f->resp[k]->missing[i];
}

/* Whether item i of k may stay unanswered with the others left open. */
static bool may_leave(const form *f, size_t k, size_t i)
{
    return cairn_responses_may_skip(f->inst[k], f->skipped[k], i);
}

/* ------------------------------------------------------------------ */
/* Rendering                                                           */

static const char *item_words(const cairn_item *it)
{
    return it->text != NULL ? it->text : it->label;
}

static void form_begin(form *f, srv_buf *b, const char *title, pos at)
{
    srv_page_begin(b, title);
    srv_put(b, "<form method=\"post\" action=\"/s/");
    srv_esc(b, f->token);
    srv_put(b, "\" novalidate>\n");
    srv_csrf_field(b, f->csrf);
    srv_put(b, "<input type=\"hidden\" name=\"at\" value=\"");
    put_pos(b, at);
    srv_put(b, "\">\n");
    if (f->ret) {
        srv_put(b, "<input type=\"hidden\" name=\"ret\" value=\"1\">\n");
    }
}

/* Hidden fields for every answer not shown as a radio on this screen. */
static void hidden_answers(const form *f, srv_buf *b, pos at)
{
    for (size_t k = 0; k < f->n; k++) {
        for (size_t i = 0; i < n_items(f, k); i++) {
            bool shown = (at.kind == P_PAGE && at.k == k) ||
                         (at.kind == P_ITEM && at.k == k && at.j == i);
            if (shown || (!answered(f, k, i) && !f->skipped[k][i])) {
                continue;
            }
            srv_put(b, "<input type=\"hidden\" name=\"a");
            srv_int(b, (long long)k);
            srv_put(b, "_");
            srv_int(b, (long long)i + 1);
            srv_put(b, "\" value=\"");
            if (f->skipped[k][i]) {
                srv_put(b, "s");
            } else {
                srv_int(b, f->resp[k]->codes[i]);
            }
            srv_put(b, "\">\n");
        }
    }
}

static void problem(srv_buf *b, const char *text)
{
    if (text != NULL) {
        srv_put(b, "<p class=\"problem\" role=\"alert\" id=\"problem\">");
        srv_esc(b, text);
        srv_put(b, "</p>\n");
    }
}

static void progress(const form *f, srv_buf *b, size_t k)
{
    if (f->n > 1) {
        srv_put(b, "<p class=\"progress\">Questionnaire ");
        srv_int(b, (long long)k + 1);
        srv_put(b, " of ");
        srv_int(b, (long long)f->n);
        srv_put(b, "</p>\n");
    }
}

/* One item as a group of radio buttons; `flag` marks a missing answer. */
static void item_group(const form *f, srv_buf *b, size_t k, size_t i, bool flag)
{
    const cairn_item *it = cairn_instrument_item(f->inst[k], i);
    srv_put(b, "<fieldset class=\"item\"");
    if (flag) {
        srv_put(b, " aria-describedby=\"problem\"");
    }
    srv_put(b, ">\n<legend><span class=\"count\">Question ");
    srv_int(b, it->number);
    srv_put(b, " of ");
    srv_int(b, (long long)n_items(f, k));
    srv_put(b, "</span> <span class=\"words\">");
    srv_esc(b, item_words(it));
    srv_put(b, "</span></legend>\n");
    for (size_t o = 0; o < it->n_options; o++) {
        const cairn_option *op = &it->options[o];
        char id[48];
        snprintf(id, sizeof id, "q%zu-%d-%zu", k, it->number, o);
        srv_put(b, "<div class=\"choice\"><input type=\"radio\" name=\"item");
        srv_int(b, it->number);
        srv_put(b, "\" id=\"");
        srv_put(b, id);
        srv_put(b, "\" value=\"");
        srv_int(b, op->code);
        srv_put(b, "\"");
        if (answered(f, k, i) && f->resp[k]->codes[i] == op->code) {
            srv_put(b, " checked");
        }
        srv_put(b, "><label for=\"");
        srv_put(b, id);
        srv_put(b, "\">");
        srv_esc(b, op->label);
        srv_put(b, "</label></div>\n");
    }
    srv_put(b, "</fieldset>\n");
}

static void buttons(srv_buf *b, const char *next, bool back, bool skip)
{
    srv_put(b, "<div class=\"actions\">\n<button type=\"submit\" name=\"go\" "
               "value=\"next\" class=\"primary\">");
    srv_esc(b, next);
    srv_put(b, "</button>\n");
    if (back) {
        srv_put(b, "<button type=\"submit\" name=\"go\" value=\"back\">"
                   "Back</button>\n");
    }
    if (skip) {
        srv_put(b, "<button type=\"submit\" name=\"go\" value=\"skip\">"
                   "Skip this question</button>\n");
    }
    srv_put(b, "</div>\n");
}

static void instructions(const form *f, srv_buf *b, size_t k)
{
    const cairn_instrument *in = f->inst[k];
    srv_put(b, "<h1>");
    srv_esc(b, cairn_instrument_name(in));
    srv_put(b, "</h1>\n");
    progress(f, b, k);
    if (cairn_instrument_recall(in) != NULL) {
        srv_put(b, "<p class=\"recall\">These questions are about ");
        srv_esc(b, cairn_instrument_recall(in));
        srv_put(b, ".</p>\n");
    }
    if (cairn_instrument_instructions(in) != NULL) {
        srv_put(b, "<p class=\"instructions\">");
        srv_esc(b, cairn_instrument_instructions(in));
        srv_put(b, "</p>\n");
    }
}

static void render_intro(form *f, srv_buf *b)
{
    pos at = {P_INTRO, 0, 0};
    form_begin(f, b, "Questionnaires from your clinic", at);
    hidden_answers(f, b, at);
    srv_put(b, "<h1>Questionnaires from your clinic</h1>\n<p>Your clinic "
               "has asked you to answer ");
    if (f->n == 1) {
        srv_put(b, "1 short questionnaire.");
    } else {
        srv_int(b, (long long)f->n);
        srv_put(b, " short questionnaires.");
    }
    srv_put(b, "</p>\n<p>There are no right or wrong answers. You can go "
               "back and change an answer, and you will see all your "
               "answers before you send them.</p>\n");
    buttons(b, "Start", false, false);
}

static void render_screen(form *f, srv_buf *b, pos at, const char *msg)
{
    const cairn_instrument *in =
        at.kind == P_INTRO || at.kind == P_REVIEW ? NULL : f->inst[at.k];
    form_begin(f, b, in ? cairn_instrument_name(in) : "Questionnaires", at);
    hidden_answers(f, b, at);
    problem(b, msg);
    if (at.kind == P_INSTR) {
        instructions(f, b, at.k);
        buttons(b, "Next", true, false);
    } else if (at.kind == P_ITEM) {
        srv_put(b, "<h1 class=\"small\">");
        srv_esc(b, cairn_instrument_name(in));
        srv_put(b, "</h1>\n");
        progress(f, b, at.k);
        if (cairn_instrument_instructions(in) != NULL) {
            srv_put(b, "<p class=\"stem\">");
            srv_esc(b, cairn_instrument_instructions(in));
            srv_put(b, "</p>\n");
        }
        item_group(f, b, at.k, at.j, msg != NULL);
        buttons(b, f->ret ? "Save and see my answers" : "Next", !f->ret,
                may_leave(f, at.k, at.j));
    } else {
        instructions(f, b, at.k);
        for (size_t i = 0; i < n_items(f, at.k); i++) {
            item_group(f, b, at.k, i, msg != NULL && !answered(f, at.k, i));
        }
        buttons(b, f->ret ? "Save and see my answers" : "Next", !f->ret, false);
    }
}

static void review_item(const form *f, srv_buf *b, size_t k, size_t i)
{
    const cairn_item *it = cairn_instrument_item(f->inst[k], i);
    const cairn_option *op =
        answered(f, k, i) ? cairn_item_find_option(it, f->resp[k]->codes[i])
                          : NULL;
    srv_put(b, "<li><span class=\"words\">");
    srv_esc(b, item_words(it));
    srv_put(b, "</span> <strong class=\"answer\">");
    srv_esc(b, op != NULL ? op->label : "Not answered");
    srv_put(b, "</strong> <button type=\"submit\" name=\"go\" value=\"edit:");
    srv_int(b, (long long)k);
    srv_put(b, ".");
    srv_int(b, (long long)i);
    srv_put(b, "\" class=\"change\">Change<span class=\"visually-hidden\"> "
               "your answer to question ");
    srv_int(b, it->number);
    srv_put(b, "</span></button></li>\n");
}

static void render_review(form *f, srv_buf *b)
{
    pos at = {P_REVIEW, 0, 0};
    f->ret = false;
    form_begin(f, b, "Check your answers", at);
    hidden_answers(f, b, (pos){P_INTRO, 0, 0});
    srv_put(b, "<h1>Check your answers</h1>\n");
    for (size_t k = 0; k < f->n; k++) {
        srv_put(b, "<h2>");
        srv_esc(b, cairn_instrument_name(f->inst[k]));
        srv_put(b, "</h2>\n<ol class=\"review\">\n");
        for (size_t i = 0; i < n_items(f, k); i++) {
            review_item(f, b, k, i);
        }
        srv_put(b, "</ol>\n");
    }
    srv_put(b, "<div class=\"actions\">\n<button type=\"submit\" name=\"go\" "
               "value=\"send\" class=\"primary\">Send my answers</button>\n"
               "<button type=\"submit\" name=\"go\" value=\"back\">Back"
               "</button>\n</div>\n");
}

static void send_page(form *f, pos at, const char *msg)
{
    srv_buf b = SRV_BUF_INIT;
    if (at.kind == P_INTRO) {
        render_intro(f, &b);
    } else if (at.kind == P_REVIEW) {
        render_review(f, &b);
    } else {
        render_screen(f, &b, at, msg);
    }
    srv_put(&b, "</form>\n");
    srv_page_end(&b);
    srv_html(f->c->rs, msg != NULL ? 422 : 200, &b);
}

/* ------------------------------------------------------------------ */
/* Moving on, and sending                                              */

/* Whether the screen at `p` is complete; else the message to show. */
static const char *incomplete(const form *f, pos p)
{
    if (p.kind == P_ITEM && !answered(f, p.k, p.j) && !f->skipped[p.k][p.j]) {
        return may_leave(f, p.k, p.j)
                   ? "Please choose an answer, or skip this question."
                   : "Please choose an answer to go on.";
    }
    if (p.kind != P_PAGE) {
        return NULL;
    }
    for (size_t i = 0; i < n_items(f, p.k); i++) {
        if (!answered(f, p.k, i)) {
            f->skipped[p.k][i] = true;
        }
    }
    for (size_t i = 0; i < n_items(f, p.k); i++) {
        if (!answered(f, p.k, i) && !may_leave(f, p.k, i)) {
            return "Please answer the questions marked as not answered "
                   "yet.";
        }
    }
    return NULL;
}

static void finished(form *f, bool risk)
{
    /* the words are cairn/client_text.h's, as on the terminal */
    cairn_client_place at =
        f->tablet ? CAIRN_CLIENT_IN_ROOM : CAIRN_CLIENT_AT_HOME;
    srv_buf b = SRV_BUF_INIT;
    srv_page_begin(&b, cairn_client_text_thanks_title());
    srv_put(&b, "<h1>");
    srv_esc(&b, cairn_client_text_thanks_title());
    srv_put(&b, "</h1>\n<p>");
    srv_esc(&b, cairn_client_text_thanks(at));
    srv_put(&b, "</p>\n");
    if (risk) {
        /* --crisis-text, else the clinic's setting, else the default */
        char *set = NULL;
        const char *text = f->c->app->cfg.crisis_text;
        if (text == NULL && cairn_settings_get_text(f->c->app->cfg.store,
                                                    "client.crisis_message",
                                                    &set, NULL) == CAIRN_OK) {
            text = set;
        }
        srv_put(&b, "<section class=\"care\" aria-labelledby=\"care\">\n"
                    "<h2 id=\"care\">");
        srv_esc(&b, cairn_client_text_support_title());
        srv_put(&b, "</h2>\n<p>");
        srv_esc(&b, cairn_client_text_support(text, at));
        srv_put(&b, "</p>\n</section>\n");
        free(set);
    }
    srv_put(&b, f->tablet ? "<p class=\"handback\">" : "<p>");
    srv_esc(&b, cairn_client_text_closing(at));
    srv_put(&b, "</p>\n");
    srv_page_end(&b);
    srv_html(f->c->rs, 200, &b);
}

static void send_answers(form *f)
{
    cairn_score *scores[MAXI] = {NULL};
    bool risk = false;
    int rc = CAIRN_OK;
    for (size_t k = 0; k < f->n && rc == CAIRN_OK; k++) {
        rc = cairn_score_compute(&scores[k], f->inst[k], f->resp[k], NULL);
        risk = risk || (rc == CAIRN_OK && scores[k]->n_flags > 0);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_store_link_submit(f->c->app->cfg.store, f->token,
                                     (const cairn_score *const *)scores,
                                     (const cairn_responses *const *)f->resp,
                                     f->n, f->c->rq->now, NULL, NULL);
    }
    for (size_t k = 0; k < f->n; k++) {
        cairn_score_free(scores[k]);
    }
    if (rc == CAIRN_OK) {
        finished(f, risk);
    } else if (rc == CAIRN_EEXISTS || rc == CAIRN_EINVAL) {
        refuse(f->c, 410, CAIRN_CLIENT_LINK_DONE);
    } else {
        refuse(f->c, 500, CAIRN_CLIENT_LINK_NOT_SENT);
    }
}

static void go_on(form *f, pos at, const char *go)
{
    if (strncmp(go, "edit:", 5) == 0 && at.kind == P_REVIEW) {
        pos p = {P_ITEM, 0, 0};
        const char *e = NULL;
        if (parse_index(go + 5, f->n, &p.k, &e) && *e == '.' &&
            parse_index(e + 1, n_items(f, p.k), &p.j, &e) && *e == '\0') {
            p.kind = f->tablet ? P_PAGE : P_ITEM;
            f->ret = true;
            send_page(f, p, NULL);
            return;
        }
    }
    if (strcmp(go, "send") == 0 && at.kind == P_REVIEW) {
        send_answers(f);
        return;
    }
    if (strcmp(go, "back") == 0) {
        send_page(f, prev_pos(f, at), NULL);
        return;
    }
    if (strcmp(go, "skip") == 0 && at.kind == P_ITEM &&
        may_leave(f, at.k, at.j)) {
        f->resp[at.k]->missing[at.j] = true;
        f->skipped[at.k][at.j] = true;
    }
    const char *msg = incomplete(f, at);
    if (msg != NULL) {
        send_page(f, at, msg);
    } else {
        send_page(f, f->ret ? (pos){P_REVIEW, 0, 0} : next_pos(f, at), NULL);
    }
}

void srv_form_get(srv_ctx *c, const char *token)
{
    form f;
    if (form_open(&f, c, token)) {
        send_page(&f, (pos){P_INTRO, 0, 0}, NULL);
    }
    form_free(&f);
}

void srv_form_post(srv_ctx *c, const char *token)
{
    form f;
    pos at = {P_INTRO, 0, 0};
    const char *go = srv_field(c, "go");
    if (!form_open(&f, c, token)) {
        form_free(&f);
        return;
    }
    if (!parse_pos(&f, srv_field(c, "at"), &at) || go == NULL) {
        send_page(&f, (pos){P_INTRO, 0, 0}, NULL);
        form_free(&f);
        return;
    }
    f.ret = srv_field(c, "ret") != NULL && at.kind != P_REVIEW;
    read_answers(&f, at);
    go_on(&f, at, go);
    form_free(&f);
}
