/*
 * date_format.c - day-first, month-first and dotted dates rewritten into
 * the ISO text the one date parser reads, and the explanation given for a
 * date that needs a format.  This file only moves digits; the calendar is
 * checked by the parser.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/date_format.h"
#include "export_internal.h"
#include "import_internal.h"
#include "internal.h"

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
static bool digits(const char *s, size_t len, size_t *i, int max, int *v)
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
    if (!digits(s, len, &i, 2, a) || i >= len || s[i++] != sep ||
        !digits(s, len, &i, 2, b) || i >= len || s[i++] != sep) {
        return false;
    }
    size_t y0 = i;
    if (!digits(s, len, &i, 4, y) || i - y0 != 4) {
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
    if (!digits(s, len, &i, 2, &h) || i >= len || s[i++] != ':' ||
        !digits(s, len, &i, 2, &m)) {
        return false;
    }
    if (i < len && s[i] == ':') {
        i++;
        if (!digits(s, len, &i, 2, &sec)) {
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

int cairn_date_format_to_iso(char out[CAIRN_DATE_FORMAT_MAX], const char *s,
                             size_t len, cairn_date_format fmt,
                             cairn_error *err)
{
    int a = 0, b = 0, y = 0;
    const char *time = NULL;
    size_t time_len = 0;
    if (fmt == CAIRN_DATE_ISO) {
        if (len >= CAIRN_DATE_FORMAT_MAX) {
            return cairn_error_set(err, CAIRN_EINVAL, "'%.*s...' is not a date",
                                   20, s);
        }
        snprintf(out, CAIRN_DATE_FORMAT_MAX, "%.*s", (int)len, s);
        return CAIRN_OK;
    }
    char sep = fmt == CAIRN_DATE_DMY_DOT ? '.' : '/';
    if (!split_dmy(s, len, sep, &a, &b, &y, &time, &time_len) ||
        time_len > 8) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "'%.*s' is not written %s", len > 40 ? 40
                                                                    : (int)len,
                               s, cairn_date_format_name(fmt));
    }
    int day = fmt == CAIRN_DATE_MDY ? b : a;
    int month = fmt == CAIRN_DATE_MDY ? a : b;
    snprintf(out, CAIRN_DATE_FORMAT_MAX, "%04d-%02d-%02d%s%.*s", y, month,
             day, time != NULL ? " " : "", (int)time_len,
             time != NULL ? time : "");
    return CAIRN_OK;
}

/* "6 October 2026", or false when month/day cannot be a date. */
static bool reading(char *out, size_t size, int day, int month, int year)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1 || day > mdays[month - 1]) {
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
    char iso[11];
    cairn__export_date(iso, (int32_t)(serial - 25569));
    snprintf(msg, size,
             "'%.*s' is an Excel serial day number (day %ld is %s), not a "
             "date: format the column as a date in the spreadsheet, save "
             "again and import with --date-format DD/MM/YYYY, MM/DD/YYYY or "
             "DD.MM.YYYY as it then shows",
             (int)len, s, serial, iso);
    return true;
}

bool cairn_date_format_explain(char *msg, size_t size, const char *s,
                               size_t len)
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
                 "'%.*s' is not an ISO date (YYYY-MM-DD); it reads as %s: "
                 "import with --date-format DD.MM.YYYY",
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
                 "ways: %s (--date-format DD/MM/YYYY) or %s (--date-format "
                 "MM/DD/YYYY); say which with --date-format",
                 (int)len, s, r1, r2);
    } else if (dmy || mdy) {
        snprintf(msg, size,
                 "'%.*s' is not an ISO date (YYYY-MM-DD); it reads as %s: "
                 "import with --date-format %s",
                 (int)len, s, dmy ? r1 : r2, dmy ? "DD/MM/YYYY" : "MM/DD/YYYY");
    } else {
        return false;
    }
    return true;
}

int cairn__date_add_days(char out[11], const char *iso, int days)
{
    int y = 0, m = 0, d = 0;
    if (sscanf(iso, "%4d-%2d-%2d", &y, &m, &d) != 3) {
        return CAIRN_EINVAL;
    }
    /* days_from_civil (H. Hinnant's algorithm) */
    int yy = m <= 2 ? y - 1 : y;
    long era = (yy >= 0 ? yy : yy - 399) / 400;
    long yoe = yy - era * 400;
    long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long z = era * 146097 + doe - 719468;
    cairn__export_date(out, (int32_t)(z + days));
    return CAIRN_OK;
}
