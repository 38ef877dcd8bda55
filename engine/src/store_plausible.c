/*
 * store_plausible.c - dates that cannot be true, or are only unlikely,
 * for a client: an assessment before the year the client was born is
 * refused; one of a grief scale ("about_a_loss") before the client's loss
 * is allowed with a warning naming the date and the rule.  Dates in the
 * future beyond a day's clock skew are refused where they are parsed
 * (store.c); a loss before the birth year where the client is checked.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/date.h"
#include "store_db.h"

int cairn__store_client_dates(cairn_store *st, int64_t id,
                              cairn__client_dates *out, cairn_error *err)
{
    sqlite3_stmt *s = NULL;
    if (out->id == id && id != 0) {
        return CAIRN_OK; /* cached */
    }
    memset(out, 0, sizeof *out);
    int rc = cairn__store_prep(st, ST_CLIENT_DATES,
                               "SELECT birth_year, loss_date FROM client"
                               " WHERE id = ?",
                               &s, err);
    if (rc < 0) {
        return rc;
    }
    sqlite3_bind_int64(s, 1, id);
    int step = sqlite3_step(s);
    /* a client not stored yet (created by this batch) has no dates */
    out->id = id;
    if (step == SQLITE_ROW) {
        out->birth_year = sqlite3_column_int(s, 0);
        snprintf(out->loss, sizeof out->loss, "%s",
                 cairn__store_col_text(s, 1) ? cairn__store_col_text(s, 1)
                                             : "");
    } else if (step != SQLITE_DONE) {
        out->id = 0;
        rc = cairn__store_dberr(st, err);
    }
    sqlite3_reset(s);
    return rc;
}

int cairn__store_date_plausible(const cairn__client_dates *c, const char *date,
                                const cairn_instrument *inst, char *warning,
                                size_t size, cairn_error *err)
{
    if (warning != NULL && size > 0) {
        warning[0] = '\0';
    }
    long year = 0;
    if (c->birth_year == 0 && c->loss[0] == '\0') {
        return CAIRN_OK; /* nothing to be before (most clients) */
    }
    if (strlen(date) < 4 || cairn__util_parse_int(date, 4, &year) != 0) {
        return CAIRN_OK; /* normalized dates only reach here */
    }
    if (c->birth_year != 0 && year < c->birth_year) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "date %.20s is before the client was born "
                               "(birth year %d)",
                               date, c->birth_year);
    }
    if (c->loss[0] != '\0' && cairn_instrument_is_about_a_loss(inst) &&
        strncmp(date, c->loss, 10) < 0 && warning != NULL) {
        double days = 0;
        cairn_date_days_between(date, c->loss, &days, NULL);
        snprintf(warning, size,
                 "%s dated %.20s, %.0f days before the client's loss on "
                 "%.10s: it asks about the loss, so check the date",
                 cairn_instrument_code(inst), date, days, c->loss);
    }
    return CAIRN_OK;
}
