/*
 * cairn/error.h - status codes and the caller-owned error record.
 *
 * Every fallible Cairn function returns CAIRN_OK (0) or one of the negative
 * codes below, and, when the caller passes a non-NULL cairn_error, fills it
 * with one line saying what is wrong, where, and the offending value.  The
 * engine never prints; the command decides what a person sees.
 */
#ifndef CAIRN_ERROR_H
#define CAIRN_ERROR_H

#include <stddef.h>

/** Status codes.  Keep cairn_strerror() in step (a test checks it). */
enum cairn_status {
    CAIRN_OK = 0,         /**< success */
    CAIRN_ENOMEM = -1,    /**< out of memory */
    CAIRN_EINVAL = -2,    /**< invalid input data or argument value */
    CAIRN_ENOTFOUND = -3, /**< the thing asked for does not exist */
    CAIRN_EEXISTS = -4,   /**< the thing to create already exists */
    CAIRN_EPARSE = -5,    /**< a file or buffer could not be parsed */
    CAIRN_EIO = -6,       /**< reading or writing a file failed */
    CAIRN_EDB = -7,       /**< the database refused an operation */
    CAIRN_ESTATS = -8,    /**< a statistic could not be computed */
    CAIRN_EREPORT = -9,   /**< a report could not be written */
    CAIRN_ECRYPTO = -10   /**< a cryptographic primitive failed */
};

/** Number of status codes, for tables indexed by -code. */
#define CAIRN_STATUS_COUNT 11

/** Longest message, including the terminating NUL. */
#define CAIRN_ERROR_MAX 512

/**
 * The detail of a failure.  Owned by the caller (usually on the stack);
 * functions only write into it.  `message` is one line without a trailing
 * period.  `path` and `line` locate data errors when known (line 0 = unknown).
 */
typedef struct cairn_error {
    int code;
    char message[CAIRN_ERROR_MAX];
    char path[256];
    long line;
} cairn_error;

/** Initializer for a cleared error record. */
#define CAIRN_ERROR_INIT                                                       \
    {                                                                          \
        0, {0}, {0}, 0                                                         \
    }

/** Static English text for a status code; never NULL. */
const char *cairn_strerror(int code);

/**
 * Fill `err` (if not NULL) with `code` and a printf-style message, and
 * return `code`, so callers can write `return cairn_error_set(err, ...)`.
 */
int cairn_error_set(cairn_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/** Reset `err` (if not NULL) to CAIRN_OK with an empty message. */
void cairn_error_clear(cairn_error *err);

#endif
