/*
 * cmd_instruments.c - `cairn instruments` (list, check) and
 * `cairn instrument show`: what Cairn can score and by which rules.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static bool json;

static const cli_opt list_opts[] = {
    {"json", NULL, "a JSON array (list) or one JSON object (show)",
     .flag = &json},
    {NULL}};

static const cli_sub instruments_subs[] = {{"check", NULL}, {NULL}};
static const cli_sub instrument_subs[] = {{"show", list_opts}, {NULL}};

const cli_command cli_instruments_command = {
    .name = "instruments",
    .run = cmd_instruments,
    .summary = "list instruments, or check definitions",
    .usage = "cairn instruments [--json]\n"
             "       cairn instruments check FILE...",
    .opts = list_opts,
    .subs = instruments_subs,
    .example = "  cairn instruments\n"
               "  cairn instruments check instruments/*.json\n",
    .help = "Lists the questionnaires Cairn can administer and score, with\n"
            "the version and fingerprint of each definition.\n"
            "\n"
            "'check' validates definition files and runs their worked\n"
            "examples; use it after editing a file in instruments/ (format:\n"
            "instruments/README.md).\n",
};

const cli_command cli_instrument_command = {
    .name = "instrument",
    .run = cmd_instrument,
    .summary = "show an instrument's items and rules",
    .usage = "cairn instrument show INSTRUMENT [--json]",
    .subs = instrument_subs,
    .example = "  cairn instrument show gad7\n",
    .help = "Shows an instrument's items with their response codes, and\n"
            "every scoring rule with its source: scales, bands, missing-data\n"
            "rule, reliable-change parameters, cut-offs, risk items, decision\n"
            "rules.\n",
};

static int run_check(int argc, char **argv)
{
    int failed = 0;
    int rc = cli_opt_parse("instruments check", NULL, argc, argv, &argc);
    if (rc != CLI_OK) {
        return rc;
    }
    if (argc < 1) {
        return cli_usage("instruments", "name the definition files to check");
    }
    for (int i = 0; i < argc; i++) {
        cairn_instrument *inst = NULL;
        cairn_error err = CAIRN_ERROR_INIT;
        size_t n = 0;
        if (cairn_instrument_load(&inst, argv[i], &err) < 0 ||
            cairn_score_check_examples(inst, &n, &err) < 0) {
            cli_fail(&err);
            failed++;
        } else {
            printf("ok %s: %s, %zu worked example%s\n", argv[i],
                   cairn_instrument_code(inst), n, n == 1 ? "" : "s");
        }
        cairn_instrument_free(inst);
    }
    return failed ? CLI_FAIL : CLI_OK;
}

/* Indented, as these have always been printed: a definition is read. */
static int print_json(json_t *j)
{
    char *text = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(j);
    if (text == NULL) {
        cli_error("out of memory");
        return CLI_FAIL;
    }
    printf("%s\n", text);
    free(text);
    return CLI_OK;
}

int cmd_instruments(cli_ctx *ctx, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "check") == 0) {
        return run_check(argc - 1, argv + 1);
    }
    int n = 0;
    int rc = cli_opt_parse("instruments", list_opts, argc, argv, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    if (n > 0) {
        return cli_usage("instruments", "instruments: unexpected '%s'",
                         argv[0]);
    }
    const cairn_catalog *cat = cli_catalog(ctx);
    if (cat == NULL) {
        return CLI_FAIL;
    }
    json_t *arr = json ? json_array() : NULL;
    for (size_t i = 0; i < cairn_catalog_count(cat); i++) {
        const cairn_instrument *in = cairn_catalog_get(cat, i);
        if (!json) {
            printf("%-7s %-52s items %2zu  v%s\n", cairn_instrument_code(in),
                   cairn_instrument_name(in), cairn_instrument_item_count(in),
                   cairn_instrument_version(in));
            continue;
        }
        json_t *o = json_object();
        json_t *aliases = json_array();
        for (size_t k = 0; k < cairn_instrument_alias_count(in); k++) {
            json_array_append_new(aliases,
                                  json_string(cairn_instrument_alias(in, k)));
        }
        json_object_set_new(o, "code", json_string(cairn_instrument_code(in)));
        json_object_set_new(o, "aliases", aliases);
        json_object_set_new(o, "name", json_string(cairn_instrument_name(in)));
        json_object_set_new(o, "version",
                            json_string(cairn_instrument_version(in)));
        json_object_set_new(o, "fingerprint",
                            json_string(cairn_instrument_fingerprint(in)));
        json_object_set_new(
            o, "items",
            json_integer((json_int_t)cairn_instrument_item_count(in)));
        json_array_append_new(arr, o);
    }
    return json ? print_json(arr) : CLI_OK;
}

/* ---- show ---- */

static const char *const case_words[] = {"at or above", "above", "at or below",
                                         "below"};

static void show_items(const cairn_instrument *in)
{
    printf("\nItems (enter the code; - leaves an item unanswered):\n");
    for (size_t i = 0; i < cairn_instrument_item_count(in); i++) {
        const cairn_item *it = cairn_instrument_item(in, i);
        printf("  %2d. %s\n", it->number, it->text ? it->text : it->label);
        if (it->kind == CAIRN_ITEM_NUMBER) {
            printf("        a whole number from %d to %d (not scored)\n",
                   it->min, it->max);
            continue;
        }
        for (size_t k = 0; k < it->n_options; k++) {
            const cairn_option *o = &it->options[k];
            printf("        %d = %s (scores ", o->code, o->label);
            cli_print_number(stdout, o->score);
            printf(")\n");
        }
    }
}

static void show_scale(const cairn_scale *s)
{
    printf("\nScale %s: %s\n  items:", s->id, s->label);
    for (size_t k = 0; k < s->n_items; k++) {
        printf(" %d", s->items[k]);
    }
    printf("\n  range ");
    cli_print_number(stdout, s->min);
    printf("-");
    cli_print_number(stdout, s->max);
    printf(", %s", s->direction == CAIRN_HIGHER_IS_WORSE ? "higher is worse"
                                                         : "higher is better");
    if (s->multiplier != 1) {
        printf(", sum x ");
        cli_print_number(stdout, s->multiplier);
    }
    if (s->prorate) {
        printf("\n  missing: up to %d item(s) prorated from the mean of the "
               "answered items [%s]\n",
               s->max_missing, s->missing_source);
    } else {
        printf("\n  missing: no score when any item is missing [%s]\n",
               s->missing_source);
    }
    for (size_t b = 0; b < s->n_bands; b++) {
        const cairn_band *band = &s->bands[b];
        printf("  band %-18s ", band->id);
        cli_print_number(stdout, band->min);
        printf("-");
        cli_print_number(stdout, band->max);
        printf("  %s [%s]\n", band->label, band->source);
    }
    if (s->has_reliable_change) {
        printf("  reliable change: SD %g, reliability %g (%s) [%s]\n", s->rc_sd,
               s->rc_reliability, s->rc_kind, s->rc_source);
    } else if (s->has_rc_points) {
        printf("  reliable change: a change of %g points or more (published "
               "threshold) [%s]\n",
               s->rc_points, s->rc_source);
    } else {
        printf("  reliable change: none published; set them with 'cairn "
               "settings' or give them to 'cairn trend'\n");
    }
    if (s->rc_sample != NULL) {
        printf("    sample: %s\n", s->rc_sample);
    }
    if (s->has_cutoff) {
        printf("  clinical cut-off: a case %s %g [%s]\n",
               case_words[s->case_when], s->cutoff, s->cutoff_source);
    }
}

static void show_plain(const cairn_instrument *in)
{
    printf("%s (%s), definition %s\n", cairn_instrument_name(in),
           cairn_instrument_code(in), cairn_instrument_version(in));
    const char *fp = cairn_instrument_fingerprint(in); /* NULL: no memory */
    printf("fingerprint %s\n", fp != NULL ? fp : "(out of memory)");
    printf("recall period: %s\n", cairn_instrument_recall(in));
    printf("licence: %s\n", cairn_instrument_licence(in));
    if (cairn_instrument_instructions(in) != NULL) {
        printf("instructions: %s\n", cairn_instrument_instructions(in));
    } else if (!cairn_instrument_text_allowed(in)) {
        printf("item text: not shipped (licence); a site with permission "
               "can add it with --texts\n");
    }
    show_items(in);
    for (size_t i = 0; i < cairn_instrument_scale_count(in); i++) {
        show_scale(cairn_instrument_scale(in, i));
    }
    for (size_t i = 0; i < cairn_instrument_risk_count(in); i++) {
        const cairn_risk_item *r = cairn_instrument_risk(in, i);
        printf("\nRisk item %d (%s): %s [%s]\n", r->item, r->rule, r->message,
               r->source);
    }
    for (size_t i = 0; i < cairn_instrument_rule_count(in); i++) {
        const cairn_rule *r = cairn_instrument_rule(in, i);
        printf("\nRule %s: %s\n  %s [%s]\n", r->id, r->label, r->text,
               r->source);
    }
    printf("\nSources:\n");
    for (size_t i = 0; i < cairn_instrument_citation_count(in); i++) {
        const char *id = NULL;
        const char *text = cairn_instrument_citation(in, i, &id);
        printf("  [%s] %s\n", id, text);
    }
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *item_json(const cairn_item *it)
{
    json_t *o = json_object();
    json_object_set_new(o, "number", json_integer(it->number));
    json_object_set_new(o, "label", json_string(it->label));
    json_object_set_new(o, "text", str_or_null(it->text));
    json_object_set_new(o, "loinc", str_or_null(it->loinc));
    if (it->kind == CAIRN_ITEM_NUMBER) {
        json_object_set_new(o, "min", json_integer(it->min));
        json_object_set_new(o, "max", json_integer(it->max));
        return o;
    }
    json_t *opts = json_array();
    for (size_t k = 0; k < it->n_options; k++) {
        json_t *op = json_object();
        json_object_set_new(op, "code", json_integer(it->options[k].code));
        json_object_set_new(op, "score", json_real(it->options[k].score));
        json_object_set_new(op, "label", json_string(it->options[k].label));
        json_array_append_new(opts, op);
    }
    json_object_set_new(o, "options", opts);
    return o;
}

static json_t *scale_json(const cairn_scale *s)
{
    json_t *o = json_object(), *items = json_array(), *bands = json_array();
    json_object_set_new(o, "id", json_string(s->id));
    json_object_set_new(o, "label", json_string(s->label));
    for (size_t k = 0; k < s->n_items; k++) {
        json_array_append_new(items, json_integer(s->items[k]));
    }
    json_object_set_new(o, "items", items);
    json_object_set_new(o, "range", json_pack("[f,f]", s->min, s->max));
    json_object_set_new(o, "direction",
                        json_string(s->direction == CAIRN_HIGHER_IS_WORSE
                                        ? "higher_is_worse"
                                        : "higher_is_better"));
    json_object_set_new(o, "missing",
                        json_pack("{s:i,s:s,s:s}", "max_missing",
                                  s->max_missing, "method",
                                  s->prorate ? "prorate_mean" : "none",
                                  "source", s->missing_source));
    for (size_t b = 0; b < s->n_bands; b++) {
        const cairn_band *x = &s->bands[b];
        json_array_append_new(bands,
                              json_pack("{s:s,s:s,s:f,s:f,s:s}", "id", x->id,
                                        "label", x->label, "min", x->min, "max",
                                        x->max, "source", x->source));
    }
    json_object_set_new(o, "bands", bands);
    json_object_set_new(
        o, "reliable_change",
        s->has_reliable_change
            ? json_pack("{s:f,s:f,s:s,s:n,s:s,s:s*}", "sd", s->rc_sd,
                        "reliability", s->rc_reliability, "reliability_kind",
                        s->rc_kind, "points", "source", s->rc_source, "sample",
                        s->rc_sample)
        : s->has_rc_points
            ? json_pack("{s:n,s:n,s:n,s:f,s:s,s:s*}", "sd", "reliability",
                        "reliability_kind", "points", s->rc_points, "source",
                        s->rc_source, "sample", s->rc_sample)
            : json_null());
    static const char *const whens[] = {"at_or_above", "above", "at_or_below",
                                        "below"};
    json_object_set_new(o, "clinical_cutoff",
                        s->has_cutoff
                            ? json_pack("{s:f,s:s,s:s}", "value", s->cutoff,
                                        "case_when", whens[s->case_when],
                                        "source", s->cutoff_source)
                            : json_null());
    return o;
}

static json_t *show_json(const cairn_instrument *in)
{
    json_t *o = json_object(), *items = json_array(), *scales = json_array(),
           *risks = json_array(), *rules = json_array();
    json_object_set_new(o, "code", json_string(cairn_instrument_code(in)));
    json_object_set_new(o, "name", json_string(cairn_instrument_name(in)));
    json_object_set_new(o, "version",
                        json_string(cairn_instrument_version(in)));
    json_object_set_new(o, "fingerprint",
                        json_string(cairn_instrument_fingerprint(in)));
    json_object_set_new(o, "recall_period",
                        json_string(cairn_instrument_recall(in)));
    json_object_set_new(o, "instructions",
                        str_or_null(cairn_instrument_instructions(in)));
    for (size_t i = 0; i < cairn_instrument_item_count(in); i++) {
        json_array_append_new(items, item_json(cairn_instrument_item(in, i)));
    }
    json_object_set_new(o, "items", items);
    for (size_t i = 0; i < cairn_instrument_scale_count(in); i++) {
        json_array_append_new(scales,
                              scale_json(cairn_instrument_scale(in, i)));
    }
    json_object_set_new(o, "scales", scales);
    for (size_t i = 0; i < cairn_instrument_risk_count(in); i++) {
        const cairn_risk_item *r = cairn_instrument_risk(in, i);
        json_array_append_new(risks,
                              json_pack("{s:i,s:s,s:s,s:s}", "item", r->item,
                                        "rule", r->rule, "message", r->message,
                                        "source", r->source));
    }
    json_object_set_new(o, "risk_items", risks);
    for (size_t i = 0; i < cairn_instrument_rule_count(in); i++) {
        const cairn_rule *r = cairn_instrument_rule(in, i);
        json_array_append_new(rules, json_pack("{s:s,s:s,s:s,s:s}", "id", r->id,
                                               "label", r->label, "text",
                                               r->text, "source", r->source));
    }
    json_object_set_new(o, "decision_rules", rules);
    return o;
}

int cmd_instrument(cli_ctx *ctx, int argc, char **argv)
{
    const cli_sub *sub = NULL;
    int n = 0;
    int rc = cli_sub_parse("instrument", instrument_subs, argc, argv, &sub, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    if (n != 1) {
        return cli_usage("instrument", "name the one instrument to show");
    }
    const cairn_instrument *in = cli_instrument(ctx, argv[0]);
    if (in == NULL) {
        return CLI_FAIL;
    }
    if (json) {
        return print_json(show_json(in));
    }
    show_plain(in);
    return CLI_OK;
}
