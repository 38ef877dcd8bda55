/*
 * cairn/date.h - calendar dates and UTC times: the one parser and the
 * arithmetic every module uses (days between, weeks since, adding weeks).
 *
 * Accepted forms: "YYYY-MM-DD", and a date with a time
 * "YYYY-MM-DDTHH:MM[:SS]" (T, t or a space between) followed by Z, an
 * offset +HH:MM / -HH:MM, or nothing (UTC).  Spreadsheets' forms are read
 * only when the caller names one (cairn_date_parse_format): "06/10/2026"
 * is 6 October in most of the world and June 10 in the United States,
 * and nothing in the text says which.  A parsed value is normalized
 * to "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" (UTC), the forms the store
 * keeps.  Days count from 1970-01-01 in the proleptic Gregorian calendar
 * (H. Hinnant's civil-from-days algorithms).
 *
 *     double w = 0;
 *     if (cairn_date_weeks_between("2026-01-05", "2026-02-02", &w, &err) == 0)
 *         ... w is 4.0
 */
#ifndef CAIRN_DATE_H
#define CAIRN_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/error.h"

/** Room for a normalized date or date-time and its NUL. */
#define CAIRN_DATE_MAX 21

/** A parsed date or date-time. */
typedef struct cairn_date {
    int64_t seconds;           /**< since 1970-01-01T00:00:00Z */
    int year, month, day;      /**< the UTC calendar date */
    bool has_time;             /**< a time was given */
    char text[CAIRN_DATE_MAX]; /**< normalized (see above) */
} cairn_date;

/**
 * Parse the `len` bytes at `s` as a date or date-time in one of the
 * accepted forms (years 0001..9999).
 * Returns CAIRN_OK or CAIRN_EINVAL ("'2026-02-30' is not a date").
 */
int cairn_date_parse(cairn_date *out, const char *s, size_t len,
                     cairn_error *err);

/** How the dates of a file are written. */
typedef enum cairn_date_format {
    CAIRN_DATE_ISO = 0,    /**< the accepted forms above, only */
    CAIRN_DATE_DMY = 1,    /**< DD/MM/YYYY [HH:MM[:SS]] */
    CAIRN_DATE_MDY = 2,    /**< MM/DD/YYYY [HH:MM[:SS]] */
    CAIRN_DATE_DMY_DOT = 3 /**< DD.MM.YYYY [HH:MM[:SS]] */
} cairn_date_format;

/**
 * Read a format name ("DD/MM/YYYY", "MM/DD/YYYY", "DD.MM.YYYY" or "ISO",
 * without case) into `*out`.
 * Returns CAIRN_OK or CAIRN_EINVAL naming the accepted formats.
 */
int cairn_date_format_parse(cairn_date_format *out, const char *name,
                            cairn_error *err);

/** The name of a format ("DD/MM/YYYY"); never NULL. */
const char *cairn_date_format_name(cairn_date_format fmt);

/**
 * Parse the `len` bytes at `s` written in `fmt` (day and month may have
 * one digit, the year has four; a time HH:MM[:SS] after a space or T is
 * UTC), as cairn_date_parse does for CAIRN_DATE_ISO.
 * Returns CAIRN_OK or CAIRN_EINVAL ("'6-10-2026' is not written
 * DD/MM/YYYY", "'31/02/2026' is not a date").
 */
int cairn_date_parse_format(cairn_date *out, const char *s, size_t len,
                            cairn_date_format fmt, cairn_error *err);

/**
 * Explain why the `len` bytes at `s` are not read as an ISO date when
 * they look like another kind of date, into `msg` (`size` bytes): a
 * day/month date (both readings when both are possible, else the one
 * that is) or an Excel serial day number (with the date it stands for).
 * Returns true when `msg` was written, false when the text looks like no
 * date at all.
 */
bool cairn_date_explain(char *msg, size_t size, const char *s, size_t len);

/**
 * Days since 1970-01-01 of the NUL-terminated date `iso`, with a time as
 * a fraction of a day.  Returns CAIRN_OK or CAIRN_EINVAL.
 */
int cairn_date_days(const char *iso, double *days, cairn_error *err);

/**
 * Days from `from` to `to` (negative when `to` is earlier), with times as
 * fractions.  Returns CAIRN_OK or CAIRN_EINVAL (either is not a date).
 */
int cairn_date_days_between(const char *from, const char *to, double *days,
                            cairn_error *err);

/** The same in weeks (days / 7).  Returns CAIRN_OK or CAIRN_EINVAL. */
int cairn_date_weeks_between(const char *from, const char *to, double *weeks,
                             cairn_error *err);

/**
 * The calendar date `weeks` weeks (rounded to whole days) after the date
 * part of `iso`, as "YYYY-MM-DD" in `out`.
 * Returns CAIRN_OK or CAIRN_EINVAL.
 */
int cairn_date_add_weeks(char out[CAIRN_DATE_MAX], const char *iso,
                         double weeks, cairn_error *err);

/** "YYYY-MM-DD" of day `days` since 1970-01-01 into `out`. */
void cairn_date_from_days(char out[CAIRN_DATE_MAX], int64_t days);

/** Days since 1970-01-01 of a valid calendar date. */
int64_t cairn_date_days_from_civil(int year, int month, int day);

/** The current UTC time as "YYYY-MM-DDTHH:MM:SSZ" into `out`. */
void cairn_date_now(char out[CAIRN_DATE_MAX]);

#endif
