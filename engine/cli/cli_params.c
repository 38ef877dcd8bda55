/*
 * cli_params.c - the clinical parameters every statistics command takes
 * in one form: --rci-sd, --rci-reliability and --cutoff as
 * [INSTRUMENT[.SCALE]=]NUMBER, --time and --no-improvement-weeks.
 *
 * A bare NUMBER applies to the one instrument a command is about (trend,
 * cohort, report cohort, aggregate, or --instrument); the INSTRUMENT=
 * prefix is accepted everywhere and needed where a command covers
 * several instruments (report client, couple, caseload).  The options
 * are parsed before the catalog is loaded, so names are resolved later,
 * when the command knows its instruments.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

cli_params cli_given = {.no_improvement_weeks = CAIRN_NO_IMPROVEMENT_WEEKS};

static const char *const time_words[] = {"since-first", "since-loss", NULL};

enum { SD, RELIABILITY, CUTOFF };

/* The entry for `name` (may be empty: unnamed), added when new. */
static cli_override *entry(cli_overrides *ov, const char *name, size_t len)
{
    for (size_t i = 0; i < ov->n; i++) {
        if (strlen(ov->items[i].name) == len &&
            strncmp(ov->items[i].name, name, len) == 0) {
            return &ov->items[i];
        }
    }
    if (ov->n == CLI_MAX_OVERRIDES || len >= sizeof ov->items[0].name) {
        return NULL;
    }
    cli_override *e = &ov->items[ov->n++];
    memset(e, 0, sizeof *e);
    memcpy(e->name, name, len);
    return e;
}

static int parse_param(int which, const cli_opt *o, const char *v, char *why,
                       size_t size)
{
    static const char *const need[] = {"be positive", "be between 0 and 1", ""};
    const char *eq = strchr(v, '=');
    double x = 0;
    if (!cli_parse_number(eq ? eq + 1 : v, &x) || eq == v) {
        snprintf(why, size, "--%s takes [INSTRUMENT[.SCALE]=]NUMBER, not '%s'",
                 o->name, v);
        return -1;
    }
    if ((which == SD && !(x > 0)) ||
        (which == RELIABILITY && !(x > 0 && x < 1))) {
        snprintf(why, size, "--%s must %s, not '%s'", o->name, need[which], v);
        return -1;
    }
    cli_override *e = entry(o->target, v, eq ? (size_t)(eq - v) : 0);
    if (e == NULL) {
        snprintf(why, size, "--%s '%s': too many overrides or too long a name",
                 o->name, v);
        return -1;
    }
    bool *has[] = {&e->has_sd, &e->has_reliability, &e->has_cutoff};
    double *val[] = {&e->sd, &e->reliability, &e->cutoff};
    *has[which] = true;
    *val[which] = x;
    return 0;
}

static int parse_sd(const cli_opt *o, const char *v, char *why, size_t size)
{
    return parse_param(SD, o, v, why, size);
}

static int parse_reliability(const cli_opt *o, const char *v, char *why,
                             size_t size)
{
    return parse_param(RELIABILITY, o, v, why, size);
}

static int parse_cutoff(const cli_opt *o, const char *v, char *why, size_t size)
{
    return parse_param(CUTOFF, o, v, why, size);
}

const cli_opt cli_override_opts[] = {
    {"rci-sd", "[I=]SD", "SD for reliable change (positive)", .parse = parse_sd,
     .target = &cli_given.ov},
    {"rci-reliability", "[I=]R", "reliability for reliable change (0 < R < 1)",
     .parse = parse_reliability, .target = &cli_given.ov},
    {"cutoff", "[I=]C",
     "clinical cut-off (I: an instrument, or\ninstrument.scale such as "
     "pgs33.despair)",
     .parse = parse_cutoff, .target = &cli_given.ov},
    {NULL}};

/* --episode current|all|N */
static int parse_episode(const cli_opt *o, const char *v, char *why,
                         size_t size)
{
    double n = 0;
    (void)o;
    if (strcmp(v, "all") == 0) {
        cli_given.episode = CAIRN_EPISODE_ALL;
    } else if (strcmp(v, "current") == 0) {
        cli_given.episode = CAIRN_EPISODE_CURRENT;
    } else if (cli_parse_number(v, &n) && n >= 1 && n <= 10000 && n == (int)n) {
        cli_given.episode = (int)n;
    } else {
        snprintf(why, size,
                 "--episode takes current, all or an episode number, not "
                 "'%s'",
                 v);
        return -1;
    }
    return 0;
}

const cli_opt cli_episode_opts[] = {
    {"episode", "current|all|N",
     "the episode of care change is measured in:\nthe current (latest) one, "
     "all, or its\nnumber (1 = the first); risk alerts come\nfrom every "
     "assessment",
     .parse = parse_episode},
    {NULL}};

const cli_opt cli_time_opts[] = {
    {"time", "since-first|since-loss",
     "time axis of the weekly slopes (default\nsince-first)",
     .choice = &cli_given.time, .choices = time_words},
    {"no-improvement-weeks", "N",
     "alert after N weeks without reliable\nimprovement (default 12)",
     .num = &cli_given.no_improvement_weeks, .range = CLI_POSITIVE,
     .given = &cli_given.has_weeks},
    {.include = cli_episode_opts},
    {NULL}};

/* The scale `name` of `inst` (NULL: the main one); a usage error of
 * `cmd` when it has none of that name. */
static int scale_of(const char *cmd, const cairn_instrument *inst,
                    const char *name, const cairn_scale **sc)
{
    *sc = name ? cairn_instrument_find_scale(inst, name)
               : cairn_instrument_scale(inst, 0);
    if (*sc == NULL) {
        return cli_usage(cmd, "%s has no scale '%s'",
                         cairn_instrument_code(inst), name);
    }
    return CLI_OK;
}

/* The instrument and scale an entry names; CLI_OK, CLI_USAGE or CLI_FAIL
 * (printed). */
static int resolve(cli_ctx *ctx, const char *cmd, const cli_override *e,
                   const cairn_instrument **inst, const cairn_scale **sc)
{
    char buf[sizeof e->name];
    snprintf(buf, sizeof buf, "%s", e->name);
    char *dot = strchr(buf, '.');
    if (dot != NULL) {
        *dot = '\0';
    }
    *inst = cli_instrument(ctx, buf);
    if (*inst == NULL) {
        return CLI_FAIL;
    }
    return scale_of(cmd, *inst, dot ? dot + 1 : NULL, sc);
}

int cli_params_overrides(cli_ctx *ctx, const char *cmd,
                         const cairn_instrument *inst, const char *scale,
                         cairn_trend_override *out, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < cli_given.ov.n; i++) {
        const cli_override *e = &cli_given.ov.items[i];
        const cairn_instrument *named = inst;
        const cairn_scale *sc = NULL;
        int rc = CLI_OK;
        if (e->name[0] != '\0') {
            rc = resolve(ctx, cmd, e, &named, &sc);
        } else if (inst == NULL) {
            rc = cli_usage(cmd,
                           "%s: covers several instruments: give --rci-sd, "
                           "--rci-reliability and --cutoff as "
                           "INSTRUMENT=NUMBER, or --instrument",
                           cmd);
        } else {
            rc = scale_of(cmd, inst, scale, &sc);
        }
        if (rc != CLI_OK) {
            return rc;
        }
        cairn_trend_override *v = &out[(*n)++];
        *v = (cairn_trend_override){cairn_instrument_code(named),
                                    sc->id,
                                    e->has_sd,
                                    e->sd,
                                    e->has_reliability,
                                    e->reliability,
                                    e->has_cutoff,
                                    e->cutoff};
    }
    return CLI_OK;
}

cairn_time_axis cli_params_axis(void)
{
    return cli_given.time == 1 ? CAIRN_TIME_SINCE_LOSS : CAIRN_TIME_SINCE_FIRST;
}

int cli_params_trend(cli_ctx *ctx, const char *cmd,
                     const cairn_instrument *inst, const char *scale,
                     cairn_trend_options *t)
{
    cairn_trend_override ov[CLI_MAX_OVERRIDES];
    const cairn_scale *sc = NULL;
    size_t n = 0;
    int rc = scale_of(cmd, inst, scale, &sc);
    if (rc == CLI_OK) {
        rc = cli_params_overrides(ctx, cmd, inst, scale, ov, &n);
    }
    for (size_t i = 0; rc == CLI_OK && i < n; i++) {
        if (strcmp(ov[i].instrument, cairn_instrument_code(inst)) != 0 ||
            strcmp(ov[i].scale, sc->id) != 0) {
            return cli_usage(cmd,
                             "%s: an override names %s.%s, but this is "
                             "about %s.%s",
                             cmd, ov[i].instrument, ov[i].scale,
                             cairn_instrument_code(inst), sc->id);
        }
    }
    if (rc != CLI_OK) {
        return rc;
    }
    cairn_trend_options base = CAIRN_TREND_OPTIONS_INIT;
    base.scale = scale;
    base.axis = cli_params_axis();
    base.no_improvement_weeks = cli_given.no_improvement_weeks;
    base.has_no_improvement_weeks = cli_given.has_weeks;
    base.episode = cli_given.episode;
    *t = cairn_trend_options_for(&base, ov, n, inst, sc);
    return CLI_OK;
}

int cli_params_many(cli_ctx *ctx, const char *cmd, const char *instrument,
                    const char *scale, cairn_trend_options *t,
                    cairn_trend_override *ov, size_t *n)
{
    const cairn_instrument *inst = NULL;
    *n = 0;
    if (scale != NULL && instrument == NULL) {
        return cli_usage(cmd, "%s: --scale needs --instrument", cmd);
    }
    if (instrument != NULL &&
        (inst = cli_instrument(ctx, instrument)) == NULL) {
        return CLI_FAIL;
    }
    t->scale = scale;
    t->axis = cli_params_axis();
    t->no_improvement_weeks = cli_given.no_improvement_weeks;
    t->has_no_improvement_weeks = cli_given.has_weeks;
    t->episode = cli_given.episode;
    return cli_params_overrides(ctx, cmd, inst, scale, ov, n);
}

void cli_params_cohort(const cairn_trend_options *t, cairn_cohort_options *c)
{
    c->scale = t->scale;
    c->has_sd = t->has_sd;
    c->sd = t->sd;
    c->has_reliability = t->has_reliability;
    c->reliability = t->reliability;
    c->has_cutoff = t->has_cutoff;
    c->cutoff = t->cutoff;
    c->episode = t->episode;
}
