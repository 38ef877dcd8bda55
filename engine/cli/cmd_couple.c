/*
 * cmd_couple.c - `cairn couple`: two partners' courses side by side.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static struct {
    const char *client, *instrument, *scale;
    bool json;
} given;

static const cli_opt couple_opts[] = {
    {"client", "CODE", "the client (their linked partner comes too)",
     .str = &given.client},
    {"instrument", "I", "one questionnaire only", .str = &given.instrument},
    {"scale", "S", "a subscale of --instrument", .str = &given.scale},
    {"json", NULL, "one JSON object (README: JSON output)",
     .flag = &given.json},
    {.include = cli_override_opts},
    {.include = cli_time_opts},
    {NULL}};

const cli_command cli_couple_command = {
    .name = "couple",
    .run = cmd_couple,
    .summary = "partners' courses side by side",
    .usage = "cairn couple --client CODE [--instrument I] [--json] "
             "[--scale S]\n"
             "       [--rci-sd [I=]X] [--rci-reliability [I=]R] "
             "[--cutoff [I=]C]\n"
             "       [--time since-first|since-loss] "
             "[--no-improvement-weeks N]",
    .opts = couple_opts,
    .example = "  cairn couple --client SARAH --instrument pgs33\n"
               "  cairn couple --client SARAH --rci-sd epds=5.5 "
               "--rci-reliability epds=0.87\n",
    .help =
        "Puts a client and their linked partner side by side on every\n"
        "questionnaire both have completed: each partner's course, the\n"
        "difference at each pair of assessments taken within 14 days of\n"
        "each other, and a flag when their scores differ by more than a\n"
        "reliable difference or one partner reliably deteriorates while the\n"
        "other reliably improves.  Partners often grieve differently; this\n"
        "shows where.  An override names its instrument (epds=5.5) unless\n"
        "--instrument gives it.\n",
};

static void print_side(const cairn_trend *t, const char *code)
{
    printf("  %-12s n=%-3zu", code, t->n);
    if (t->has_baseline) {
        printf(" %g -> %g", t->baseline.score, t->latest.score);
    }
    if (t->has_rci) {
        printf("  %s", t->rci.category == CAIRN_RC_IMPROVED
                           ? "reliably improved"
                       : t->rci.category == CAIRN_RC_DETERIORATED
                           ? "reliably deteriorated"
                           : "no reliable change");
    }
    printf("\n");
}

static void print_plain(const cairn_couple *c, const cairn_instrument *inst)
{
    const cairn_scale *sc = cairn_instrument_find_scale(inst, c->a->scale);
    printf("\n%s (%s)\n", cairn_instrument_name(inst),
           sc != NULL ? sc->label : c->a->scale);
    print_side(c->a, c->a->client);
    print_side(c->b, c->b->client);
    if (c->n_pairs == 0) {
        printf("  no assessments within 14 days of each other\n");
    }
    for (size_t i = 0; i < c->n_pairs; i++) {
        const cairn_couple_pair *p = &c->pairs[i];
        printf("  %.10s / %.10s  %5g %5g  difference %+g%s\n", p->a->date,
               p->b->date, p->a->score, p->b->score, p->difference,
               p->diverges ? "  beyond a reliable difference" : "");
    }
    if (c->has_reliable_difference) {
        printf("  (a difference of more than %.1f points is reliable)\n",
               c->reliable_difference);
        if (!c->incongruent_judged) {
            printf("  (opposite reliable change not judged: each partner "
                   "needs two scores)\n");
        }
    } else {
        printf("  (divergence not judged: this scale has no published SD "
               "and reliability;\n   give --rci-sd and --rci-reliability)\n");
    }
    if (c->reason[0] != '\0') {
        cli_print_wrapped(stdout, "  !! ", "     ", c->reason);
    }
}

static json_t *pair_json(const cairn_couple *c, const cairn_couple_pair *p)
{
    char da[11], db[11];
    json_t *o = json_object();
    snprintf(da, sizeof da, "%.10s", p->a->date);
    snprintf(db, sizeof db, "%.10s", p->b->date);
    json_object_set_new(o, "date_a", json_string(da));
    json_object_set_new(o, "date_b", json_string(db));
    json_object_set_new(o, "score_a", cli_json_number(p->a->score, 6));
    json_object_set_new(o, "score_b", cli_json_number(p->b->score, 6));
    json_object_set_new(o, "difference", cli_json_number(p->difference, 6));
    json_object_set_new(o, "diverges",
                        c->has_reliable_difference ? json_boolean(p->diverges)
                                                   : json_null());
    return o;
}

static json_t *couple_json(const cairn_couple *c)
{
    json_t *o = json_object(), *pairs = json_array(), *trends = json_array();
    json_object_set_new(o, "instrument", cli_json_str(c->a->instrument));
    json_object_set_new(o, "scale", cli_json_str(c->a->scale));
    json_object_set_new(o, "reliable_difference",
                        c->has_reliable_difference
                            ? cli_json_number(c->reliable_difference, 6)
                            : json_null());
    /* null where it cannot be judged, never false */
    json_object_set_new(o, "diverging",
                        c->diverging_judged ? json_boolean(c->diverging)
                                            : json_null());
    json_object_set_new(o, "incongruent",
                        c->incongruent_judged ? json_boolean(c->incongruent)
                                              : json_null());
    json_object_set_new(o, "reason",
                        cli_json_str(c->reason[0] ? c->reason : NULL));
    for (size_t i = 0; i < c->n_pairs; i++) {
        json_array_append_new(pairs, pair_json(c, &c->pairs[i]));
    }
    json_object_set_new(o, "pairs", pairs);
    json_array_append_new(trends, cli_trend_json(c->a));
    json_array_append_new(trends, cli_trend_json(c->b));
    json_object_set_new(o, "trends", trends);
    return o;
}

static int print_json(const cairn_couple_view *v)
{
    json_t *o = json_object(), *codes = json_array(), *list = json_array();
    json_array_append_new(codes, cli_json_str(v->a->code));
    json_array_append_new(codes, cli_json_str(v->b->code));
    json_object_set_new(o, "couple", codes);
    for (size_t i = 0; i < v->n; i++) {
        json_array_append_new(list, couple_json(v->shared[i].couple));
    }
    json_object_set_new(o, "instruments", list);
    return cli_json_print(o);
}

/* The view's options from the command line: CLI_OK or a usage error. */
static int options(cli_ctx *ctx, cairn_couple_view_options *o,
                   cairn_trend_override *ov)
{
    o->overrides = ov;
    o->instrument = given.instrument;
    return cli_params_many(ctx, "couple", given.instrument, given.scale,
                           &o->trend, ov, &o->n_overrides);
}

int cmd_couple(cli_ctx *ctx, int argc, char **argv)
{
    cairn_trend_override ov[CLI_MAX_OVERRIDES];
    cairn_couple_view_options o = CAIRN_COUPLE_VIEW_OPTIONS_INIT;
    int n = 0;
    int rc = cli_opt_parse("couple", couple_opts, argc, argv, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    if (n > 0) {
        return cli_usage("couple", "couple: unexpected '%s'", argv[0]);
    }
    if (given.client == NULL) {
        return cli_usage("couple", "give --client");
    }
    const cairn_catalog *cat = cli_catalog(ctx);
    if (cat == NULL) {
        return CLI_FAIL;
    }
    rc = options(ctx, &o, ov);
    cairn_store *st = NULL;
    if (rc != CLI_OK) {
        return rc;
    }
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    cairn_couple_view *v = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_couple_view_compute(&v, st, cat, given.client, &o, &err) < 0) {
        rc = cli_fail_couple(&err, given.client);
    } else if (given.json) {
        rc = print_json(v);
    } else {
        printf("Couple %s and %s\n", v->a->code, v->b->code);
        for (size_t i = 0; i < v->n; i++) {
            print_plain(v->shared[i].couple, v->shared[i].instrument);
        }
        if (v->n == 0) {
            printf("  no questionnaire that both partners have completed\n");
        }
    }
    cairn_couple_view_free(v);
    cairn_store_close(st);
    return rc;
}
