/*
 * cairn/instrument.h - questionnaire definitions, loaded from JSON.
 *
 * An instrument definition (instruments/<code>.json, format described in
 * instruments/README.md) holds everything needed to administer and score a
 * questionnaire: items and their response options, scales with bands,
 * missing-data rules, reliable-change parameters and cut-offs, risk items,
 * decision rules and worked examples, each rule naming its source.
 *
 * Loading validates the whole definition; a broken one is refused with a
 * message such as "instruments/phq9.json: item 7: option code 4 has no
 * score".  A loaded instrument is immutable; every pointer returned by the
 * getters below is borrowed and lives as long as the instrument.
 *
 *     cairn_instrument *phq9 = NULL;
 *     cairn_error err = CAIRN_ERROR_INIT;
 *     if (cairn_instrument_load(&phq9, "instruments/phq9.json", &err) < 0)
 *         fprintf(stderr, "%s\n", err.message);
 *     ...
 *     cairn_instrument_free(phq9);
 */
#ifndef CAIRN_INSTRUMENT_H
#define CAIRN_INSTRUMENT_H

#include <stdbool.h>
#include <stddef.h>

#include "cairn/error.h"

/** A loaded, validated instrument definition (opaque). */
typedef struct cairn_instrument cairn_instrument;

/** Longest instrument code, in bytes (a longer one is refused on load). */
#define CAIRN_INSTRUMENT_CODE_MAX 63

/** One response option: the code a person enters and the score it counts. */
typedef struct cairn_option {
    int code;          /**< what is entered (e.g. 0-3 for PHQ-9) */
    double score;      /**< what it counts for in the scales */
    const char *label; /**< what the person sees */
    const char *loinc; /**< LOINC answer code, or NULL */
} cairn_option;

/** How an item is answered. */
typedef enum cairn_item_kind {
    CAIRN_ITEM_CHOICE = 0, /**< one of a list of coded options */
    CAIRN_ITEM_NUMBER = 1  /**< a whole number in [min, max], unscored */
} cairn_item_kind;

/** One questionnaire item. */
typedef struct cairn_item {
    int number;                  /**< 1-based, printed order */
    cairn_item_kind kind;        /**< choice or number */
    const char *label;           /**< short content label, always present */
    const char *text;            /**< verbatim text, or NULL when the
                                      licence does not allow shipping it and
                                      no site text file supplied it */
    const char *loinc;           /**< LOINC question code, or NULL */
    size_t n_options;            /**< choice items: number of options */
    const cairn_option *options; /**< choice items: options, in order */
    int min, max;                /**< number items: allowed range */
} cairn_item;

/** Which end of a scale is the worse one. */
typedef enum cairn_direction {
    CAIRN_HIGHER_IS_WORSE = 0,
    CAIRN_HIGHER_IS_BETTER = 1
} cairn_direction;

/** Which side of a clinical cut-off counts as a case. */
typedef enum cairn_case_when {
    CAIRN_CASE_AT_OR_ABOVE = 0,
    CAIRN_CASE_ABOVE = 1,
    CAIRN_CASE_AT_OR_BELOW = 2,
    CAIRN_CASE_BELOW = 3
} cairn_case_when;

/** A severity band: a labelled, inclusive score range. */
typedef struct cairn_band {
    const char *id;     /**< machine id, e.g. "moderate" */
    const char *label;  /**< for people, e.g. "Moderate depression" */
    double min, max;    /**< inclusive */
    const char *source; /**< citation id(s) or "project policy" */
} cairn_band;

/** A scale: the items it sums and how to read the result. */
typedef struct cairn_scale {
    const char *id;               /**< "total", "active_grief", ... */
    const char *label;            /**< for people */
    size_t n_items;               /**< items summed */
    const int *items;             /**< their numbers */
    double multiplier;            /**< applied after summing (WHO-5 %: 4) */
    double min, max;              /**< possible range after the multiplier */
    cairn_direction direction;    /**< higher is worse, or better */
    int max_missing;              /**< items that may be missing */
    bool prorate;                 /**< missing items take the mean of the
                                       answered ones, total rounded half up */
    const char *missing_source;   /**< source of the missing-data rule */
    size_t n_bands;               /**< 0 when the manual gives no bands */
    const cairn_band *bands;      /**< ascending, covering [min, max] */
    bool has_reliable_change;     /**< SD and reliability are known */
    double rc_sd;                 /**< SD for Jacobson-Truax */
    double rc_reliability;        /**< reliability coefficient */
    const char *rc_kind;          /**< "internal_consistency", ... */
    const char *rc_source;        /**< source of SD and reliability (or of
                                       the published threshold) */
    bool has_rc_points;           /**< a published reliable-change
                                       threshold in points, used when no SD
                                       and reliability are known */
    double rc_points;             /**< a change of at least this many points
                                       is reliable */
    const char *rc_sample;        /**< the sample the values come from, or
                                       NULL */
    bool has_cutoff;              /**< a clinical cut-off is defined */
    double cutoff;                /**< the cut-off score */
    cairn_case_when case_when;    /**< which side is a case */
    const char *cutoff_source;    /**< source of the cut-off */
    bool has_nhstt;               /**< NHS Talking Therapies values known */
    bool nhstt_anxiety;           /**< its anxiety measure (else depression) */
    double nhstt_caseness;        /**< a case at or above this */
    double nhstt_reliable_change; /**< points that count as reliable */
    const char *nhstt_source;     /**< their source */
} cairn_scale;

/** An item whose answer must be brought to a clinician's attention. */
typedef struct cairn_risk_item {
    int item;            /**< item number */
    const char *rule;    /**< the rule in words, e.g. "score >= 1" */
    const char *message; /**< what the clinician is told */
    const char *source;  /**< citation id(s) or "project policy" */
} cairn_risk_item;

/** A decision rule (e.g. the PHQ-9 diagnostic algorithm). */
typedef struct cairn_rule {
    const char *id;     /**< machine id */
    const char *label;  /**< for people */
    const char *text;   /**< the rule in words */
    const char *source; /**< citation id(s) or "project policy" */
} cairn_rule;

/**
 * Load and validate the definition at `path`.  On success `*out` owns a new
 * instrument (free with cairn_instrument_free).  On failure `*out` is NULL
 * and `err` says what is wrong, prefixed with `path` and, for JSON syntax
 * errors, line and column.
 * Returns CAIRN_OK, CAIRN_EIO (unreadable file), CAIRN_EPARSE (not JSON),
 * CAIRN_EINVAL (invalid definition) or CAIRN_ENOMEM.
 */
int cairn_instrument_load(cairn_instrument **out, const char *path,
                          cairn_error *err);

/**
 * Like cairn_instrument_load, from `len` bytes at `buf`; `name` stands for
 * the path in messages.
 */
int cairn_instrument_parse(cairn_instrument **out, const char *buf, size_t len,
                           const char *name, cairn_error *err);

/**
 * Add verbatim item and option texts from a site's text file (format in
 * instruments/README.md), for instruments whose licence keeps the text out
 * of Cairn.  The scoring rules and the fingerprint do not change.
 * Returns CAIRN_OK, CAIRN_EIO, CAIRN_EPARSE, CAIRN_EINVAL (the file names
 * another instrument, an unknown item or the wrong number of options).
 */
int cairn_instrument_add_texts(cairn_instrument *inst, const char *path,
                               cairn_error *err);

/** Free an instrument.  NULL is allowed. */
void cairn_instrument_free(cairn_instrument *inst);

/**
 * Whether the instrument asks about a loss ("about_a_loss": true in the
 * definition: the grief scales), so an administration before the
 * client's loss is unlikely.
 */
bool cairn_instrument_is_about_a_loss(const cairn_instrument *inst);

/** Short code, e.g. "phq9". */
const char *cairn_instrument_code(const cairn_instrument *inst);
/** Full name, e.g. "Patient Health Questionnaire-9". */
const char *cairn_instrument_name(const cairn_instrument *inst);
/** Version of the definition. */
const char *cairn_instrument_version(const cairn_instrument *inst);
/**
 * "sha256:<64 hex>" of the definition's canonical form (jansson's compact
 * text with sorted keys, ASCII only), borrowed from `inst`.  Made on the
 * first call, not when the definition is read, and safe to call from
 * several threads at once; NULL only when memory ran out making it.
 */
const char *cairn_instrument_fingerprint(const cairn_instrument *inst);
/** Instructions shown before the items, or NULL. */
const char *cairn_instrument_instructions(const cairn_instrument *inst);
/** Recall period in words, e.g. "the last 2 weeks". */
const char *cairn_instrument_recall(const cairn_instrument *inst);
/** The licence statement. */
const char *cairn_instrument_licence(const cairn_instrument *inst);
/** Whether verbatim item text may be shipped with Cairn. */
bool cairn_instrument_text_allowed(const cairn_instrument *inst);
/** Where a clinic gets the verbatim form (licence "form"), or NULL. */
const char *cairn_instrument_form(const cairn_instrument *inst);

/** Whether a client can be shown an instrument word for word. */
typedef enum cairn_text_reason {
    CAIRN_TEXT_READY = 0,     /**< every item's text and options */
    CAIRN_TEXT_WITHHELD = 1,  /**< the licence keeps the text out of
                                   Cairn and no site text file gave it */
    CAIRN_TEXT_UNVERIFIED = 2 /**< the definition ships only wording
                                   checked against the form, and some is
                                   missing (no site text file gave it) */
} cairn_text_reason;

/** What cairn_instrument_client_text found. */
typedef struct cairn_client_text {
    cairn_text_reason reason;
    size_t n_missing; /**< items lacking their exact wording */
    char items[256];  /**< those items as "1-10" or "4, 8, 19-33" */
    const char *form; /**< cairn_instrument_form(), may be NULL */
} cairn_client_text;

/**
 * Whether every item of `inst` has its verbatim text and option labels,
 * so that a client can be shown it (a client sees the exact wording or
 * nothing).  Fills `*out` either way.  Texts come from the definition
 * when its licence allows them, else from a site's text file
 * (cairn_instrument_add_texts).
 */
bool cairn_instrument_client_text(const cairn_instrument *inst,
                                  cairn_client_text *out);

/**
 * As cairn_instrument_client_text, as a status: CAIRN_OK, or
 * CAIRN_ENOTFOUND with one line ("epds: the exact wording of items 1-10
 * is not available, so it cannot be shown to a client (its licence keeps
 * the wording out of Cairn)").
 */
int cairn_instrument_check_client_text(const cairn_instrument *inst,
                                       cairn_error *err);

/**
 * Whether some option's code (what is entered) differs from its score,
 * so that a person entering numbers must say which they are (see
 * cairn_entry in cairn/response.h).  Such definitions carry
 * "entry_codes".
 */
bool cairn_instrument_codes_differ(const cairn_instrument *inst);

/** What a position (code) is on this form, or NULL when codes = scores. */
const char *cairn_instrument_entry_positions(const cairn_instrument *inst);

/** What an entered score is on this form, or NULL when codes = scores. */
const char *cairn_instrument_entry_scores(const cairn_instrument *inst);

/** Path or name the definition was loaded from. */
const char *cairn_instrument_path(const cairn_instrument *inst);

/** Number of aliases (other names accepted for the code). */
size_t cairn_instrument_alias_count(const cairn_instrument *inst);
/** Alias `i` (0-based). */
const char *cairn_instrument_alias(const cairn_instrument *inst, size_t i);

/** Number of citations. */
size_t cairn_instrument_citation_count(const cairn_instrument *inst);
/** Citation `i`: its id (through `id`, may be NULL) and its text. */
const char *cairn_instrument_citation(const cairn_instrument *inst, size_t i,
                                      const char **id);

/** Number of items. */
size_t cairn_instrument_item_count(const cairn_instrument *inst);
/** Item at position `i` (0-based, printed order). */
const cairn_item *cairn_instrument_item(const cairn_instrument *inst, size_t i);
/** Item numbered `number`, or NULL. */
const cairn_item *cairn_instrument_find_item(const cairn_instrument *inst,
                                             int number);
/** The option of `item` with `code`, or NULL. */
const cairn_option *cairn_item_find_option(const cairn_item *item, int code);

/** Number of scales (the first is the main one, usually "total"). */
size_t cairn_instrument_scale_count(const cairn_instrument *inst);
/** Scale `i`. */
const cairn_scale *cairn_instrument_scale(const cairn_instrument *inst,
                                          size_t i);
/** Scale with `id`, or NULL. */
const cairn_scale *cairn_instrument_find_scale(const cairn_instrument *inst,
                                               const char *id);
/** The band of `scale` containing `score`, or NULL. */
const cairn_band *cairn_scale_band(const cairn_scale *scale, double score);
/** Whether `score` is a case by the scale's cut-off (false if none). */
bool cairn_scale_is_case(const cairn_scale *scale, double score);

/** Number of risk items. */
size_t cairn_instrument_risk_count(const cairn_instrument *inst);
/** Risk item `i`. */
const cairn_risk_item *cairn_instrument_risk(const cairn_instrument *inst,
                                             size_t i);

/** Number of decision rules. */
size_t cairn_instrument_rule_count(const cairn_instrument *inst);
/** Decision rule `i`. */
const cairn_rule *cairn_instrument_rule(const cairn_instrument *inst, size_t i);

#endif
