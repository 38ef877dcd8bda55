/*
 * export_provenance.c - what goes with a research export's data: the
 * provenance file (options, key id, counts, instruments and the
 * definitions that scored the rows, the de-identification, the clinic's
 * settings; jansson) and the export's audit entry.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/settings.h"
#include "export_write.h"

static int oom(cairn_error *err)
{
    return cairn_error_set(err, CAIRN_ENOMEM, "out of memory");
}

/* ------------------------------------------------------------------ */
/* Provenance                                                          */

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static json_t *instruments_json(const cairn__exporter *x)
{
    json_t *a = json_array();
    for (size_t i = 0; i < x->n_insts; i++) {
        const cairn__xinst *xi = &x->insts[i];
        if (xi->n_assessments == 0) {
            continue;
        }
        json_t *fps = json_object();
        for (size_t k = 0; k < x->n_fps; k++) {
            if (x->fps[k].inst == i) {
                json_object_set_new(fps, x->strings[x->fps[k].fp],
                                    json_integer((json_int_t)x->fps[k].n));
            }
        }
        /* no fingerprint (out of memory): no table, so no provenance */
        const char *fp = cairn_instrument_fingerprint(xi->inst);
        if (fp == NULL) {
            json_decref(fps);
            json_decref(a);
            return NULL;
        }
        json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:I,s:o}", "code",
                              cairn_instrument_code(xi->inst), "name",
                              cairn_instrument_name(xi->inst), "version",
                              cairn_instrument_version(xi->inst), "fingerprint",
                              fp, "assessments", (json_int_t)xi->n_assessments,
                              "fingerprints_in_data", fps);
        json_array_append_new(a, e);
    }
    return a;
}

/* The definitions table: each short id of the long format's definition
 * column, with the instrument, version and fingerprint it stands for. */
static int definitions_json(json_t **out, cairn__exporter *x, cairn_error *err)
{
    char version[128];
    json_t *a = json_array();
    int rc = a != NULL ? CAIRN_OK : oom(err);
    for (size_t i = 0; rc == CAIRN_OK && i < x->n_fps; i++) {
        const cairn__xfp *f = &x->fps[i];
        const char *fp = x->strings[f->fp];
        rc = cairn__store_definition_version(x->st, fp, version, sizeof version,
                                             err);
        json_t *d =
            rc < 0
                ? NULL
                : json_pack("{s:I,s:s,s:s?,s:s,s:I}", "definition",
                            (json_int_t)(i + 1), "instrument",
                            cairn_instrument_code(x->insts[f->inst].inst),
                            "version", version[0] ? version : NULL,
                            "fingerprint", fp, "assessments", (json_int_t)f->n);
        if (rc == CAIRN_OK && json_array_append_new(a, d) != 0) {
            rc = oom(err);
        }
    }
    if (rc < 0) {
        json_decref(a);
        a = NULL;
    }
    *out = a;
    return rc;
}

static json_t *deidentification_json(const cairn__exporter *x)
{
    json_t *o = json_pack(
        "{s:s,s:[s,s,s,s,s,s,s],s:{s:s,s:s},s:s,s:[s,s,s,s,s,s],s:s,s:s}",
        "pseudonym",
        "HMAC-SHA-256 of the client code under the site key (libsodium), "
        "first 80 bits in lowercase base32 (16 characters)",
        "removed", "client codes", "names", "notes and all other free text",
        "clinicians", "birth years", "calendar dates and times of day",
        "events, their labels and links between partners", "generalised", "age",
        "5-year bands at the loss (<20 ... 45+), year of loss minus birth "
        "year",
        "gestation",
        "bands <12, 12-19, 20-23, 24-27, 28-36, 37+ weeks "
        "(project policy)",
        "time",
        "days since the client's first assessment on any questionnaire, "
        "and days from the loss to that assessment",
        "kept", "loss kind", "item response codes", "scale scores",
        "severity bands", "definition fingerprints",
        "the order of a client's assessments", "row_order",
        "by pseudonym, then day: not by registration", "allow_list",
        "every column is classified in the allow-list of Cairn's export.c; "
        "see the data dictionary");
    json_object_set_new(
        o, "shifted_dates",
        x->o->shift_dates
            ? json_string("date_shifted and loss_date_shifted are the true "
                          "dates moved earlier by a per-client offset of "
                          "1-364 days from HMAC-SHA-256(site key, "
                          "\"cairn.date-shift.v1\" NUL client code); "
                          "intervals are true, dates are not")
            : json_null());
    return o;
}

static json_t *options_json(const cairn__exporter *x)
{
    const cairn_export_options *o = x->o;
    json_t *j = json_object();
    json_object_set_new(
        j, "format",
        json_string(o->format == CAIRN_EXPORT_LONG ? "long" : "wide"));
    json_object_set_new(j, "instrument",
                        o->instrument ? json_string(o->instrument)
                                      : json_null());
    json_object_set_new(j, "from",
                        o->from ? json_string(o->from) : json_null());
    json_object_set_new(j, "to", o->to ? json_string(o->to) : json_null());
    json_object_set_new(j, "shift_dates", json_boolean(o->shift_dates));
    json_object_set_new(
        j, "episodes",
        json_string("every assessment is exported, in or out of episodes of "
                    "care; the episode column numbers the client's episode "
                    "holding it (empty outside episodes) and "
                    "day_in_episode counts days from its start"));
    return j;
}

int cairn__exporter_provenance(cairn__exporter *x, const char *path,
                               const char *dict, cairn_error *err)
{
    char key_id[9];
    cairn__export_file f;
    cairn_settings *set = NULL;
    json_t *defs = NULL;
    int rc = cairn_export_key_id(x->key, key_id, err);
    if (rc == CAIRN_OK) {
        rc = definitions_json(&defs, x, err);
    }
    if (rc == CAIRN_OK) {
        rc = cairn_settings_list(&set, x->st, err);
    }
    if (rc < 0) {
        json_decref(defs);
        return rc;
    }
    json_t *o = json_pack(
        "{s:s,s:s,s:{s:s,s:s,s:s},s:o,s:s,s:{s:I,s:I,s:I},s:o,s:o}",
        "cairn_version", cairn_version(), "made_by", "cairn export", "files",
        "data", base_name(x->path), "dictionary", base_name(dict), "provenance",
        base_name(path), "options", options_json(x), "key_id", key_id, "counts",
        "rows", (json_int_t)x->res.rows, "assessments",
        (json_int_t)x->res.assessments, "clients", (json_int_t)x->res.clients,
        "instruments", instruments_json(x), "deidentification",
        deidentification_json(x));
    if (o != NULL) {
        /* the exported scores do not depend on them; statistics computed
         * from the same database (reports, aggregates) do */
        json_object_set_new(o, "definitions", defs);
        json_object_set_new(o, "clinic_settings",
                            cairn__settings_parameters_json(set));
    } else {
        json_decref(defs);
    }
    cairn_settings_free(set);
    if (o == NULL) {
        return oom(err);
    }
    rc = cairn__export_file_open(&f, path, &x->o->output, err);
    if (rc == CAIRN_OK) {
        bool bad =
            json_dumpf(o, f.f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0;
        putc('\n', f.f);
        rc = cairn__export_file_close(&f, !bad, err);
        if (bad && rc == CAIRN_OK) {
            rc = cairn_error_set(err, CAIRN_EIO, "%s: cannot write", path);
        }
    }
    json_decref(o);
    return rc;
}

/* The audit entry of an export: what was asked and how much went. */
int cairn__exporter_audit(const cairn__exporter *x, cairn_error *err)
{
    char kid[9] = "";
    const cairn_export_options *o = x->o;
    int rc = cairn_export_key_id(x->key, kid, err);
    if (rc < 0) {
        return rc;
    }
    json_t *after = json_pack(
        "{s:s,s:s,s:s?,s:s?,s:s?,s:b,s:I,s:I,s:I,s:I}", "kind", "de-identified",
        "format", o->format == CAIRN_EXPORT_LONG ? "long" : "wide",
        "instrument", o->instrument, "from", o->from, "to", o->to,
        "shift_dates", o->shift_dates, "assessments",
        (json_int_t)x->res.assessments, "clients", (json_int_t)x->res.clients,
        "rows", (json_int_t)x->res.rows, "instruments",
        (json_int_t)x->res.instruments);
    if (after != NULL &&
        json_object_set_new(after, "site_key", json_string(kid)) != 0) {
        json_decref(after);
        after = NULL;
    }
    return cairn__store_audit_release(x->st, "export.research", after, err);
}
