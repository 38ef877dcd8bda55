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

#include "cairn_report.h"
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
    const char *num = eq ? eq + 1 : v;
    char *end = NULL;
    double x = 0;
    errno = 0;
    if (*num != '\0' && !isspace((unsigned char)*num)) {
        x = strtod(num, &end);
    }
    if (end == NULL || *end != '\0' || errno != 0 || !isfinite(x) || eq == v) {
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

const cli_opt cli_time_opts[] = {
    {"time", "since-first|since-loss",
     "time axis of the weekly slopes (default\nsince-first)",
     .choice = &cli_given.time, .choices = time_words},
    {"no-improvement-weeks", "N",
     "alert after N weeks without reliable\nimprovement (default 12)",
     .num = &cli_given.no_improvement_weeks, .range = CLI_POSITIVE,
     .given = &cli_given.has_weeks},
    {NULL}};

/* The instrument and scale an entry names; CLI_OK or CLI_FAIL (printed). */
static int resolve(cli_ctx *ctx, const cli_override *e,
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
    *sc = dot ? cairn_instrument_find_scale(*inst, dot + 1) : NULL;
    if (dot != NULL && *sc == NULL) {
        cli_error("%s has no scale '%s'", cairn_instrument_code(*inst),
                  dot + 1);
        return CLI_FAIL;
    }
    return CLI_OK;
}

static void apply(const cli_override *e, cairn_trend_options *t)
{
    if (e->has_sd) {
        t->has_sd = true;
        t->sd = e->sd;
    }
    if (e->has_reliability) {
        t->has_reliability = true;
        t->reliability = e->reliability;
    }
    if (e->has_cutoff) {
        t->has_cutoff = true;
        t->cutoff = e->cutoff;
    }
}

cairn_time_axis cli_params_axis(void)
{
    return cli_given.time == 1 ? CAIRN_TIME_SINCE_LOSS
                               : CAIRN_TIME_SINCE_FIRST;
}

int cli_params_trend(cli_ctx *ctx, const char *cmd,
                     const cairn_instrument *inst, const char *scale, bool only,
                     cairn_trend_options *t)
{
    t->scale = scale;
    t->axis = cli_params_axis();
    t->no_improvement_weeks = cli_given.no_improvement_weeks;
    t->has_no_improvement_weeks = cli_given.has_weeks;
    for (size_t i = 0; i < cli_given.ov.n; i++) {
        const cli_override *e = &cli_given.ov.items[i];
        const cairn_instrument *named = NULL;
        const cairn_scale *sc = NULL;
        if (e->name[0] == '\0') {
            apply(e, t);
            continue;
        }
        if (resolve(ctx, e, &named, &sc) != CLI_OK) {
            return CLI_FAIL;
        }
        bool same_scale =
            sc == NULL || (scale ? strcmp(sc->id, scale) == 0
                                 : sc == cairn_instrument_scale(named, 0));
        if (named == inst && same_scale) {
            apply(e, t);
        } else if (only) {
            return cli_usage(cmd,
                             "%s: an override names %s, but this is about "
                             "%s%s%s",
                             cmd, e->name, cairn_instrument_code(inst),
                             scale ? "." : "", scale ? scale : "");
        }
    }
    return CLI_OK;
}

bool cli_params_unnamed(void)
{
    for (size_t i = 0; i < cli_given.ov.n; i++) {
        if (cli_given.ov.items[i].name[0] == '\0') {
            return true;
        }
    }
    return false;
}

int cli_params_report(cli_ctx *ctx, const char *cmd, cairn_report_override *out,
                      size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < cli_given.ov.n; i++) {
        const cli_override *e = &cli_given.ov.items[i];
        const cairn_instrument *inst = NULL;
        const cairn_scale *sc = NULL;
        if (e->name[0] == '\0') {
            return cli_usage(cmd,
                             "%s: covers several instruments: give "
                             "--rci-sd, --rci-reliability and --cutoff as "
                             "INSTRUMENT=NUMBER",
                             cmd);
        }
        if (resolve(ctx, e, &inst, &sc) != CLI_OK) {
            return CLI_FAIL;
        }
        cairn_report_override *v = &out[(*n)++];
        memset(v, 0, sizeof *v);
        v->instrument = cairn_instrument_code(inst);
        v->scale = sc ? sc->id : cairn_instrument_scale(inst, 0)->id;
        v->has_sd = e->has_sd;
        v->sd = e->sd;
        v->has_reliability = e->has_reliability;
        v->reliability = e->reliability;
        v->has_cutoff = e->has_cutoff;
        v->cutoff = e->cutoff;
    }
    return CLI_OK;
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
}
