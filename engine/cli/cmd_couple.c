/*
 * cmd_couple.c - `cairn couple`: two partners' courses side by side.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const cli_command cli_couple_command = {
    "couple",
    cmd_couple,
    "partners' courses side by side",
    "cairn couple --client CODE [--instrument I] [--json] [--scale S]\n"
    "       [--rci-sd X] [--rci-reliability R] [--time since-loss]",
    "Puts a client and their linked partner side by side on every\n"
    "questionnaire both have completed: each partner's course, the\n"
    "difference at each pair of assessments taken within 14 days of each\n"
    "other, and a flag when their scores differ by more than a reliable\n"
    "difference or one partner reliably deteriorates while the other\n"
    "reliably improves.  Partners often grieve differently; this shows\n"
    "where.\n"
    "\n"
    "Example:\n"
    "  cairn couple --client SARAH --instrument pgs33\n",
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
    } else {
        printf("  (divergence not judged: this scale has no published SD "
               "and reliability;\n   give --rci-sd and --rci-reliability)\n");
    }
    if (c->reason[0] != '\0') {
        cli_print_wrapped(stdout, "  !! ", "     ", c->reason);
    }
}

static void print_json(const cairn_couple *c, bool first)
{
    char *ja = NULL, *jb = NULL;
    cairn_trend_to_json(c->a, &ja, NULL);
    cairn_trend_to_json(c->b, &jb, NULL);
    printf("%s{\"instrument\":\"%s\",\"scale\":\"%s\",", first ? "" : ",",
           c->a->instrument, c->a->scale);
    if (c->has_reliable_difference) {
        printf("\"reliable_difference\":%.6g,", c->reliable_difference);
    } else {
        printf("\"reliable_difference\":null,");
    }
    printf("\"diverging\":%s,\"incongruent\":%s,\"reason\":",
           c->diverging ? "true" : "false", c->incongruent ? "true" : "false");
    cli_json_string(stdout, c->reason[0] ? c->reason : NULL);
    printf(",\"pairs\":[");
    for (size_t i = 0; i < c->n_pairs; i++) {
        const cairn_couple_pair *p = &c->pairs[i];
        printf("%s{\"date_a\":\"%.10s\",\"date_b\":\"%.10s\",\"score_a\":"
               "%.6g,\"score_b\":%.6g,\"difference\":%.6g,\"diverges\":%s}",
               i ? "," : "", p->a->date, p->b->date, p->a->score, p->b->score,
               p->difference, p->diverges ? "true" : "false");
    }
    printf("],\"trends\":[%s,%s]}", ja ? ja : "null", jb ? jb : "null");
    free(ja);
    free(jb);
}

int cmd_couple(cli_ctx *ctx, int argc, char **argv)
{
    cli_stats_args a = CLI_STATS_ARGS_INIT;
    int rc = cli_stats_parse("couple", argc, argv, &a);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a.client == NULL) {
        return cli_usage("couple", "give --client");
    }
    const cairn_catalog *cat = cli_catalog(ctx);
    cairn_store *st = NULL;
    if (cat == NULL || cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    cairn_couple_view_options o = CAIRN_COUPLE_VIEW_OPTIONS_INIT;
    cairn_couple_view *v = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    o.instrument = a.instrument;
    o.trend = a.trend;
    if (cairn_couple_view_compute(&v, st, cat, a.client, &o, &err) < 0) {
        rc = cli_fail_couple(&err, a.client);
    } else if (a.json) {
        printf("{\"couple\":[");
        cli_json_string(stdout, v->a->code);
        printf(",");
        cli_json_string(stdout, v->b->code);
        printf("],\"instruments\":[");
        for (size_t i = 0; i < v->n; i++) {
            print_json(v->shared[i].couple, i == 0);
        }
        printf("]}\n");
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
