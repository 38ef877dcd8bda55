/*
 * cairn/settings.h - the clinic's own parameters and texts, kept in the
 * store.
 *
 * A clinic sets once the values it uses in place of a definition's
 * published ones (populations differ) and the words its clients see.
 * Every change is a new row (nothing is overwritten or deleted) with an
 * audit entry; the latest row per key is the value in force, and an
 * "unset" row returns the key to the definition's value.
 *
 * Keys, and the type of their values:
 *
 *   INSTRUMENT.SCALE.rci_sd            number > 0   reliable-change SD
 *   INSTRUMENT.SCALE.rci_reliability   0 < r < 1    its reliability
 *   INSTRUMENT.SCALE.cutoff            number       clinical cut-off
 *   INSTRUMENT.SCALE.clinical_mean     number       Jacobson-Truax
 *   INSTRUMENT.SCALE.clinical_sd       number > 0   criterion c: mean and
 *   INSTRUMENT.SCALE.normal_mean       number       SD of a clinical and
 *   INSTRUMENT.SCALE.normal_sd         number > 0   of a normal sample
 *   INSTRUMENT.no_improvement_weeks    number > 0   alert window
 *   INSTRUMENT.min_clients             whole >= 2   growth-model minimum
 *   alerts.no_improvement_weeks        number > 0   clinic-wide window
 *   model.min_clients                  whole >= 2   clinic-wide minimum
 *   clinic.name                        text         the clinic's name
 *   client.crisis_message              text         shown to a client who
 *                                                   endorses a risk item:
 *                                                   the clinic's own words
 *                                                   and crisis contacts
 *   fhir.system                        text         the clinic's FHIR
 *                                                   identifier system (a
 *                                                   URI, cairn/fhir.h)
 *
 * INSTRUMENT is an instrument code and SCALE one of its scale ids, as
 * the catalog knows them.  Command-line overrides win over a setting for
 * one run; a setting wins over the definition.
 *
 *     char *msg = NULL;
 *     int rc = cairn_settings_get_text(st, "client.crisis_message", &msg,
 *                                      &err);
 *     if (rc == CAIRN_OK) { show(msg); free(msg); }
 *     else if (rc == CAIRN_ENOTFOUND) { show(default_words); }
 */
#ifndef CAIRN_SETTINGS_H
#define CAIRN_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "cairn/catalog.h"
#include "cairn/error.h"
#include "cairn/store.h"

/** Longest setting key and text value, in bytes. */
#define CAIRN_SETTING_KEY_MAX 96
#define CAIRN_SETTING_TEXT_MAX 2000

/** What a setting holds. */
typedef enum cairn_setting_type {
    CAIRN_SETTING_NUMBER = 0, /**< a finite number */
    CAIRN_SETTING_TEXT = 1    /**< printable text, newlines allowed */
} cairn_setting_type;

/** One setting in force. */
typedef struct cairn_setting {
    const char *key; /**< e.g. "gad7.total.rci_sd" */
    cairn_setting_type type;
    double number;      /**< NUMBER settings */
    const char *text;   /**< the value as stored (both types) */
    const char *set_by; /**< who set it */
    const char *set_at; /**< when (UTC) */
} cairn_setting;

/** The settings in force, sorted by key (strcmp order). */
typedef struct cairn_settings {
    size_t n;
    cairn_setting *items;
} cairn_settings;

/**
 * Whether `key` names a setting and, if so, its type (`type` may be
 * NULL).  Scale and instrument keys are checked against `cat`; with `cat`
 * NULL any instrument code and scale id of the right form is accepted.
 * Returns CAIRN_OK or CAIRN_EINVAL ("'phq9.totl.rci_sd': phq9 has no scale
 * 'totl'").
 */
int cairn_settings_check_key(const char *key, const cairn_catalog *cat,
                             cairn_setting_type *type, cairn_error *err);

/**
 * Set `key` to `value` (text; a number for NUMBER keys), audited as
 * "setting.set" with the value it replaced.  Setting the value already
 * in force writes nothing.
 * Returns CAIRN_OK, CAIRN_EINVAL (unknown key, or a value that is not a
 * number, out of range or not clean text: "gad7.total.rci_reliability:
 * 1.2 must be between 0 and 1"), CAIRN_EDB or CAIRN_ENOMEM.
 */
int cairn_settings_set(cairn_store *st, const cairn_catalog *cat,
                       const char *key, const char *value, cairn_error *err);

/**
 * Return `key` to its default (the definition's value, or none), audited
 * as "setting.unset".
 * Returns CAIRN_OK, CAIRN_ENOTFOUND ("'gad7.total.rci_sd' is not set"),
 * CAIRN_EINVAL (not a key), CAIRN_EDB or CAIRN_ENOMEM.
 */
int cairn_settings_unset(cairn_store *st, const cairn_catalog *cat,
                         const char *key, cairn_error *err);

/**
 * Every setting in force.  `*out` is owned by the caller (free with
 * cairn_settings_free); a store too old to hold settings gives an empty
 * list.  Returns CAIRN_OK, CAIRN_EDB or CAIRN_ENOMEM.
 */
int cairn_settings_list(cairn_settings **out, cairn_store *st,
                        cairn_error *err);

/** Free a settings list.  NULL is allowed. */
void cairn_settings_free(cairn_settings *s);

/** The setting `key` in `s` (NULL allowed), or NULL when not set. */
const cairn_setting *cairn_settings_find(const cairn_settings *s,
                                         const char *key);

/**
 * The number set for `key` in `s` into `*out`; false (and `*out`
 * untouched) when not set or not a number.
 */
bool cairn_settings_number(const cairn_settings *s, const char *key,
                           double *out);

/**
 * The number set for INSTRUMENT.SCALE.NAME (`scale` NULL:
 * INSTRUMENT.NAME), or false.
 */
bool cairn_settings_scale_number(const cairn_settings *s,
                                 const char *instrument, const char *scale,
                                 const char *name, double *out);

/**
 * The text of `key` read straight from the store: `*out` is a malloc'd
 * copy (free with free()).
 * Returns CAIRN_OK, CAIRN_ENOTFOUND (not set), CAIRN_EDB or CAIRN_ENOMEM.
 */
int cairn_settings_get_text(cairn_store *st, const char *key, char **out,
                            cairn_error *err);

/**
 * The number of `key` read straight from the store.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND (not set), CAIRN_EINVAL (a text key),
 * CAIRN_EDB or CAIRN_ENOMEM.
 */
int cairn_settings_get_number(cairn_store *st, const char *key, double *out,
                              cairn_error *err);

#endif
