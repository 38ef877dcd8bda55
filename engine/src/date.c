/*
 * date.c - the one date parser and the calendar arithmetic.
 *
 * Everything that reads a date (the store's checks, trends, cohorts,
 * exports, reports, imports) goes through cairn_date_parse, so every
 * module accepts and rejects the same text; a spreadsheet's day/month
 * forms are rewritten into it when the caller names the form.  Conversions use
 * H. Hinnant's days-from-civil and civil-from-days algorithms (proleptic
 * Gregorian).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cairn/date.h"

int64_t cairn_date_days_from_civil(int year, int month, int day)
{
    int64_t y = year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dim[m - 1];
}

/* The time after the date: HH:MM[:SS][Z|z|+HH:MM|-HH:MM], as seconds
 * from midnight UTC. */
static bool parse_time(const char *s, size_t len, int64_t *secs)
{
    int h, mi, sec = 0, oh = 0, om = 0, sign = 0;
    size_t i = 5;
    if (len < 5 || s[2] != ':' || !digits(s, 2, &h) || !digits(s + 3, 2, &mi)) {
        return false;
    }
    if (i + 3 <= len && s[i] == ':') {
        if (!digits(s + i + 1, 2, &sec)) {
            return false;
        }
        i += 3;
    }
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        sign = s[i] == '+' ? 1 : -1;
        if (i + 6 != len || s[i + 3] != ':' || !digits(s + i + 1, 2, &oh) ||
            !digits(s + i + 4, 2, &om) || oh > 14 || om > 59) {
            return false;
        }
        i += 6;
    }
    if (i != len || h > 23 || mi > 59 || sec > 59) {
        return false;
    }
    *secs = h * 3600LL + mi * 60LL + sec - sign * (oh * 3600LL + om * 60LL);
    return true;
}

static int not_a_date(const char *s, size_t len, cairn_error *err)
{
    return cairn_error_set(err, CAIRN_EINVAL, "'%.*s' is not a date",
                           (int)(len < 40 ? len : 40), s ? s : "");
}

/* `v` (0 <= v < 10^width) in `width` digits, then `end`; returns the
 * position after `end`. */
static char *put_digits(char *p, int v, int width, char end)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    p[width] = end;
    return p + width + 1;
}

int cairn_date_parse(cairn_date *out, const char *s, size_t len,
                     cairn_error *err)
{
    int y, m, d;
    int64_t secs = 0;
    memset(out, 0, sizeof *out);
    if (s == NULL || len < 10 || s[4] != '-' || s[7] != '-' ||
        !digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d) ||
        y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) {
        return not_a_date(s, len, err);
    }
    out->has_time = len > 10;
    if (out->has_time && ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
                          !parse_time(s + 11, len - 11, &secs))) {
        return not_a_date(s, len, err);
    }
    out->seconds = cairn_date_days_from_civil(y, m, d) * 86400 + secs;
    int64_t day = out->seconds >= 0 ? out->seconds / 86400
                                    : (out->seconds - 86399) / 86400;
    int rem = (int)(out->seconds - day * 86400);
    civil_from_days(day, &out->year, &out->month, &out->day);
    if (out->year < 1 || out->year > 9999) {
        return not_a_date(s, len, err);
    }
    /* "YYYY-MM-DD" or "YYYY-MM-DDThh:mm:ssZ" digit by digit: every
     * stored row is parsed on every scan, and snprintf was a tenth of a
     * cohort's instructions */
    char *p = out->text;
    p = put_digits(p, out->year, 4, '-');
    p = put_digits(p, out->month, 2, '-');
    p = put_digits(p, out->day, 2, out->has_time ? 'T' : '\0');
    if (out->has_time) {
        p = put_digits(p, rem / 3600, 2, ':');
        p = put_digits(p, rem / 60 % 60, 2, ':');
        p = put_digits(p, rem % 60, 2, 'Z');
        *p = '\0';
    }
    return CAIRN_OK;
}

/* ---- spreadsheets' forms ---- */

static const char *const format_names[] = {
    [CAIRN_DATE_ISO] = "ISO",
    [CAIRN_DATE_DMY] = "DD/MM/YYYY",
    [CAIRN_DATE_MDY] = "MM/DD/YYYY",
    [CAIRN_DATE_DMY_DOT] = "DD.MM.YYYY",
};

static const char *const month_names[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

static bool same_word(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'a' && *a <= 'z' ? (char)(*a - 'a' + 'A') : *a;
        if (x != *b) {
            return false;
        }
    }
    return *a == *b;
}

int cairn_date_format_parse(cairn_date_format *out, const char *name,
                            cairn_error *err)
{
    for (size_t i = 0; i < sizeof format_names / sizeof *format_names; i++) {
        if (same_word(name, format_names[i])) {
            *out = (cairn_date_format)i;
            return CAIRN_OK;
        }
    }
    return cairn_error_set(err, CAIRN_EINVAL,
                           "'%s' is not a date format (DD/MM/YYYY, "
                           "MM/DD/YYYY, DD.MM.YYYY or ISO)",
                           name);
}

const char *cairn_date_format_name(cairn_date_format fmt)
{
    if ((size_t)fmt >= sizeof format_names / sizeof *format_names) {
        return "?";
    }
    return format_names[fmt];
}

/* Up to `max` digits at s[*i] into *v; false when there are none. */
static bool digits_upto(const char *s, size_t len, size_t *i, int max, int *v)
{
    int n = 0;
    *v = 0;
    while (*i < len && n < max && s[*i] >= '0' && s[*i] <= '9') {
        *v = *v * 10 + (s[*i] - '0');
        (*i)++;
        n++;
    }
    return n > 0 && (*i >= len || s[*i] < '0' || s[*i] > '9');
}

/*
 * Split "A<sep>B<sep>YYYY[ HH:MM[:SS]]" into its numbers; `time` points
 * at the time part (or is NULL).  False when the text has another shape.
 */
static bool split_dmy(const char *s, size_t len, char sep, int *a, int *b,
                      int *y, const char **time, size_t *time_len)
{
    size_t i = 0;
    if (!digits_upto(s, len, &i, 2, a) || i >= len || s[i++] != sep ||
        !digits_upto(s, len, &i, 2, b) || i >= len || s[i++] != sep) {
        return false;
    }
    size_t y0 = i;
    if (!digits_upto(s, len, &i, 4, y) || i - y0 != 4) {
        return false;
    }
    *time = NULL;
    *time_len = 0;
    if (i == len) {
        return true;
    }
    if (s[i] != ' ' && s[i] != 'T') {
        return false;
    }
    while (i < len && s[i] == ' ') {
        i++;
    }
    if (i < len && s[i] == 'T') {
        i++;
    }
    size_t t0 = i;
    int h, m, sec;
    if (!digits_upto(s, len, &i, 2, &h) || i >= len || s[i++] != ':' ||
        !digits_upto(s, len, &i, 2, &m)) {
        return false;
    }
    if (i < len && s[i] == ':') {
        i++;
        if (!digits_upto(s, len, &i, 2, &sec)) {
            return false;
        }
    }
    if (i != len) {
        return false;
    }
    *time = s + t0;
    *time_len = len - t0;
    return true;
}

/* Rewrite a DMY/MDY date as "YYYY-MM-DD[ HH:MM[:SS]]" in `out`. */
static int reorder(char out[32], const char *s, size_t len,
                   cairn_date_format fmt, cairn_error *err)
{
    int a = 0, b = 0, y = 0;
    const char *time = NULL;
    size_t time_len = 0;
    char sep = fmt == CAIRN_DATE_DMY_DOT ? '.' : '/';
    if (!split_dmy(s, len, sep, &a, &b, &y, &time, &time_len) || time_len > 8) {
        return cairn_error_set(err, CAIRN_EINVAL, "'%.*s' is not written %s",
                               len > 40 ? 40 : (int)len, s,
                               cairn_date_format_name(fmt));
    }
    int day = fmt == CAIRN_DATE_MDY ? b : a;
    int month = fmt == CAIRN_DATE_MDY ? a : b;
    snprintf(out, 32, "%04d-%02d-%02d%s%.*s", y, month, day,
             time != NULL ? " " : "", (int)time_len, time != NULL ? time : "");
    return CAIRN_OK;
}

int cairn_date_parse_format(cairn_date *out, const char *s, size_t len,
                            cairn_date_format fmt, cairn_error *err)
{
    char iso[32];
    if (fmt == CAIRN_DATE_ISO) {
        return cairn_date_parse(out, s, len, err);
    }
    memset(out, 0, sizeof *out);
    int rc = reorder(iso, s, len, fmt, err);
    if (rc == CAIRN_OK && cairn_date_parse(out, iso, strlen(iso), NULL) < 0) {
        rc = not_a_date(s, len, err);
    }
    return rc;
}

/* "6 October 2026", or false when month/day cannot be a date. */
static bool reading(char *out, size_t size, int day, int month, int year)
{
    if (year < 1 || month < 1 || month > 12 || day < 1 ||
        day > days_in_month(year, month)) {
        return false;
    }
    snprintf(out, size, "%d %s %d", day, month_names[month - 1], year);
    return true;
}

static bool explain_serial(char *msg, size_t size, const char *s, size_t len)
{
    size_t i = 0;
    long serial = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9' && i < 7) {
        serial = serial * 10 + (s[i] - '0');
        i++;
    }
    if (i == 0 || (i < len && s[i] != '.')) {
        return false;
    }
    for (size_t k = i + 1; k < len; k++) {
        if (s[k] < '0' || s[k] > '9') {
            return false;
        }
    }
    /* Excel's day 25569 is 1970-01-01; 1..109574 spans 1900..2199 */
    if (serial < 61 || serial > 109574) {
        return false;
    }
    char iso[CAIRN_DATE_MAX];
    cairn_date_from_days(iso, serial - 25569);
    snprintf(msg, size,
             "'%.*s' is an Excel serial day number (day %ld is %s), not a "
             "date: format the column as a date in the spreadsheet, save "
             "it again and say which date format it then shows",
             (int)len, s, serial, iso);
    return true;
}

bool cairn_date_explain(char *msg, size_t size, const char *s, size_t len)
{
    int a = 0, b = 0, y = 0;
    const char *time = NULL;
    size_t time_len = 0;
    char r1[40], r2[40];
    if (len > 40) {
        return false;
    }
    if (split_dmy(s, len, '.', &a, &b, &y, &time, &time_len)) {
        if (!reading(r1, sizeof r1, a, b, y)) {
            return false;
        }
        snprintf(msg, size,
                 "'%.*s' is not an ISO date (YYYY-MM-DD); it reads as %s "
                 "(DD.MM.YYYY): say which date format the file uses",
                 (int)len, s, r1);
        return true;
    }
    if (!split_dmy(s, len, '/', &a, &b, &y, &time, &time_len)) {
        return explain_serial(msg, size, s, len);
    }
    bool dmy = reading(r1, sizeof r1, a, b, y);
    bool mdy = reading(r2, sizeof r2, b, a, y);
    if (dmy && mdy && a != b) {
        snprintf(msg, size,
                 "'%.*s' is not an ISO date (YYYY-MM-DD) and can be read two "
                 "ways: %s (DD/MM/YYYY) or %s (MM/DD/YYYY); say which date "
                 "format the file uses",
                 (int)len, s, r1, r2);
    } else if (dmy || mdy) {
        snprintf(msg, size,
                 "'%.*s' is not an ISO date (YYYY-MM-DD); it reads as %s "
                 "(%s): say which date format the file uses",
                 (int)len, s, dmy ? r1 : r2, dmy ? "DD/MM/YYYY" : "MM/DD/YYYY");
    } else {
        return false;
    }
    return true;
}

int cairn_date_days(const char *iso, double *days, cairn_error *err)
{
    int y, m, dd;
    /* A plain date, the form every stored row has: the checks of
     * cairn_date_parse() without building its text (a scan calls this
     * once a row). */
    if (iso != NULL && strlen(iso) == 10 && iso[4] == '-' && iso[7] == '-' &&
        digits(iso, 4, &y) && digits(iso + 5, 2, &m) &&
        digits(iso + 8, 2, &dd) && y >= 1 && m >= 1 && m <= 12 && dd >= 1 &&
        dd <= days_in_month(y, m)) {
        *days = (double)cairn_date_days_from_civil(y, m, dd);
        return CAIRN_OK;
    }
    cairn_date d;
    int rc = cairn_date_parse(&d, iso, iso ? strlen(iso) : 0, err);
    if (rc == CAIRN_OK) {
        *days = (double)d.seconds / 86400.0;
    }
    return rc;
}

int cairn_date_days_between(const char *from, const char *to, double *days,
                            cairn_error *err)
{
    double a = 0, b = 0;
    int rc = cairn_date_days(from, &a, err);
    if (rc == CAIRN_OK) {
        rc = cairn_date_days(to, &b, err);
    }
    if (rc == CAIRN_OK) {
        *days = b - a;
    }
    return rc;
}

int cairn_date_weeks_between(const char *from, const char *to, double *weeks,
                             cairn_error *err)
{
    double days = 0;
    int rc = cairn_date_days_between(from, to, &days, err);
    if (rc == CAIRN_OK) {
        *weeks = days / 7.0;
    }
    return rc;
}

int cairn_date_add_weeks(char out[CAIRN_DATE_MAX], const char *iso,
                         double weeks, cairn_error *err)
{
    cairn_date d;
    int rc = cairn_date_parse(&d, iso, iso ? strlen(iso) : 0, err);
    if (rc == CAIRN_OK) {
        int64_t day = cairn_date_days_from_civil(d.year, d.month, d.day);
        cairn_date_from_days(out, day + (int64_t)llround(weeks * 7.0));
    }
    return rc;
}

void cairn_date_from_days(char out[CAIRN_DATE_MAX], int64_t days)
{
    int y, m, d;
    char text[48];
    civil_from_days(days, &y, &m, &d);
    snprintf(text, sizeof text, "%04d-%02d-%02d", y, m, d);
    memcpy(out, text, 11);
    out[10] = '\0';
}

void cairn_date_now(char out[CAIRN_DATE_MAX])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, CAIRN_DATE_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
