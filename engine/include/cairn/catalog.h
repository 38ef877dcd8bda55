/*
 * cairn/catalog.h - the set of instrument definitions Cairn knows.
 *
 * A catalog is loaded from one directory of definitions (*.json).  Every
 * file must validate, codes and aliases must be unique (compared without
 * case, ignoring '-', '_' and spaces, so "PHQ-9" finds "phq9").
 */
#ifndef CAIRN_CATALOG_H
#define CAIRN_CATALOG_H

#include <stddef.h>

#include "cairn/error.h"
#include "cairn/instrument.h"

/** A loaded set of instruments (opaque). */
typedef struct cairn_catalog cairn_catalog;

/**
 * Load every *.json in `dir`, sorted by code.  When `texts_dir` is not
 * NULL, a file `<texts_dir>/<code>.texts.json` adds the site's verbatim
 * texts to that instrument (see cairn_instrument_add_texts).
 * Returns CAIRN_OK, CAIRN_EIO (unreadable directory), CAIRN_ENOTFOUND (no
 * definitions, or `texts_dir` is not a folder), CAIRN_EEXISTS (a code or alias
 * used twice) or any error of cairn_instrument_load.
 */
int cairn_catalog_load(cairn_catalog **out, const char *dir,
                       const char *texts_dir, cairn_error *err);

/**
 * Load only the definitions of `names` (codes or aliases, `n_names` of
 * them), each from the file named after it in `dir` ("PHQ-9" from
 * phq9.json: the name as cairn_catalog_find compares it), when that file
 * loads and holds it; otherwise, or with no names, every definition, as
 * cairn_catalog_load (so its errors, and the known names of an unknown
 * one, are the whole folder's).  A command that needs a few instruments
 * (`cairn export` needs those the store holds) is spared reading them
 * all; a broken definition it does not read is not reported here, but
 * by cairn_catalog_load (`cairn instruments`, every other command).
 * Returns what cairn_catalog_load returns.
 */
int cairn_catalog_load_named(cairn_catalog **out, const char *dir,
                             const char *texts_dir, const char *const *names,
                             size_t n_names, cairn_error *err);

/** Free a catalog and its instruments.  NULL is allowed. */
void cairn_catalog_free(cairn_catalog *cat);

/** Number of instruments. */
size_t cairn_catalog_count(const cairn_catalog *cat);

/** Instrument `i` (sorted by code), borrowed from the catalog. */
const cairn_instrument *cairn_catalog_get(const cairn_catalog *cat, size_t i);

/**
 * Why `inst` (an instrument of `cat`) may not be used, or NULL when it
 * may: every definition's worked examples are run when the catalog is
 * loaded, and one whose examples fail is refused, e.g.
 * "instruments/phq9.json: example 1: scale total: expected band moderate,
 * got mild".  Borrowed from the catalog.
 */
const char *cairn_catalog_refusal(const cairn_catalog *cat,
                                  const cairn_instrument *inst);

/**
 * Find the instrument whose code or alias matches `name`.  `*out` is
 * borrowed from the catalog.
 * Returns CAIRN_OK, CAIRN_ENOTFOUND ("unknown instrument 'phq10'
 * (known: ...)") or CAIRN_EINVAL (its worked examples fail; the message
 * is cairn_catalog_refusal's).  Every command that scores finds its
 * instrument here, so a definition with stale examples scores nothing.
 */
int cairn_catalog_find(const cairn_instrument **out, const cairn_catalog *cat,
                       const char *name, cairn_error *err);

#endif
