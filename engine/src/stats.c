/*
 * stats.c - change statistics (GSL): slopes with t intervals, reliable and
 * clinically significant change, NHS Talking Therapies paired outcomes,
 * pre-post effect sizes and Cronbach's alpha from mergeable sums.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_sf_gamma.h>

#include "cairn.h"
#include "cairn/settings.h"
#include "cairn/stats.h"

int cairn_stats_slope(cairn_slope *out, const double *t, const double *y,
                      size_t n, cairn_error *err)
{
    return cairn_stats_slope_tq(out, t, y, n, NULL, 0, err);
}

int cairn_stats_slope_tq(cairn_slope *out, const double *t, const double *y,
                         size_t n, double *tq, size_t n_tq, cairn_error *err)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(t[i]) || !isfinite(y[i])) {
            return cairn_error_set(err, CAIRN_EINVAL,
                                   "slope: point %zu is not a finite number",
                                   i + 1);
        }
    }
    bool varies = false;
    for (size_t i = 1; i < n; i++) {
        varies = varies || t[i] != t[0];
    }
    if (n < 2 || !varies) {
        return CAIRN_OK;
    }
    double c0, c1, cov00, cov01, cov11, sumsq;
    int rc =
        gsl_fit_linear(t, 1, y, 1, n, &c0, &c1, &cov00, &cov01, &cov11, &sumsq);
    if (rc != GSL_SUCCESS) {
        return cairn_error_set(err, CAIRN_ESTATS, "slope: %s",
                               gsl_strerror(rc));
    }
    out->has_estimate = true;
    out->intercept = c0;
    out->estimate = c1;
    if (n >= 3) {
        /* gsl_fit_linear's cov11 is sumsq / (n - 2) / Sxx. */
        size_t df = n - 2;
        double q = df < n_tq && tq[df] > 0
                       ? tq[df]
                       : gsl_cdf_tdist_Pinv(0.975, (double)df);
        if (df < n_tq) {
            tq[df] = q;
        }
        out->has_interval = true;
        out->se = sqrt(cov11);
        out->ci_low = c1 - q * out->se;
        out->ci_high = c1 + q * out->se;
    }
    return CAIRN_OK;
}

const char *cairn_rc_category_name(cairn_rc_category c)
{
    switch (c) {
    case CAIRN_RC_IMPROVED:
        return "improved";
    case CAIRN_RC_DETERIORATED:
        return "deteriorated";
    case CAIRN_RC_NO_RELIABLE_CHANGE:
        break;
    }
    return "no_reliable_change";
}

int cairn_stats_rci(cairn_rci *out, double baseline, double latest, double sd,
                    double r, cairn_direction dir, cairn_error *err)
{
    memset(out, 0, sizeof *out);
    if (!(sd > 0) || !isfinite(sd)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "reliable change: SD %g must be positive", sd);
    }
    if (!(r > 0 && r < 1)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "reliable change: reliability %g must be "
                               "between 0 and 1",
                               r);
    }
    out->sd = sd;
    out->reliability = r;
    out->s_diff = sqrt(2.0) * sd * sqrt(1 - r);
    out->value = (latest - baseline) / out->s_diff;
    out->threshold_points = CAIRN_RCI_Z * out->s_diff;
    out->category = CAIRN_RC_NO_RELIABLE_CHANGE;
    if (fabs(out->value) >= CAIRN_RCI_Z) {
        bool up = out->value > 0;
        bool better = dir == CAIRN_HIGHER_IS_BETTER ? up : !up;
        out->category = better ? CAIRN_RC_IMPROVED : CAIRN_RC_DETERIORATED;
    }
    return CAIRN_OK;
}

const char *cairn_param_origin_name(cairn_param_origin o)
{
    switch (o) {
    case CAIRN_PARAM_DEFINITION:
        return "definition";
    case CAIRN_PARAM_SETTING:
        return "setting";
    case CAIRN_PARAM_OVERRIDE:
        return "command_line";
    case CAIRN_PARAM_NONE:
        break;
    }
    return "none";
}

const char *cairn_cs_criterion_name(cairn_cs_criterion c)
{
    switch (c) {
    case CAIRN_CS_JT_A:
        return "jacobson_truax_a";
    case CAIRN_CS_JT_B:
        return "jacobson_truax_b";
    case CAIRN_CS_JT_C:
        return "jacobson_truax_c";
    case CAIRN_CS_CUTOFF:
        break;
    }
    return "cutoff";
}

/* One value in force: override, else setting, else the definition's. */
typedef struct param_pick {
    bool has;
    double value;
    cairn_param_origin from;
    const cairn_setting *setting;
} param_pick;

static param_pick pick(bool has_override, double override,
                       const cairn_settings *st, const char *code,
                       const char *scale, const char *name, bool has_def,
                       double def)
{
    param_pick p = {false, 0, CAIRN_PARAM_NONE, NULL};
    char key[3 * CAIRN_SETTING_KEY_MAX];
    snprintf(key, sizeof key, "%s.%s.%s", code ? code : "", scale, name);
    const cairn_setting *set = code ? cairn_settings_find(st, key) : NULL;
    if (has_override) {
        p = (param_pick){true, override, CAIRN_PARAM_OVERRIDE, NULL};
    } else if (set != NULL && set->type == CAIRN_SETTING_NUMBER) {
        p = (param_pick){true, set->number, CAIRN_PARAM_SETTING, set};
    } else if (has_def) {
        p = (param_pick){true, def, CAIRN_PARAM_DEFINITION, NULL};
    }
    return p;
}

/* "clinic setting KEY = V (set by W on D)" or "command line". */
static void describe(char *buf, size_t cap, const char *what,
                     const param_pick *p)
{
    size_t len = strlen(buf);
    if (len >= cap) {
        return;
    }
    const char *sep = len ? "; " : "";
    if (p->from == CAIRN_PARAM_OVERRIDE) {
        snprintf(buf + len, cap - len, "%s%s%scommand line", sep,
                 what ? what : "", what ? ": " : "");
    } else if (p->from == CAIRN_PARAM_SETTING) {
        snprintf(buf + len, cap - len,
                 "%s%s%sclinic setting %s = %s (set by %s on %.10s)", sep,
                 what ? what : "", what ? ": " : "", p->setting->key,
                 p->setting->text, p->setting->set_by, p->setting->set_at);
    }
}

/* Jacobson-Truax criteria a, b, c from the clinic's normative values. */
static bool norms_cutoff(cairn_change_params *out, const char *code,
                         const cairn_scale *scale, const cairn_settings *st)
{
    static const char *const names[] = {"clinical_mean", "clinical_sd",
                                        "normal_mean", "normal_sd"};
    param_pick v[4];
    for (int i = 0; i < 4; i++) {
        v[i] = pick(false, 0, st, code, scale->id, names[i], false, 0);
    }
    bool clin = v[0].has && v[1].has, norm = v[2].has && v[3].has;
    if (!clin && !norm) {
        return false;
    }
    /* the direction of functionality: down when higher is worse */
    double sign = scale->direction == CAIRN_HIGHER_IS_WORSE ? 1 : -1;
    double mc = v[0].value, sc = v[1].value, mn = v[2].value, sn = v[3].value;
    if (clin && norm) {
        out->criterion = CAIRN_CS_JT_C;
        out->cutoff = (sc * mn + sn * mc) / (sc + sn);
    } else if (clin) {
        out->criterion = CAIRN_CS_JT_A;
        out->cutoff = mc - sign * 2 * sc;
    } else {
        out->criterion = CAIRN_CS_JT_B;
        out->cutoff = mn + sign * 2 * sn;
    }
    out->has_cutoff = true;
    out->cutoff_from = CAIRN_PARAM_SETTING;
    out->case_when = scale->direction == CAIRN_HIGHER_IS_WORSE
                         ? CAIRN_CASE_ABOVE
                         : CAIRN_CASE_BELOW;
    snprintf(out->cutoff_source, sizeof out->cutoff_source,
             "Jacobson-Truax criterion %c (Jacobson NS, Truax P. J Consult "
             "Clin Psychol 1991;59(1):12-19) from clinic settings",
             "?abc"[out->criterion]);
    for (int i = 0; i < 4; i++) {
        if (v[i].has) {
            describe(out->cutoff_source, sizeof out->cutoff_source, names[i],
                     &v[i]);
        }
    }
    snprintf(out->criterion_text, sizeof out->criterion_text,
             out->criterion == CAIRN_CS_JT_C
                 ? "Jacobson-Truax criterion c: nearer the normal mean "
                   "than the clinical mean (cut-off %.2f)"
             : out->criterion == CAIRN_CS_JT_A
                 ? "Jacobson-Truax criterion a: 2 SD beyond the clinical "
                   "mean (cut-off %.2f)"
                 : "Jacobson-Truax criterion b: within 2 SD of the normal "
                   "mean (cut-off %.2f)",
             out->cutoff);
    return true;
}

static void cutoff_from(cairn_change_params *out, const char *code,
                        const cairn_scale *scale, const cairn_settings *st,
                        const cairn_param_overrides *o)
{
    param_pick c = pick(o->has_cutoff, o->cutoff, st, code, scale->id, "cutoff",
                        scale->has_cutoff, scale->cutoff);
    if (c.from != CAIRN_PARAM_OVERRIDE && c.from != CAIRN_PARAM_SETTING &&
        norms_cutoff(out, code, scale, st)) {
        return;
    }
    out->criterion = CAIRN_CS_CUTOFF;
    out->has_cutoff = c.has;
    out->cutoff_from = c.from;
    if (!c.has) {
        return;
    }
    out->cutoff = c.value;
    out->case_when = scale->has_cutoff ? scale->case_when
                     : scale->direction == CAIRN_HIGHER_IS_WORSE
                         ? CAIRN_CASE_AT_OR_ABOVE
                         : CAIRN_CASE_BELOW;
    if (c.from == CAIRN_PARAM_DEFINITION) {
        snprintf(out->cutoff_source, sizeof out->cutoff_source, "%s",
                 scale->cutoff_source);
    } else {
        describe(out->cutoff_source, sizeof out->cutoff_source, NULL, &c);
    }
    snprintf(out->criterion_text, sizeof out->criterion_text,
             c.from == CAIRN_PARAM_DEFINITION
                 ? "crossed the instrument's cut-off (%g): a screening or "
                   "caseness threshold, not a Jacobson-Truax criterion"
                 : "crossed a cut-off of %g chosen by the clinic, not a "
                   "Jacobson-Truax criterion",
             c.value);
}

int cairn_stats_params_resolve(cairn_change_params *out, const char *code,
                               const cairn_scale *scale,
                               const cairn_settings *st,
                               const cairn_param_overrides *o, cairn_error *err)
{
    static const cairn_param_overrides none = {0};
    o = o ? o : &none;
    memset(out, 0, sizeof *out);
    if (o->has_sd && !(o->sd > 0)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "reliable-change SD must be positive, not %g",
                               o->sd);
    }
    if (o->has_reliability && !(o->reliability > 0 && o->reliability < 1)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "reliability must be between 0 and 1, not %g",
                               o->reliability);
    }
    param_pick sd = pick(o->has_sd, o->sd, st, code, scale->id, "rci_sd",
                         scale->has_reliable_change, scale->rc_sd);
    param_pick r = pick(o->has_reliability, o->reliability, st, code, scale->id,
                        "rci_reliability", scale->has_reliable_change,
                        scale->rc_reliability);
    out->has_rc = sd.has && r.has;
    if (out->has_rc) {
        out->sd = sd.value;
        out->reliability = r.value;
        out->sd_from = sd.from;
        out->reliability_from = r.from;
        if (sd.from == CAIRN_PARAM_OVERRIDE && r.from == CAIRN_PARAM_OVERRIDE) {
            describe(out->rc_source, sizeof out->rc_source, NULL, &sd);
        } else {
            describe(out->rc_source, sizeof out->rc_source, "SD", &sd);
            describe(out->rc_source, sizeof out->rc_source, "reliability", &r);
        }
        if (sd.from == CAIRN_PARAM_DEFINITION ||
            r.from == CAIRN_PARAM_DEFINITION) {
            size_t len = strlen(out->rc_source);
            snprintf(out->rc_source + len, sizeof out->rc_source - len, "%s%s",
                     len ? "; the other value: " : "", scale->rc_source);
        }
    }
    if (!out->has_rc) {
        param_pick pts = pick(false, 0, st, code, scale->id, "rci_points",
                              scale->has_rc_points, scale->rc_points);
        out->has_rc = pts.has;
        out->rc_from_points = pts.has;
        out->rc_points = pts.value;
        out->points_from = pts.from;
        if (pts.from == CAIRN_PARAM_DEFINITION) {
            snprintf(out->rc_source, sizeof out->rc_source, "%s",
                     scale->rc_source);
        } else if (pts.has) {
            describe(out->rc_source, sizeof out->rc_source, "threshold", &pts);
        }
    }
    cutoff_from(out, code, scale, st, o);
    return CAIRN_OK;
}

int cairn_stats_rci_points(cairn_rci *out, double baseline, double latest,
                           double points, cairn_direction dir, cairn_error *err)
{
    memset(out, 0, sizeof *out);
    if (!(points > 0) || !isfinite(points)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "reliable change: threshold %g must be "
                               "positive",
                               points);
    }
    double change = latest - baseline;
    out->from_points = true;
    out->threshold_points = points;
    out->s_diff = points / CAIRN_RCI_Z;
    out->value = change / out->s_diff;
    out->category = CAIRN_RC_NO_RELIABLE_CHANGE;
    /* compared in points, so a change of exactly the threshold counts */
    if (fabs(change) >= points) {
        bool better = dir == CAIRN_HIGHER_IS_BETTER ? change > 0 : change < 0;
        out->category = better ? CAIRN_RC_IMPROVED : CAIRN_RC_DETERIORATED;
    }
    return CAIRN_OK;
}

int cairn_stats_rci_in_force(cairn_rci *out, double baseline, double latest,
                             const cairn_change_params *p, cairn_direction dir,
                             cairn_error *err)
{
    if (p->rc_from_points) {
        return cairn_stats_rci_points(out, baseline, latest, p->rc_points, dir,
                                      err);
    }
    return cairn_stats_rci(out, baseline, latest, p->sd, p->reliability, dir,
                           err);
}

int cairn_stats_params(cairn_change_params *out, const cairn_scale *scale,
                       const cairn_param_overrides *o, cairn_error *err)
{
    return cairn_stats_params_resolve(out, NULL, scale, NULL, o, err);
}

bool cairn_stats_is_case(double score, double cutoff, cairn_case_when when)
{
    switch (when) {
    case CAIRN_CASE_AT_OR_ABOVE:
        return score >= cutoff;
    case CAIRN_CASE_ABOVE:
        return score > cutoff;
    case CAIRN_CASE_AT_OR_BELOW:
        return score <= cutoff;
    case CAIRN_CASE_BELOW:
        return score < cutoff;
    }
    return false;
}

cairn_clinical cairn_stats_clinical(double baseline, double latest,
                                    double cutoff, cairn_case_when when,
                                    cairn_rc_category rc)
{
    cairn_clinical c;
    c.case_at_baseline = cairn_stats_is_case(baseline, cutoff, when);
    c.case_at_latest = cairn_stats_is_case(latest, cutoff, when);
    c.recovered = c.case_at_baseline && !c.case_at_latest;
    c.reliably_recovered = c.recovered && rc == CAIRN_RC_IMPROVED;
    return c;
}

cairn_nhstt cairn_stats_nhstt(const cairn_nhstt_measure *dep,
                              const cairn_nhstt_measure *anx)
{
    cairn_nhstt o;
    bool dep_better = dep->first - dep->last >= dep->reliable_change;
    bool anx_better = anx->first - anx->last >= anx->reliable_change;
    bool dep_worse = dep->last - dep->first >= dep->reliable_change;
    bool anx_worse = anx->last - anx->first >= anx->reliable_change;
    o.at_caseness = dep->first >= dep->caseness || anx->first >= anx->caseness;
    o.recovered =
        o.at_caseness && dep->last < dep->caseness && anx->last < anx->caseness;
    o.reliable_improvement =
        (dep_better || anx_better) && !dep_worse && !anx_worse;
    o.reliable_deterioration = dep_worse || anx_worse;
    o.reliable_recovery = o.recovered && o.reliable_improvement;
    return o;
}

void cairn_moments_add(cairn_moments *m, double b, double l)
{
    m->n += 1;
    m->sb += b;
    m->sbb += b * b;
    m->sl += l;
    m->sll += l * l;
    m->sbl += b * l;
}

void cairn_moments_merge(cairn_moments *a, const cairn_moments *b)
{
    a->n += b->n;
    a->sb += b->sb;
    a->sbb += b->sbb;
    a->sl += b->sl;
    a->sll += b->sll;
    a->sbl += b->sbl;
}

/* A normal-theory interval around `value` with variance `var`. */
static cairn_effect effect(double value, double var)
{
    cairn_effect e = {0};
    if (!isfinite(value) || !(var >= 0)) {
        return e;
    }
    double z = gsl_cdf_ugaussian_Pinv(0.975);
    e.has_value = true;
    e.value = value;
    e.se = sqrt(var);
    e.ci_low = value - z * e.se;
    e.ci_high = value + z * e.se;
    return e;
}

void cairn_stats_smcr(cairn_effect *d, cairn_effect *g, double pre, double post,
                      double sd_pre, double n, double r)
{
    cairn_effect none = {0};
    bool ok = sd_pre > 0 && n >= 2 && r >= -1 && r <= 1;
    double dv = ok ? (post - pre) / sd_pre : 0;
    if (d != NULL) {
        *d = ok ? effect(dv, 2 * (1 - r) / n + dv * dv / (2 * n)) : none;
    }
    if (g != NULL) {
        /* exact c(m), m = n - 1, on the log scale (no overflow); metafor
         * uses the same and leaves it undefined for m <= 1 */
        double m = n - 1;
        *g = none;
        if (ok && m > 1) {
            double c = exp(gsl_sf_lngamma(m / 2) - 0.5 * log(m / 2) -
                           gsl_sf_lngamma((m - 1) / 2));
            double gv = c * dv;
            *g = effect(gv, 2 * (1 - r) / n + gv * gv / (2 * n));
        }
    }
}

int cairn_stats_cohort_change(cairn_cohort_change *out, const cairn_moments *m,
                              cairn_error *err)
{
    memset(out, 0, sizeof *out);
    if (!(m->n >= 1)) {
        return cairn_error_set(err, CAIRN_EINVAL,
                               "cohort: no client has a baseline and a "
                               "latest score");
    }
    double n = m->n;
    out->n = n;
    out->baseline_mean = m->sb / n;
    out->latest_mean = m->sl / n;
    out->change_mean = out->latest_mean - out->baseline_mean;
    if (n < 2) {
        return CAIRN_OK;
    }
    /* Centred sums of squares and cross-products from raw sums; scores are
     * small integers, so the sums are exact in double. */
    double cbb = m->sbb - m->sb * m->sb / n;
    double cll = m->sll - m->sl * m->sl / n;
    double cbl = m->sbl - m->sb * m->sl / n;
    double cdd = cll + cbb - 2 * cbl;
    out->baseline_sd = sqrt(fmax(cbb, 0) / (n - 1));
    out->latest_sd = sqrt(fmax(cll, 0) / (n - 1));
    out->change_sd = sqrt(fmax(cdd, 0) / (n - 1));
    out->r = cbb > 0 && cll > 0 ? cbl / sqrt(cbb * cll) : NAN;
    if (isfinite(out->r)) {
        cairn_stats_smcr(&out->d, &out->g, out->baseline_mean, out->latest_mean,
                         out->baseline_sd, n, out->r);
    }
    if (out->change_sd > 0) {
        double dz = out->change_mean / out->change_sd;
        out->d_z = effect(dz, 1 / n + dz * dz / (2 * n));
    }
    return CAIRN_OK;
}

void cairn_item_moments_init(cairn_item_moments *m, size_t k)
{
    memset(m, 0, sizeof *m);
    m->k = k < CAIRN_ALPHA_MAX_ITEMS ? k : CAIRN_ALPHA_MAX_ITEMS;
}

void cairn_item_moments_add(cairn_item_moments *m, const double *x)
{
    m->n += 1;
    for (size_t i = 0; i < m->k; i++) {
        m->s[i] += x[i];
        for (size_t j = 0; j < m->k; j++) {
            m->ss[i][j] += x[i] * x[j];
        }
    }
}

void cairn_item_moments_merge(cairn_item_moments *a,
                              const cairn_item_moments *b)
{
    a->n += b->n;
    for (size_t i = 0; i < a->k; i++) {
        a->s[i] += b->s[i];
        for (size_t j = 0; j < a->k; j++) {
            a->ss[i][j] += b->ss[i][j];
        }
    }
}

int cairn_stats_alpha(double *out, const cairn_item_moments *m,
                      cairn_error *err)
{
    *out = NAN;
    if (m->n < 2 || m->k < 2) {
        return cairn_error_set(err, CAIRN_ESTATS,
                               "alpha needs at least 2 complete response "
                               "sets and 2 items (have %g and %zu)",
                               m->n, m->k);
    }
    double item_var = 0, total_var = 0;
    for (size_t i = 0; i < m->k; i++) {
        for (size_t j = 0; j < m->k; j++) {
            double c = (m->ss[i][j] - m->s[i] * m->s[j] / m->n) / (m->n - 1);
            total_var += c;
            if (i == j) {
                item_var += c;
            }
        }
    }
    if (!(total_var > 0)) {
        return cairn_error_set(err, CAIRN_ESTATS,
                               "alpha is undefined: every total score is "
                               "the same");
    }
    double k = (double)m->k;
    *out = k / (k - 1) * (1 - item_var / total_var);
    return CAIRN_OK;
}
