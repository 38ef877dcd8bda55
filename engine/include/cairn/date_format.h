/*
 * cairn/date_format.h - dates as spreadsheets write them: day-first,
 * month-first and dotted forms, rewritten into the ISO form the one date
 * parser reads, and an explanation of a date that is not ISO.
 *
 * "06/10/2026" is 6 October in most of the world and June 10 in the
 * United States; nothing in the text says which, so a non-ISO date is
 * read only when the person names its format.
 *
 *     char iso[CAIRN_DATE_FORMAT_MAX];
 *     if (cairn_date_format_to_iso(iso, "06/10/2026 14:30", 16,
 *                                  CAIRN_DATE_DMY, &err) == 0)
 *         ... iso is "2026-10-06 14:30"
 */
#ifndef CAIRN_DATE_FORMAT_H
#define CAIRN_DATE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "cairn/error.h"

/** Room for a rewritten date (ISO with an offset) and its NUL. */
#define CAIRN_DATE_FORMAT_MAX 32

/** How the dates of a file are written. */
typedef enum cairn_date_format {
    CAIRN_DATE_ISO = 0,    /**< YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM] only */
    CAIRN_DATE_DMY = 1,    /**< DD/MM/YYYY [HH:MM[:SS]] */
    CAIRN_DATE_MDY = 2,    /**< MM/DD/YYYY [HH:MM[:SS]] */
    CAIRN_DATE_DMY_DOT = 3 /**< DD.MM.YYYY [HH:MM[:SS]] */
} cairn_date_format;

/**
 * Read a format name ("DD/MM/YYYY", "MM/DD/YYYY", "DD.MM.YYYY" or
 * "ISO", without case) into `*out`.
 * Returns CAIRN_OK or CAIRN_EINVAL naming the accepted formats.
 */
int cairn_date_format_parse(cairn_date_format *out, const char *name,
                            cairn_error *err);

/** The name of a format ("DD/MM/YYYY"); never NULL. */
const char *cairn_date_format_name(cairn_date_format fmt);

/**
 * Rewrite the `len` bytes at `s`, written in `fmt`, as "YYYY-MM-DD" or
 * "YYYY-MM-DD HH:MM[:SS]" into `out` (day and month may have one digit;
 * the year has four).  The result still goes through the date parser,
 * which checks the calendar.  For CAIRN_DATE_ISO the text is copied.
 * Returns CAIRN_OK or CAIRN_EINVAL ("'6-10-2026' is not written
 * DD/MM/YYYY").
 */
int cairn_date_format_to_iso(char out[CAIRN_DATE_FORMAT_MAX], const char *s,
                             size_t len, cairn_date_format fmt,
                             cairn_error *err);

/**
 * Explain why the `len` bytes at `s` are not read as a date without a
 * format, into `msg` (`size` bytes), when they look like one: a
 * day/month date (naming both readings when both are possible, or the
 * one that is) or an Excel serial number (with the date it stands for).
 * The explanation names the --date-format option.  Returns true when
 * `msg` was written, false when the text looks like no date at all.
 */
bool cairn_date_format_explain(char *msg, size_t size, const char *s,
                               size_t len);

#endif
