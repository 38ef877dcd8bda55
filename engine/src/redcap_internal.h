/*
 * redcap_internal.h - what redcap.c (import, profiles) and
 * redcap_export.c share.  Never installed.
 */
#ifndef CAIRN_REDCAP_INTERNAL_H
#define CAIRN_REDCAP_INTERNAL_H

#include <stddef.h>

/*
 * A REDCap field or form name from `base` and `suffix` (NULL for none),
 * joined by "_": lowercase letters, digits and underscores, starting with
 * a letter ("f_" is put in front otherwise).  Returns CAIRN_OK or
 * CAIRN_EINVAL when `size` is too small.
 */
int cairn__redcap_field_name(char *out, size_t size, const char *base,
                             const char *suffix);

#endif
