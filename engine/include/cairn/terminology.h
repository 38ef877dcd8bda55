/*
 * cairn/terminology.h - the codes other systems know an instrument by.
 *
 * A terminology sidecar, instruments/codes/<code>.codes.json (format in
 * instruments/README.md), names an instrument's LOINC panel, item, answer
 * and score codes where they exist, each group citing its source.  It
 * lives outside the instrument definition, so adding or correcting a code
 * never changes the scoring fingerprint; it has a fingerprint of its own
 * (SHA-256 of its canonical JSON), which FHIR exports record.
 *
 * Everything without an external code is named in the Cairn code system
 * (CAIRN_CODES_SYSTEM): "phq9" for the questionnaire, "phq9.3" for item 3,
 * "phq9.3.2" for option code 2 of item 3, "phq9.total" for a scale and
 * "phq9.total.moderate" for a band.
 *
 *     cairn_terminology *t = NULL;
 *     if (cairn_terminology_load(&t, cat, "instruments/codes", &err) < 0)
 *         fprintf(stderr, "%s\n", err.message);
 *     const cairn_codes *c = cairn_terminology_find(t, "phq9");
 *     const char *total = cairn_codes_scale(c, "total");   -- "44261-6"
 *     cairn_terminology_free(t);
 */
#ifndef CAIRN_TERMINOLOGY_H
#define CAIRN_TERMINOLOGY_H

#include <stdbool.h>
#include <stddef.h>

#include "cairn/catalog.h"
#include "cairn/error.h"

/** The LOINC code system URI. */
#define CAIRN_LOINC_SYSTEM "http://loinc.org"

/** Cairn's own code system (stable; see the header comment). */
#define CAIRN_CODES_SYSTEM "urn:cairn:codes"

/** The codes of one instrument (opaque; borrowed from its terminology). */
typedef struct cairn_codes cairn_codes;

/** The codes of every instrument of a catalog (opaque). */
typedef struct cairn_terminology cairn_terminology;

/**
 * Read every <code>.codes.json in `dir` and check it against `cat`: the
 * instrument, item numbers, option codes and scale ids must exist, LOINC
 * codes must be well formed (with a correct check digit) and every group
 * must cite a source.  A folder that does not exist gives an empty
 * terminology.  `cat` must outlive `*out`.
 * Returns CAIRN_OK, CAIRN_EIO, CAIRN_EPARSE ("codes/phq9.codes.json:3:5:
 * ..."), CAIRN_EINVAL ("codes/phq9.codes.json: items: item 12 is not an
 * item of phq9") or CAIRN_ENOMEM.  On failure `*out` is NULL.
 */
int cairn_terminology_load(cairn_terminology **out, const cairn_catalog *cat,
                           const char *dir, cairn_error *err);

/**
 * Parse one sidecar from `len` bytes at `buf` into `t` (`name` stands for
 * the path in messages), as cairn_terminology_load does for each file.
 * Returns the codes of cairn_terminology_load; CAIRN_EEXISTS when `t`
 * already has codes for that instrument.
 */
int cairn_terminology_parse(cairn_terminology *t, const char *buf, size_t len,
                            const char *name, cairn_error *err);

/** An empty terminology for `cat` (for parse).  CAIRN_OK or ENOMEM. */
int cairn_terminology_new(cairn_terminology **out, const cairn_catalog *cat,
                          cairn_error *err);

/** Free a terminology.  NULL is allowed. */
void cairn_terminology_free(cairn_terminology *t);

/** The codes of instrument `code`, or NULL when it has no sidecar. */
const cairn_codes *cairn_terminology_find(const cairn_terminology *t,
                                          const char *code);

/** "sha256:<64 hex>" of the sidecar's canonical JSON. */
const char *cairn_codes_fingerprint(const cairn_codes *c);

/** The file the codes came from. */
const char *cairn_codes_path(const cairn_codes *c);

/** The LOINC panel of the questionnaire, or NULL.  NULL `c` allowed. */
const char *cairn_codes_panel(const cairn_codes *c);

/** The LOINC question code of item `number`, or NULL. */
const char *cairn_codes_item(const cairn_codes *c, int number);

/** The LOINC answer code of option `code` of item `number`, or NULL. */
const char *cairn_codes_answer(const cairn_codes *c, int number, int code);

/** The LOINC score code of scale `id`, or NULL (never a panel code). */
const char *cairn_codes_scale(const cairn_codes *c, const char *id);

/**
 * Whether `s` is a well-formed LOINC code ("44261-6": 1-7 digits, a dash
 * and the mod-10 check digit LOINC uses).
 */
bool cairn_codes_is_loinc(const char *s);

#endif
