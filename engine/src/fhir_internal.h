/*
 * fhir_internal.h - what the FHIR export and import share (never
 * installed).
 */
#ifndef CAIRN_FHIR_INTERNAL_H
#define CAIRN_FHIR_INTERNAL_H

#include <jansson.h>

#include "cairn/fhir.h"

/*
 * A name-based UUID ("urn:uuid:..." and NUL, 46 bytes) from SHA-256 of
 * `kind`, `a` and `b`, so the same resource always gets the same id.
 */
void cairn__fhir_uuid(char out[46], const char *kind, const char *a,
                      const char *b);

/* The Questionnaire of `inst` (new reference; `codes` may be NULL). */
json_t *cairn__fhir_questionnaire(const cairn_instrument *inst,
                                  const cairn_codes *codes);

#endif
