/*
 * cmd_caseload.c - `cairn caseload`: every client at a glance, the most
 * urgent first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn_report.h"
#include "cli.h"

const cli_command cli_caseload_command = {
    "caseload",
    cmd_caseload,
    "every client's progress, most urgent first",
    "cairn caseload [--instrument I] [--clinician C] [--all] [--json]\n"
    "       [--rci-sd X] [--rci-reliability R] [--cutoff C] [--scale S]\n"
    "       [--time since-first|since-loss] [--no-improvement-weeks N]",
    "Lists every active client (no episode of care, or one still open)\n"
    "with their latest score, change and status on\n"
    "each questionnaire, and a small chart of their scores; clients with\n"
    "open alerts come first (risk items, then reliable deterioration, not\n"
    "on track, no reliable improvement).  The overrides need --instrument.\n"
    "\n"
    "Options:\n"
    "  --instrument I     one questionnaire only\n"
    "  --clinician C      one clinician's clients only\n"
    "  --all              discharged clients too (episode of care ended)\n"
    "  --json             an array with one object per client\n"
    "  (and the options of 'cairn trend')\n"
    "\n"
    "Example:\n"
    "  cairn caseload --clinician dr.lee\n",
};

static const char *status(const cairn_trend *t)
{
    if (t->n < 2) {
        return "one score";
    }
    if (!t->has_rci) {
        return t->change < 0 ? "lower" : t->change > 0 ? "higher" : "same";
    }
    if (t->has_clinical && t->clinical.reliably_recovered) {
        return "reliably recovered";
    }
    return t->rci.category == CAIRN_RC_IMPROVED       ? "reliably improved"
           : t->rci.category == CAIRN_RC_DETERIORATED ? "reliably worse"
                                                      : "no reliable change";
}

static void print_row(const cairn_caseload_entry *e, const cairn_trend *t,
                      bool first, const cairn_instrument *inst)
{
    const cairn_scale *sc = cairn_instrument_find_scale(inst, t->scale);
    double v[12]; /* the last 12 scores keep the table aligned */
    size_t n = t->n < 12 ? t->n : 12;
    for (size_t i = 0; i < n; i++) {
        v[i] = t->points[t->n - n + i].score;
    }
    printf("%-10s %-7s %3zu  ", first ? e->client->code : "",
           cairn_report_short_name(inst), t->n);
    cli_sparkline(stdout, v, n, sc->min, sc->max);
    printf("%*s", (int)(n < 12 ? 12 - n : 0), "");
    const char *band = "";
    for (size_t b = 0; t->latest.band != NULL && b < sc->n_bands; b++) {
        if (strcmp(sc->bands[b].id, t->latest.band) == 0) {
            band = sc->bands[b].label;
        }
    }
    char shown[64];
    snprintf(shown, sizeof shown, "%s", band);
    char *paren = strstr(shown, " (");
    if (paren != NULL) {
        *paren = '\0'; /* "Probable depression (13 or more)": the name */
    }
    printf(" %5g %-20.20s %+6g  %s\n", t->latest.score, shown,
           t->n >= 2 ? t->change : 0, status(t));
}

/* The client's open alerts under their rows, wrapped: "!! risk item
 * endorsed (EPDS); no reliable improvement (PHQ-9)". */
static void print_alerts(const cairn_caseload_entry *e,
                         const cairn_catalog *cat)
{
    char line[1024];
    size_t used = 0;
    line[0] = '\0';
    for (size_t i = 0; i < e->n_trends; i++) {
        const cairn_trend *t = e->trends[i];
        const cairn_instrument *inst = NULL;
        cairn_catalog_find(&inst, cat, t->instrument, NULL);
        for (size_t k = 0; k < t->n_alerts && used + 80 < sizeof line; k++) {
            if (t->alerts[k].state != CAIRN_ALERT_OPEN) {
                continue;
            }
            int w = snprintf(
                line + used, sizeof line - used, "%s%s (%s)", used ? "; " : "",
                cairn_alert_kind_label(t->alerts[k].kind),
                inst ? cairn_report_short_name(inst) : t->instrument);
            used += w > 0 ? (size_t)w : 0;
        }
    }
    if (used > 0) {
        cli_print_wrapped(stdout, "           !! ", "              ", line);
    }
}

/* The NHS Talking Therapies outcomes in words, or "". */
static void nhstt_words(const cairn_nhstt *o, char *buf, size_t size)
{
    snprintf(buf, size, "%s; %s%s%s",
             o->at_caseness ? "at caseness" : "not at caseness",
             o->reliable_recovery ? "reliable recovery"
             : o->recovered       ? "recovered"
                                  : "not recovered",
             o->reliable_improvement ? "; reliable improvement" : "",
             o->reliable_deterioration ? "; reliable deterioration" : "");
}

static int print_json(const cairn_caseload *cl)
{
    printf("[");
    for (size_t k = 0; k < cl->n; k++) {
        const cairn_caseload_entry *e = &cl->entries[k];
        printf("%s{\"client\":", k ? ",\n" : "\n");
        cli_json_string(stdout, e->client->code);
        printf(",\"open_alerts\":%zu,\"acknowledged_alerts\":%zu,", e->n_open,
               e->n_acknowledged);
        if (e->has_nhstt) {
            const cairn_nhstt *o = &e->nhstt;
            printf("\"nhs_talking_therapies\":{\"at_caseness\":%s,"
                   "\"recovered\":%s,\"reliable_improvement\":%s,"
                   "\"reliable_deterioration\":%s,"
                   "\"reliable_recovery\":%s},",
                   o->at_caseness ? "true" : "false",
                   o->recovered ? "true" : "false",
                   o->reliable_improvement ? "true" : "false",
                   o->reliable_deterioration ? "true" : "false",
                   o->reliable_recovery ? "true" : "false");
        } else {
            printf("\"nhs_talking_therapies\":null,");
        }
        printf("\"trends\":[");
        for (size_t i = 0; i < e->n_trends; i++) {
            char *json = NULL;
            cairn_error err = CAIRN_ERROR_INIT;
            if (cairn_trend_to_json(e->trends[i], &json, &err) < 0) {
                return cli_fail(&err);
            }
            printf("%s%s", i ? "," : "", json);
            free(json);
        }
        printf("]}");
    }
    printf("\n]\n");
    return CLI_OK;
}

int cmd_caseload(cli_ctx *ctx, int argc, char **argv)
{
    cli_stats_args a = CLI_STATS_ARGS_INIT;
    int rc = cli_stats_parse("caseload", argc, argv, &a);
    if (rc != CLI_OK) {
        return rc;
    }
    bool overrides = a.trend.has_sd || a.trend.has_reliability ||
                     a.trend.has_cutoff || a.trend.scale != NULL;
    if (overrides && a.instrument == NULL) {
        return cli_usage("caseload", "--rci-sd, --rci-reliability, --cutoff "
                                     "and --scale need --instrument");
    }
    const cairn_catalog *cat = cli_catalog(ctx);
    cairn_store *st = NULL;
    if (cat == NULL || cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    cairn_caseload_options o = CAIRN_CASELOAD_OPTIONS_INIT;
    cairn_caseload *cl = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    o.instrument = a.instrument;
    o.clinician = a.clinician;
    o.trend = a.trend;
    o.all = a.all;
    if (cairn_caseload_compute(&cl, st, cat, &o, &err) < 0) {
        rc = cli_fail(&err);
    } else if (a.json) {
        rc = print_json(cl);
    } else {
        printf("%-10s %-7s %3s  %-12s %5s %-20s %6s  %s\n", "CLIENT", "SCALE",
               "N", "SCORES", "NOW", "BAND", "CHANGE", "STATUS");
        for (size_t k = 0; k < cl->n; k++) {
            const cairn_caseload_entry *e = &cl->entries[k];
            for (size_t i = 0; i < e->n_trends; i++) {
                const cairn_instrument *inst = NULL;
                cairn_catalog_find(&inst, cat, e->trends[i]->instrument, NULL);
                print_row(e, e->trends[i], i == 0, inst);
            }
            print_alerts(e, cat);
            if (e->has_nhstt) {
                char words[160], line[240];
                nhstt_words(&e->nhstt, words, sizeof words);
                snprintf(line, sizeof line,
                         "NHS Talking Therapies (PHQ-9 and GAD-7): %s", words);
                cli_print_wrapped(stdout, "           ", "             ", line);
            }
        }
    }
    cairn_caseload_free(cl);
    cairn_store_close(st);
    return rc;
}
