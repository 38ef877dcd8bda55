/*
 * cmd_client.c - `cairn client`: add, list, show, edit and link clients,
 * and open or close their episodes of care.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const cli_command cli_client_command = {
    "client",
    cmd_client,
    "add, list, show, edit and link clients",
    "cairn client add CODE [--name N] [--birth-year Y] [--clinician C]\n"
    "                 [--notes TEXT] [--loss-date D] [--gestation-weeks W]\n"
    "                 [--loss-kind K] [--partner CODE]\n"
    "       cairn client list [--json]\n"
    "       cairn client show CODE [--json]\n"
    "       cairn client edit CODE [same options as add, without --partner]\n"
    "       cairn client link CODE PARTNER\n"
    "       cairn client episode CODE (--start D | --end D)",
    "A client is known by your clinic's own code (1-64 letters, digits,\n"
    "'.', '_', '-' or '/'); nothing else is required.  Partners are linked\n"
    "as a couple: each keeps their own record, and reports can show them\n"
    "side by side.  Every change is written to the audit log.\n"
    "\n"
    "Options:\n"
    "  --name N             display name\n"
    "  --birth-year Y       year of birth\n"
    "  --clinician C        responsible clinician\n"
    "  --notes TEXT         free text, never exported\n"
    "  --loss-date D        date of the loss (YYYY-MM-DD)\n"
    "  --gestation-weeks W  weeks of gestation at the loss (1-45)\n"
    "  --loss-kind K        miscarriage, stillbirth, neonatal_death, tfmr\n"
    "                       (termination for medical reasons) or other\n"
    "  --partner CODE       link the new client with an existing client\n"
    "  --start D, --end D   open or close an episode of care\n"
    "  --json               JSON for scripts (notes are left out)\n"
    "\n"
    "With edit, an option given as '' clears that detail.\n"
    "\n"
    "Example:\n"
    "  cairn client add C001 --loss-date 2024-03-02 --gestation-weeks 31 \\\n"
    "      --loss-kind stillbirth\n"
    "  cairn client add C002 --partner C001\n",
};

enum {
    OPT_NAME = 1000,
    OPT_BIRTH,
    OPT_CLINICIAN,
    OPT_NOTES,
    OPT_LOSS_DATE,
    OPT_WEEKS,
    OPT_KIND,
    OPT_PARTNER,
    OPT_JSON,
    OPT_START,
    OPT_END
};

static const struct option long_opts[] = {
    {"name", required_argument, NULL, OPT_NAME},
    {"birth-year", required_argument, NULL, OPT_BIRTH},
    {"clinician", required_argument, NULL, OPT_CLINICIAN},
    {"notes", required_argument, NULL, OPT_NOTES},
    {"loss-date", required_argument, NULL, OPT_LOSS_DATE},
    {"gestation-weeks", required_argument, NULL, OPT_WEEKS},
    {"loss-kind", required_argument, NULL, OPT_KIND},
    {"partner", required_argument, NULL, OPT_PARTNER},
    {"json", no_argument, NULL, OPT_JSON},
    {"start", required_argument, NULL, OPT_START},
    {"end", required_argument, NULL, OPT_END},
    {NULL, 0, NULL, 0},
};

typedef struct client_args {
    cairn_client c;
    bool json;
    const char *start, *end;
    int positional;
    const char *pos[3];
} client_args;

static const char *empty_to_null(const char *s)
{
    return s[0] == '\0' ? NULL : s;
}

static bool parse_small(const char *s, int *out)
{
    char *end = NULL;
    if (s[0] == '\0') {
        *out = 0;
        return true;
    }
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < 0 || v > 9999 || s[0] == '-' ||
        s[0] == '+' || s[0] == ' ') {
        return false;
    }
    *out = (int)v;
    return true;
}

static int apply_opt(client_args *a, int opt, const char *v)
{
    cairn_error err = CAIRN_ERROR_INIT;
    switch (opt) {
    case OPT_NAME:
        a->c.name = empty_to_null(v);
        break;
    case OPT_CLINICIAN:
        a->c.clinician = empty_to_null(v);
        break;
    case OPT_NOTES:
        a->c.notes = empty_to_null(v);
        break;
    case OPT_LOSS_DATE:
        a->c.loss_date = empty_to_null(v);
        break;
    case OPT_PARTNER:
        a->c.partner_code = v;
        break;
    case OPT_JSON:
        a->json = true;
        break;
    case OPT_START:
        a->start = v;
        break;
    case OPT_END:
        a->end = v;
        break;
    case OPT_BIRTH:
    case OPT_WEEKS:
        if (!parse_small(v, opt == OPT_BIRTH ? &a->c.birth_year
                                             : &a->c.gestation_weeks)) {
            return cli_usage(
                "client", "%s '%s' is not a whole number",
                opt == OPT_BIRTH ? "--birth-year" : "--gestation-weeks", v);
        }
        break;
    case OPT_KIND:
        a->c.loss_kind = CAIRN_LOSS_UNKNOWN;
        if (v[0] != '\0' &&
            cairn_loss_kind_parse(&a->c.loss_kind, v, &err) < 0) {
            return cli_usage("client", "%s", err.message);
        }
        break;
    default:
        return cli_usage("client", "unknown option");
    }
    return CLI_OK;
}

/* Parse argv (after the subcommand) into `a`; edit starts from `base`. */
static int parse(client_args *a, int argc, char **argv, bool *seen)
{
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
        if (opt == '?') {
            return cli_usage("client", "unknown option '%s'", argv[optind - 1]);
        }
        if (opt == ':') {
            return cli_usage("client", "%s needs a value", argv[optind - 1]);
        }
        int rc = apply_opt(a, opt, optarg);
        if (rc != CLI_OK) {
            return rc;
        }
        seen[opt - OPT_NAME] = true;
    }
    for (int i = optind; i < argc; i++) {
        if (a->positional == 3) {
            return cli_usage("client", "too many arguments");
        }
        a->pos[a->positional++] = argv[i];
    }
    return CLI_OK;
}

static int client_add(cli_ctx *ctx, client_args *a)
{
    cairn_store *st = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (a->positional != 1) {
        return cli_usage("client", "client add needs one CODE");
    }
    a->c.code = a->pos[0];
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = cairn_store_client_add(st, &a->c, NULL, &err);
    cairn_store_close(st);
    if (rc < 0) {
        return cli_fail(&err);
    }
    printf("added client %s", a->c.code);
    if (a->c.partner_code != NULL) {
        printf(", partner of %s", a->c.partner_code);
    }
    printf("\n");
    return CLI_OK;
}

static void client_json(const cairn_client *c, bool notes)
{
    printf("{\"code\":");
    cli_json_string(stdout, c->code);
    printf(",\"name\":");
    cli_json_string(stdout, c->name);
    printf(",\"birth_year\":");
    c->birth_year ? printf("%d", c->birth_year) : printf("null");
    printf(",\"clinician\":");
    cli_json_string(stdout, c->clinician);
    printf(",\"loss_date\":");
    cli_json_string(stdout, c->loss_date);
    printf(",\"gestation_weeks\":");
    c->gestation_weeks ? printf("%d", c->gestation_weeks) : printf("null");
    printf(",\"loss_kind\":");
    cli_json_string(stdout,
                    c->loss_kind ? cairn_loss_kind_name(c->loss_kind) : NULL);
    printf(",\"partner\":");
    cli_json_string(stdout, c->partner_code);
    if (notes) {
        printf(",\"notes\":");
        cli_json_string(stdout, c->notes);
    }
    printf(",\"created_at\":");
    cli_json_string(stdout, c->created_at);
    printf("}");
}

static int client_list(cli_ctx *ctx, client_args *a)
{
    cairn_store *st = NULL;
    cairn_client_list *list = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (a->positional != 0) {
        return cli_usage("client", "client list takes no arguments");
    }
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = cairn_store_client_list(&list, st, &err);
    cairn_store_close(st);
    if (rc < 0) {
        return cli_fail(&err);
    }
    if (a->json) {
        printf("[");
        for (size_t i = 0; i < list->n; i++) {
            printf("%s", i > 0 ? ",\n" : "");
            client_json(&list->items[i], false);
        }
        printf("]\n");
    } else {
        for (size_t i = 0; i < list->n; i++) {
            const cairn_client *c = &list->items[i];
            printf("%-12s %-24s", c->code, c->name ? c->name : "-");
            if (c->loss_kind != CAIRN_LOSS_UNKNOWN) {
                printf(" %s", cairn_loss_kind_name(c->loss_kind));
            }
            if (c->partner_code != NULL) {
                printf(" partner %s", c->partner_code);
            }
            printf("\n");
        }
        printf("%zu client%s\n", list->n, list->n == 1 ? "" : "s");
    }
    cairn_store_client_list_free(list);
    return CLI_OK;
}

static void show_plain(const cairn_client *c, const cairn_episode_list *e)
{
    printf("client %s\n", c->code);
    printf("  name:        %s\n", c->name ? c->name : "-");
    if (c->birth_year) {
        printf("  birth year:  %d\n", c->birth_year);
    }
    printf("  clinician:   %s\n", c->clinician ? c->clinician : "-");
    printf("  loss:        %s",
           c->loss_kind ? cairn_loss_kind_name(c->loss_kind) : "-");
    if (c->loss_date) {
        printf(" on %s", c->loss_date);
    }
    if (c->gestation_weeks) {
        printf(" at %d weeks", c->gestation_weeks);
    }
    printf("\n  partner:     %s\n", c->partner_code ? c->partner_code : "-");
    for (size_t i = 0; i < e->n; i++) {
        printf("  episode:     %s to %s\n", e->items[i].started_on,
               e->items[i].ended_on ? e->items[i].ended_on : "(open)");
    }
    if (c->notes) {
        printf("  notes:       %s\n", c->notes);
    }
    printf("  added:       %s\n", c->created_at);
}

static int client_show(cli_ctx *ctx, client_args *a)
{
    cairn_store *st = NULL;
    cairn_client *c = NULL;
    cairn_episode_list *eps = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (a->positional != 1) {
        return cli_usage("client", "client show needs one CODE");
    }
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = cairn_store_client_get(&c, st, a->pos[0], &err);
    if (rc == CAIRN_OK) {
        rc = cairn_store_episode_list(&eps, st, a->pos[0], &err);
    }
    cairn_store_close(st);
    if (rc == CAIRN_OK && a->json) {
        client_json(c, true);
        printf("\n");
    } else if (rc == CAIRN_OK) {
        show_plain(c, eps);
    }
    cairn_store_client_free(c);
    cairn_store_episode_list_free(eps);
    return rc < 0 ? cli_fail(&err) : CLI_OK;
}

static int client_edit(cli_ctx *ctx, int argc, char **argv)
{
    client_args a;
    bool seen[OPT_END - OPT_NAME + 1] = {false};
    cairn_store *st = NULL;
    cairn_client *c = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    memset(&a, 0, sizeof a);
    int rc = parse(&a, argc, argv, seen);
    if (rc != CLI_OK) {
        return rc;
    }
    if (a.positional != 1 || seen[OPT_PARTNER - OPT_NAME] ||
        seen[OPT_JSON - OPT_NAME]) {
        return cli_usage("client", "client edit needs one CODE and the "
                                   "details to change (link partners with "
                                   "'cairn client link')");
    }
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    rc = cairn_store_client_get(&c, st, a.pos[0], &err);
    if (rc == CAIRN_OK) {
        /* start from the stored details, apply what was given */
        cairn_client merged = *c;
        const cairn_client *g = &a.c;
#define TAKE(opt, field)                                                       \
    if (seen[(opt)-OPT_NAME]) {                                                \
        merged.field = g->field;                                               \
    }
        TAKE(OPT_NAME, name)
        TAKE(OPT_BIRTH, birth_year)
        TAKE(OPT_CLINICIAN, clinician)
        TAKE(OPT_NOTES, notes)
        TAKE(OPT_LOSS_DATE, loss_date)
        TAKE(OPT_WEEKS, gestation_weeks)
        TAKE(OPT_KIND, loss_kind)
#undef TAKE
        rc = cairn_store_client_set(st, &merged, &err);
    }
    cairn_store_client_free(c);
    cairn_store_close(st);
    if (rc < 0) {
        return cli_fail(&err);
    }
    printf("updated client %s\n", a.pos[0]);
    return CLI_OK;
}

static int client_link(cli_ctx *ctx, client_args *a)
{
    cairn_store *st = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (a->positional != 2) {
        return cli_usage("client", "client link needs CODE and PARTNER");
    }
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = cairn_store_couple_add(st, a->pos[0], a->pos[1], &err);
    cairn_store_close(st);
    if (rc < 0) {
        return cli_fail(&err);
    }
    printf("linked %s and %s as a couple\n", a->pos[0], a->pos[1]);
    return CLI_OK;
}

static int client_episode(cli_ctx *ctx, client_args *a)
{
    cairn_store *st = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (a->positional != 1 || (a->start == NULL) == (a->end == NULL)) {
        return cli_usage("client",
                         "client episode needs CODE and --start or --end");
    }
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = a->start
                 ? cairn_store_episode_add(st, a->pos[0], a->start, NULL, &err)
                 : cairn_store_episode_set_end(st, a->pos[0], a->end, &err);
    cairn_store_close(st);
    if (rc < 0) {
        return cli_fail(&err);
    }
    printf("%s an episode of care for %s on %s\n",
           a->start ? "opened" : "closed", a->pos[0],
           a->start ? a->start : a->end);
    return CLI_OK;
}

int cmd_client(cli_ctx *ctx, int argc, char **argv)
{
    client_args a;
    bool seen[OPT_END - OPT_NAME + 1] = {false};
    if (argc < 2) {
        return cli_usage("client", "client needs a subcommand");
    }
    const char *sub = argv[1];
    if (strcmp(sub, "edit") == 0) {
        return client_edit(ctx, argc - 1, argv + 1);
    }
    memset(&a, 0, sizeof a);
    int rc = parse(&a, argc - 1, argv + 1, seen);
    if (rc != CLI_OK) {
        return rc;
    }
    if (strcmp(sub, "add") == 0) {
        return client_add(ctx, &a);
    }
    if (strcmp(sub, "list") == 0) {
        return client_list(ctx, &a);
    }
    if (strcmp(sub, "show") == 0) {
        return client_show(ctx, &a);
    }
    if (strcmp(sub, "link") == 0) {
        return client_link(ctx, &a);
    }
    if (strcmp(sub, "episode") == 0) {
        return client_episode(ctx, &a);
    }
    return cli_usage("client", "unknown subcommand '%s'", sub);
}
