/*
 * page_client.h - what the client page (page_client.c), its forms
 * (page_entry.c) and the couple page (page_couple.c) share: one client's
 * data read once per request, and the frame of a dashboard page.
 * Never installed; the server's files only.
 */
#ifndef CAIRN_PAGE_CLIENT_H
#define CAIRN_PAGE_CLIENT_H

#include "cairn/caseload.h"
#include "server_internal.h"

/** One client's page data, for one request. */
typedef struct srv_view {
    srv_ctx *c;
    cairn_client *client;              /**< owned */
    cairn_caseload *cl;                /**< this client's trends (owned) */
    const cairn_caseload_entry *entry; /**< borrowed from cl */
    cairn_event_list *events;          /**< with the loss's markers (owned) */
    cairn_assessment_list *all;        /**< every version (owned) */
    char *clinic;                      /**< the clinic.name setting, or NULL */
    bool since_loss;                   /**< ?time=since-loss */
    char today[11];
    const cairn_instrument *sub_inst; /**< ?scale=INSTRUMENT.SCALE: the
                                           questionnaire charted on */
    const cairn_scale *sub_scale;     /**< another of its scales, */
    cairn_caseload *sub;              /**< whose trend this is (owned) */
} srv_view;

/* The client `code` if the logged-in person may see them (0), else a 404
 * page already made (-1).  `*out` is freed with cairn_store_client_free. */
int srv_view_client(srv_ctx *c, const char *code, cairn_client **out);
/* Read everything the client page shows, and audit the view: 0, or -1
 * with the error page made (v is then empty). */
int srv_view_load(srv_view *v, srv_ctx *c, const char *code);
void srv_view_free(srv_view *v);
/* The client page; `notice` (may be NULL) is said at the top. */
void srv_client_page(srv_ctx *c, srv_view *v, int status, const char *notice);
/* The clinic's expectation for instrument `code` in `cl`, or NULL. */
const cairn_expectation *srv_view_expectation(const cairn_caseload *cl,
                                              const char *code);

/* A dashboard page's start: the skeleton, the print header (Confidential,
 * the clinic, the date) and the navigation bar. */
void srv_dash_begin(srv_ctx *c, srv_buf *b, const char *title,
                    const char *clinic, const char *today);
/* The line printed at the top of each printed page: "Confidential", the
 * clinic, `who` (may be NULL) and the date; shown only in print. */
void srv_print_head(srv_buf *b, const char *clinic, const char *today,
                    const char *who);
/* The calendar / since-the-loss switch as two links to `base_href`. */
void srv_axis_switch(srv_buf *b, const char *base_href, bool since_loss,
                     const char *scale);
/* "/client/<code>", escaped. */
void srv_client_href(srv_buf *b, const char *code);
/* The request's date, "YYYY-MM-DD" (UTC). */
void srv_today(const srv_ctx *c, char out[11]);
/* A questionnaire's short name for headings ("PHQ-9"). */
const char *srv_short_name(const cairn_instrument *inst);

/* Routes (security.c): GET and POST /client/<code>, GET /couple/<code>. */
void srv_client_get(srv_ctx *c, const char *code);
void srv_client_post(srv_ctx *c, const char *code);
void srv_couple_get(srv_ctx *c, const char *code);

#endif
