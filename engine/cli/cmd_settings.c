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

const cli_command cli_settings_command = {
    "settings",
    cmd_settings,
    "the clinic's own parameters and texts",
    "cairn settings show [KEY] [--json]\n"
    "       cairn settings set KEY VALUE\n"
    "       cairn settings unset KEY",
    "A clinic sets once the values it uses in place of a definition's\n"
    "published ones, and the words its clients see.  Every change is kept\n"
    "with who made it and when, and audited; 'unset' returns a key to the\n"
    "definition's value.  Trends, the caseload, alerts, cohorts, reports\n"
    "and exports use the settings and say so; an option on the command\n"
    "line (--rci-sd, --cutoff, ...) still wins for that run.\n"
    "\n"
    "Keys (INSTRUMENT is a code such as gad7, SCALE a scale id such as\n"
    "total):\n"
    "  INSTRUMENT.SCALE.rci_sd           SD for reliable change (> 0)\n"
    "  INSTRUMENT.SCALE.rci_reliability  its reliability (0 < r < 1)\n"
    "  INSTRUMENT.SCALE.cutoff           clinical cut-off\n"
    "  INSTRUMENT.SCALE.clinical_mean    mean and SD of a clinical sample\n"
    "  INSTRUMENT.SCALE.clinical_sd      and of a normal one: set all four\n"
    "  INSTRUMENT.SCALE.normal_mean      to judge clinically significant\n"
    "  INSTRUMENT.SCALE.normal_sd        change by Jacobson-Truax "
    "criterion c\n"
    "  INSTRUMENT.no_improvement_weeks   alert window for one "
    "questionnaire\n"
    "  INSTRUMENT.min_clients            clients the growth model needs\n"
    "  alerts.no_improvement_weeks       alert window, clinic-wide "
    "(default 12)\n"
    "  model.min_clients                 growth-model minimum, clinic-wide\n"
    "                                    (default 20)\n"
    "  clinic.name                       the clinic's name\n"
    "  client.crisis_message             the clinic's own words and crisis\n"
    "                                    contacts, shown to a client who\n"
    "                                    answers a risk question\n"
    "\n"
    "Options:\n"
    "  --json   show: one JSON array of {key, value, type, set_by, set_at}\n"
    "\n"
    "Example:\n"
    "  cairn settings set gad7.total.rci_sd 4.2\n"
    "  cairn settings show\n",
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

static int show(cairn_store *st, const char *key, bool json)
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
        char *text =
            json_dumps(arr, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
        printf("%s\n", text ? text : "[]");
        free(text);
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
    bool json = false;
    const char *pos[4] = {NULL, NULL, NULL, NULL};
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            return cli_usage("settings", "unknown option '%s'", argv[i]);
        } else if (npos < 4) {
            pos[npos++] = argv[i];
        } else {
            return cli_usage("settings", "unexpected '%s'", argv[i]);
        }
    }
    const char *verb = pos[0] ? pos[0] : "show";
    bool is_show = strcmp(verb, "show") == 0;
    bool is_set = strcmp(verb, "set") == 0;
    bool is_unset = strcmp(verb, "unset") == 0;
    if (!is_show && !is_set && !is_unset) {
        return cli_usage("settings", "unknown subcommand '%s'", verb);
    }
    int want = is_show ? (npos <= 2 ? npos : -1) : is_set ? 3 : 2;
    if (npos != want || (json && !is_show)) {
        return cli_usage("settings", is_set     ? "set takes KEY VALUE"
                                     : is_unset ? "unset takes KEY"
                                                : "show takes at most a KEY");
    }
    cairn_store *st = NULL;
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = CLI_OK;
    cairn_error err = CAIRN_ERROR_INIT;
    if (is_show) {
        rc = show(st, pos[1], json);
    } else {
        const cairn_catalog *cat = cli_catalog(ctx);
        int r = cat == NULL ? -1
                : is_set    ? cairn_settings_set(st, cat, pos[1], pos[2], &err)
                            : cairn_settings_unset(st, cat, pos[1], &err);
        rc = cat == NULL ? CLI_FAIL : r < 0 ? cli_fail(&err) : CLI_OK;
        if (rc == CLI_OK) {
            printf(is_set ? "%s set\n" : "%s unset: the default applies\n",
                   pos[1]);
        }
    }
    cairn_store_close(st);
    return rc;
}
