/*
 * cmd_settings.c - `cairn settings show|set|unset`: the clinic's own
 * reliable-change values, cut-offs, alert window and texts, kept in the
 * database and audited.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/settings.h"
#include "cli.h"

static bool json;

static const cli_opt show_opts[] = {
    {"json", NULL, "one JSON array of {key, value, type, set_by,\nset_at}",
     .flag = &json},
    {NULL}};
static const cli_sub settings_subs[] = {
    {"show", show_opts}, {"set", NULL}, {"unset", NULL}, {NULL}};

const cli_command cli_settings_command = {
    .name = "settings",
    .run = cmd_settings,
    .summary = "the clinic's own parameters and texts",
    .usage = "cairn settings show [KEY] [--json]\n"
             "       cairn settings set KEY VALUE\n"
             "       cairn settings unset KEY",
    .opts = show_opts,
    .subs = settings_subs,
    .example = "  cairn settings set gad7.total.rci_sd 4.2\n"
               "  cairn settings show\n",
    .help =
        "A clinic sets once the values it uses in place of a definition's\n"
        "published ones, and the words its clients see.  Every change is\n"
        "kept with who made it and when, and audited; 'unset' returns a key\n"
        "to the definition's value.  Trends, the caseload, alerts, cohorts,\n"
        "reports and exports use the settings and say so; an option on the\n"
        "command line (--rci-sd, --cutoff, ...) still wins for that run.\n"
        "A VALUE that starts with '-' follows '--': set KEY -- -text.\n"
        "\n"
        "Keys (INSTRUMENT is a code such as gad7, SCALE a scale id such as\n"
        "total):\n"
        "  INSTRUMENT.SCALE.rci_sd           SD for reliable change (> 0)\n"
        "  INSTRUMENT.SCALE.rci_reliability  its reliability (0 < r < 1)\n"
        "  INSTRUMENT.SCALE.cutoff           clinical cut-off\n"
        "  INSTRUMENT.SCALE.clinical_mean    mean and SD of a clinical sample\n"
        "  INSTRUMENT.SCALE.clinical_sd      and of a normal one: set all "
        "four\n"
        "  INSTRUMENT.SCALE.normal_mean      to judge clinically significant\n"
        "  INSTRUMENT.SCALE.normal_sd        change by Jacobson-Truax "
        "criterion c\n"
        "  INSTRUMENT.no_improvement_weeks   alert window for one "
        "questionnaire\n"
        "  INSTRUMENT.min_clients            clients the growth model needs\n"
        "  alerts.no_improvement_weeks       alert window, clinic-wide "
        "(default 12)\n"
        "  model.min_clients                 growth-model minimum, "
        "clinic-wide\n"
        "                                    (default 20)\n"
        "  clinic.name                       the clinic's name\n"
        "  client.crisis_message             the clinic's own words and "
        "crisis\n"
        "                                    contacts, shown to a client who\n"
        "                                    answers a risk question\n"
        "  fhir.system                       the clinic's FHIR identifier "
        "system\n"
        "                                    (a URI; see 'cairn help fhir')\n",
};

static json_t *setting_json(const cairn_setting *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "key", json_string(s->key));
    json_object_set_new(o, "value",
                        s->type == CAIRN_SETTING_NUMBER ? json_real(s->number)
                                                        : json_string(s->text));
    json_object_set_new(
        o, "type",
        json_string(s->type == CAIRN_SETTING_NUMBER ? "number" : "text"));
    json_object_set_new(o, "set_by", json_string(s->set_by));
    json_object_set_new(o, "set_at", json_string(s->set_at));
    return o;
}

static int show(cairn_store *st, const char *key)
{
    cairn_settings *all = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_settings_list(&all, st, &err) < 0) {
        return cli_fail(&err);
    }
    json_t *arr = json_array();
    size_t shown = 0;
    for (size_t i = 0; i < all->n; i++) {
        const cairn_setting *s = &all->items[i];
        if (key != NULL && strcmp(key, s->key) != 0) {
            continue;
        }
        shown++;
        if (json) {
            json_array_append_new(arr, setting_json(s));
        } else {
            printf("%s = %s\n    (set by %s on %.10s)\n", s->key, s->text,
                   s->set_by, s->set_at);
        }
    }
    int rc = CLI_OK;
    if (json) {
        rc = cli_json_print(arr);
        arr = NULL;
    } else if (key != NULL && shown == 0) {
        cli_error("'%s' is not set", key);
        rc = CLI_FAIL;
    } else if (shown == 0) {
        printf("No settings: every value comes from the instrument "
               "definitions.\n");
    }
    json_decref(arr);
    cairn_settings_free(all);
    return rc;
}

int cmd_settings(cli_ctx *ctx, int argc, char **argv)
{
    const cli_sub *sub = argc > 1 ? cli_sub_find(settings_subs, argv[1]) : NULL;
    int npos = 0;
    int rc =
        sub != NULL
            ? cli_sub_parse("settings", settings_subs, argc, argv, &sub, &npos)
            : cli_opt_parse("settings", show_opts, argc, argv, &npos);
    if (rc != CLI_OK) {
        return rc;
    }
    if (sub == NULL && npos > 0) {
        return cli_usage("settings", "unknown subcommand '%s'", argv[0]);
    }
    const char *verb = sub != NULL ? sub->name : "show";
    bool is_show = strcmp(verb, "show") == 0;
    bool is_set = strcmp(verb, "set") == 0;
    int want = is_show ? (npos <= 1 ? npos : -1) : is_set ? 2 : 1;
    if (npos != want) {
        return cli_usage("settings", is_set    ? "set takes KEY VALUE"
                                     : is_show ? "show takes at most a KEY"
                                               : "unset takes KEY");
    }
    const char *pos[2] = {npos > 0 ? argv[0] : NULL, npos > 1 ? argv[1] : NULL};
    cairn_store *st = NULL;
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    rc = CLI_OK;
    cairn_error err = CAIRN_ERROR_INIT;
    if (is_show) {
        rc = show(st, pos[0]);
    } else {
        const cairn_catalog *cat = cli_catalog(ctx);
        int r = cat == NULL ? -1
                : is_set    ? cairn_settings_set(st, cat, pos[0], pos[1], &err)
                            : cairn_settings_unset(st, cat, pos[0], &err);
        rc = cat == NULL ? CLI_FAIL : r < 0 ? cli_fail(&err) : CLI_OK;
        if (rc == CLI_OK) {
            printf(is_set ? "%s set\n" : "%s unset: the default applies\n",
                   pos[0]);
        }
    }
    cairn_store_close(st);
    return rc;
}
