/*
 * definition_entry.c - what a clinician types for an instrument whose
 * entry codes are not its item scores.
 *
 * On some paper forms (EPDS, PGS-33, CES-D) the code of an answer is its
 * position on the form while the score depends on the item: EPDS item 10's
 * top answer scores 3.  A clinician copying a form may type either, and
 * the two give different totals, so such a definition must say, in
 * "entry_codes", what each kind of number means on its form; the command
 * then asks which one is being entered.  The loader keeps the mark honest:
 * it is required exactly when some option's code differs from its score,
 * and then each item's scores must name one option each.
 */
#include <math.h>
#include <string.h>

#include "instrument_internal.h"

static bool codes_differ(const cairn_instrument *inst)
{
    for (size_t i = 0; i < inst->n_items; i++) {
        const cairn_item *it = &inst->items[i];
        for (size_t k = 0; k < it->n_options; k++) {
            if ((double)it->options[k].code != it->options[k].score) {
                return true;
            }
        }
    }
    return false;
}

/* Each item's scores are whole numbers, none used twice. */
static int check_scores(parser *p)
{
    for (size_t i = 0; i < p->inst->n_items; i++) {
        const cairn_item *it = &p->inst->items[i];
        for (size_t k = 0; k < it->n_options; k++) {
            double s = it->options[k].score;
            if (s != floor(s) || fabs(s) > 1e6) {
                return cairn__def_bad(p,
                                      "entry_codes: item %d: score %g is not "
                                      "a whole number, so it cannot be "
                                      "entered",
                                      it->number, s);
            }
            for (size_t j = 0; j < k; j++) {
                if (it->options[j].score == s) {
                    return cairn__def_bad(p,
                                          "entry_codes: item %d: two options "
                                          "score %g, so an entered score "
                                          "cannot name one",
                                          it->number, s);
                }
            }
        }
    }
    return CAIRN_OK;
}

int cairn__def_parse_entry(parser *p, json_t *entry)
{
    static const char *const keys[] = {"positions", "scores", "note", NULL};
    bool differ = codes_differ(p->inst);
    if (entry == NULL && differ) {
        return cairn__def_bad(p, "some option codes differ from their scores, "
                                 "so 'entry_codes' must say what a position "
                                 "and a score are on the form");
    }
    if (entry == NULL) {
        return CAIRN_OK;
    }
    if (!differ) {
        return cairn__def_bad(p, "'entry_codes' is only for instruments whose "
                                 "option codes differ from their scores");
    }
    int rc = cairn__def_want_object(p, entry, "", "'entry_codes'");
    if (rc == 0) {
        rc = cairn__def_check_keys(p, entry, "entry_codes: ", keys);
    }
    if (rc == 0) {
        rc = cairn__def_get_string(p, entry, "positions", "entry_codes: ", true,
                                   &p->inst->entry_positions);
    }
    if (rc == 0) {
        rc = cairn__def_get_string(p, entry, "scores", "entry_codes: ", true,
                                   &p->inst->entry_scores);
    }
    if (rc == 0) {
        rc = check_scores(p);
    }
    return rc;
}
