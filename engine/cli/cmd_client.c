/*
 * cmd_client.c - `cairn client`: add, list, show, edit and link clients,
 * and open or close their episodes of care.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct client_args {
    cairn_client c;
    bool json;
    const char *start, *end;
} client_args;

/* Which details were given, for edit (only those change). */
typedef struct client_seen {
    bool name, birth, clinician, notes, loss_date, weeks, kind, external;
} client_seen;

static client_args given;
static client_seen seen;

/* A whole number 0..9999, or '' (0: clears the detail in edit). */
static int parse_small(const cli_opt *o, const char *s, char *why, size_t size)
{
    char *end = NULL;
    int *out = o->target;
    if (s[0] == '\0') {
        *out = 0;
        return 0;
    }
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < 0 || v > 9999 || s[0] == '-' ||
        s[0] == '+' || s[0] == ' ') {
        snprintf(why, size, "--%s '%s' is not a whole number", o->name, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int parse_kind(const cli_opt *o, const char *s, char *why, size_t size)
{
    cairn_error err = CAIRN_ERROR_INIT;
    cairn_loss_kind *kind = o->target;
    *kind = CAIRN_LOSS_UNKNOWN;
    if (s[0] != '\0' && cairn_loss_kind_parse(kind, s, &err) < 0) {
        snprintf(why, size, "%s", err.message);
        return -1;
    }
    return 0;
}

/* The details of add and edit. */
static const cli_opt detail_opts[] = {
    {"name", "N", "display name", .str = &given.c.name, .given = &seen.name},
    {"birth-year", "Y", "year of birth", .parse = parse_small,
     .target = &given.c.birth_year, .given = &seen.birth},
    {"clinician", "C", "responsible clinician", .str = &given.c.clinician,
     .given = &seen.clinician},
    {"notes", "TEXT", "free text, never exported", .str = &given.c.notes,
     .given = &seen.notes},
    {"loss-date", "D", "date of the loss (YYYY-MM-DD)",
     .str = &given.c.loss_date, .given = &seen.loss_date},
    {"gestation-weeks", "W", "weeks of gestation at the loss (1-45)",
     .parse = parse_small, .target = &given.c.gestation_weeks,
     .given = &seen.weeks},
    {"loss-kind", "K",
     "miscarriage, stillbirth, neonatal_death, tfmr\n(termination for "
     "medical reasons) or other",
     .parse = parse_kind, .target = &given.c.loss_kind, .given = &seen.kind},
    {"external-id", "SYSTEM|VALUE",
     "the client's identifier in another system (the\nhospital's MRN), "
     "used by 'cairn fhir'",
     .str = &given.c.external_id, .given = &seen.external},
    {NULL}};
static const cli_opt add_opts[] = {
    {.include = detail_opts},
    {"partner", "CODE", "link the new client with an existing client",
     .str = &given.c.partner_code},
    {NULL}};
static const cli_opt json_opts[] = {
    {"json", NULL, "JSON for scripts (notes are left out of list)",
     .flag = &given.json},
    {NULL}};
static const cli_opt episode_opts[] = {
    {"start", "D", "open an episode of care on D", .str = &given.start},
    {"end", "D", "close the open episode on D", .str = &given.end},
    {NULL}};
static const cli_sub client_subs[] = {{"add", add_opts},
                                      {"list", json_opts},
                                      {"show", json_opts},
                                      {"edit", detail_opts},
                                      {"link", NULL},
                                      {"episode", episode_opts},
                                      {NULL}};

const cli_command cli_client_command = {
    .name = "client",
    .run = cmd_client,
    .summary = "add, list, show, edit and link clients",
    .usage =
        "cairn client add CODE [--name N] [--birth-year Y] [--clinician C]\n"
        "                 [--notes TEXT] [--loss-date D] "
        "[--gestation-weeks W]\n"
        "                 [--loss-kind K] [--external-id SYSTEM|VALUE]\n"
        "                 [--partner CODE]\n"
        "       cairn client list [--json]\n"
        "       cairn client show CODE [--json]\n"
        "       cairn client edit CODE [the options of add, without "
        "--partner]\n"
        "       cairn client link CODE PARTNER\n"
        "       cairn client episode CODE (--start D | --end D)",
    .subs = client_subs,
    .example =
        "  cairn client add C001 --loss-date 2024-03-02 --gestation-weeks 31 "
        "\\\n"
        "      --loss-kind stillbirth\n"
        "  cairn client add C002 --partner C001\n",
    .help =
        "A client is known by your clinic's own code (1-64 letters, digits,\n"
        "'.', '_', '-' or '/'); nothing else is required.  Partners are\n"
        "linked as a couple: each keeps their own record, and reports can\n"
        "show them side by side.  Every change is written to the audit log.\n"
        "With edit, an option given as '' clears that detail.\n",
};

static const char *empty_to_null(const char *s)
{
    return s != NULL && s[0] == '\0' ? NULL : s;
}

static int client_add(cli_ctx *ctx, client_args *a, int npos, char **pos)
{
    cairn_store *st = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (npos != 1) {
        return cli_usage("client", "client add needs one CODE");
    }
    a->c.code = pos[0];
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

static json_t *int_or_null(int v)
{
    return v != 0 ? json_integer(v) : json_null();
}

static json_t *client_json(const cairn_client *c, bool notes)
{
    json_t *o = json_object();
    json_object_set_new(o, "code", cli_json_str(c->code));
    json_object_set_new(o, "name", cli_json_str(c->name));
    json_object_set_new(o, "birth_year", int_or_null(c->birth_year));
    json_object_set_new(o, "clinician", cli_json_str(c->clinician));
    json_object_set_new(o, "loss_date", cli_json_str(c->loss_date));
    json_object_set_new(o, "gestation_weeks", int_or_null(c->gestation_weeks));
    json_object_set_new(
        o, "loss_kind",
        cli_json_str(c->loss_kind ? cairn_loss_kind_name(c->loss_kind) : NULL));
    json_object_set_new(o, "partner", cli_json_str(c->partner_code));
    json_object_set_new(o, "external_id", cli_json_str(c->external_id));
    if (notes) {
        json_object_set_new(o, "notes", cli_json_str(c->notes));
    }
    json_object_set_new(o, "created_at", cli_json_str(c->created_at));
    return o;
}

static int client_list(cli_ctx *ctx, client_args *a, int npos)
{
    cairn_store *st = NULL;
    cairn_client_list *list = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (npos != 0) {
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
        json_t *arr = json_array();
        for (size_t i = 0; i < list->n; i++) {
            json_array_append_new(arr, client_json(&list->items[i], false));
        }
        rc = cli_json_print(arr);
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
    return rc;
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
    if (c->external_id) {
        printf("  external id: %s\n", c->external_id);
    }
    for (size_t i = 0; i < e->n; i++) {
        printf("  episode:     %s to %s\n", e->items[i].started_on,
               e->items[i].ended_on ? e->items[i].ended_on : "(open)");
    }
    if (c->notes) {
        printf("  notes:       %s\n", c->notes);
    }
    printf("  added:       %s\n", c->created_at);
}

static int client_show(cli_ctx *ctx, client_args *a, int npos, char **pos)
{
    cairn_store *st = NULL;
    cairn_client *c = NULL;
    cairn_episode_list *eps = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    int shown = CLI_OK;
    if (npos != 1) {
        return cli_usage("client", "client show needs one CODE");
    }
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = cairn_store_client_get(&c, st, pos[0], &err);
    if (rc == CAIRN_OK) {
        rc = cairn_store_episode_list(&eps, st, pos[0], &err);
    }
    cairn_store_close(st);
    if (rc == CAIRN_OK && a->json) {
        shown = cli_json_print(client_json(c, true));
    } else if (rc == CAIRN_OK) {
        show_plain(c, eps);
    }
    cairn_store_client_free(c);
    cairn_store_episode_list_free(eps);
    return rc < 0 ? cli_fail(&err) : shown;
}

static int client_edit(cli_ctx *ctx, client_args *a, int npos, char **pos)
{
    cairn_store *st = NULL;
    cairn_client *c = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (npos != 1) {
        return cli_usage("client", "client edit needs one CODE and the "
                                   "details to change (link partners with "
                                   "'cairn client link')");
    }
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = cairn_store_client_get(&c, st, pos[0], &err);
    if (rc == CAIRN_OK) {
        /* start from the stored details, apply what was given */
        cairn_client m = *c;
        const cairn_client *g = &a->c;
        m.name = seen.name ? g->name : m.name;
        m.birth_year = seen.birth ? g->birth_year : m.birth_year;
        m.clinician = seen.clinician ? g->clinician : m.clinician;
        m.notes = seen.notes ? g->notes : m.notes;
        m.loss_date = seen.loss_date ? g->loss_date : m.loss_date;
        m.gestation_weeks = seen.weeks ? g->gestation_weeks : m.gestation_weeks;
        m.loss_kind = seen.kind ? g->loss_kind : m.loss_kind;
        m.external_id = seen.external ? g->external_id : m.external_id;
        rc = cairn_store_client_set(st, &m, &err);
    }
    cairn_store_client_free(c);
    cairn_store_close(st);
    if (rc < 0) {
        return cli_fail(&err);
    }
    printf("updated client %s\n", pos[0]);
    return CLI_OK;
}

static int client_link(cli_ctx *ctx, int npos, char **pos)
{
    cairn_store *st = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (npos != 2) {
        return cli_usage("client", "client link needs CODE and PARTNER");
    }
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = cairn_store_couple_add(st, pos[0], pos[1], &err);
    cairn_store_close(st);
    if (rc < 0) {
        return cli_fail(&err);
    }
    printf("linked %s and %s as a couple\n", pos[0], pos[1]);
    return CLI_OK;
}

static int client_episode(cli_ctx *ctx, client_args *a, int npos, char **pos)
{
    cairn_store *st = NULL;
    cairn_error err = CAIRN_ERROR_INIT;
    if (npos != 1 || (a->start == NULL) == (a->end == NULL)) {
        return cli_usage("client",
                         "client episode needs CODE and --start or --end");
    }
    if (cli_store_open(ctx, &st) != CLI_OK) {
        return CLI_FAIL;
    }
    int rc = a->start
                 ? cairn_store_episode_add(st, pos[0], a->start, NULL, &err)
                 : cairn_store_episode_set_end(st, pos[0], a->end, &err);
    cairn_store_close(st);
    if (rc < 0) {
        return cli_fail(&err);
    }
    printf("%s an episode of care for %s on %s\n",
           a->start ? "opened" : "closed", pos[0],
           a->start ? a->start : a->end);
    return CLI_OK;
}

int cmd_client(cli_ctx *ctx, int argc, char **argv)
{
    const cli_sub *sub = NULL;
    int n = 0;
    int rc = cli_sub_parse("client", client_subs, argc, argv, &sub, &n);
    if (rc != CLI_OK) {
        return rc;
    }
    client_args *a = &given;
    a->c.name = empty_to_null(a->c.name);
    a->c.clinician = empty_to_null(a->c.clinician);
    a->c.notes = empty_to_null(a->c.notes);
    a->c.loss_date = empty_to_null(a->c.loss_date);
    a->c.external_id = empty_to_null(a->c.external_id);
    const char *s = sub->name;
    if (strcmp(s, "add") == 0) {
        return client_add(ctx, a, n, argv);
    }
    if (strcmp(s, "list") == 0) {
        return client_list(ctx, a, n);
    }
    if (strcmp(s, "show") == 0) {
        return client_show(ctx, a, n, argv);
    }
    if (strcmp(s, "edit") == 0) {
        return client_edit(ctx, a, n, argv);
    }
    if (strcmp(s, "link") == 0) {
        return client_link(ctx, n, argv);
    }
    return client_episode(ctx, a, n, argv);
}
