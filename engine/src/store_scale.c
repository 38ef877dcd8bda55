/*
 * store_scale.c - one scale's value out of stored scores texts, decoded
 * by jansson once per distinct text: the one-scale cohort scan
 * (store_read.c) meets a few dozen distinct scores texts in a million
 * rows (a PHQ-9 total has 28 values), so each decoded value is kept in
 * a memo (memo.c) keyed by the text, up to KEEP of them; the rest are
 * decoded row by row into two slots the caller rotates.
 *
 * The value is read as SQLite's json_extract(scores, '$[scale][0]') and
 * '$[scale][1]' read it before: a scale position the text does not have
 * gives no score and no band; a score that is not a number and a band
 * that is not text are marked, so the reader refuses them where it
 * uses them.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store_db.h"

/* Distinct texts kept (each about 60 bytes, and 64 of the memo's). */
#define KEEP 4096

struct cairn__scale_memo {
    size_t scale;
    cairn__memo *memo;
    size_t n_kept;
    cairn__scale_val *kept; /* a list through `next`, freed at the end */
    cairn__scale_val *held[2]; /* not kept: this row's and the last one's */
};

int cairn__scale_memo_new(cairn__scale_memo **out, size_t scale)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL || cairn__memo_new_sized(&(*out)->memo, KEEP) < 0) {
        free(*out);
        *out = NULL;
        return CAIRN_ENOMEM;
    }
    (*out)->scale = scale;
    return CAIRN_OK;
}

/* The value at position `scale` of `text`; NULL when the text is not a
 * JSON array (*oom false) or memory ran out (*oom true). */
static cairn__scale_val *decode(const char *text, size_t len, size_t scale,
                                bool *oom)
{
    json_t *j = json_loadb(text, len, 0, NULL);
    *oom = false;
    if (j == NULL || !json_is_array(j)) {
        json_decref(j);
        return NULL;
    }
    json_t *v = json_array_get(j, scale);
    json_t *score = json_is_array(v) ? json_array_get(v, 0) : NULL;
    json_t *band = json_is_array(v) ? json_array_get(v, 1) : NULL;
    size_t n = json_is_string(band) ? json_string_length(band) : 0;
    cairn__scale_val *d = malloc(sizeof *d + n + 1);
    if (d == NULL) {
        json_decref(j);
        *oom = true;
        return NULL;
    }
    *d = (cairn__scale_val){
        .has_score = json_is_number(score),
        .score = json_is_number(score) ? json_number_value(score) : 0,
        .score_bad = score != NULL && !json_is_null(score) &&
                     !json_is_number(score),
        .band_bad = band != NULL && !json_is_null(band) && !json_is_string(band),
    };
    if (json_is_string(band)) {
        memcpy(d->text, json_string_value(band), n);
        d->text[n] = '\0';
        d->band = d->text;
    }
    json_decref(j);
    return d;
}

int cairn__scale_memo_get(cairn__scale_memo *m, const char *text, size_t len,
                          const cairn__scale_val **out)
{
    size_t got = 0;
    bool oom = false;
    *out = NULL;
    const char *hit = cairn__memo_get(m->memo, text, len, &got);
    cairn__scale_val *d = NULL;
    if (hit != NULL && got == sizeof d) {
        memcpy(&d, hit, sizeof d);
        *out = d;
        return CAIRN_OK;
    }
    d = decode(text, len, m->scale, &oom);
    if (d == NULL) {
        return oom ? CAIRN_ENOMEM : CAIRN_EINVAL;
    }
    if (m->n_kept < KEEP) {
        char bytes[sizeof d];
        memcpy(bytes, &d, sizeof d);
        cairn__memo_put(m->memo, text, len, bytes, sizeof bytes);
        d->next = m->kept;
        m->kept = d;
        m->n_kept++;
    } else {
        free(m->held[1]);
        m->held[1] = m->held[0];
        m->held[0] = d;
    }
    *out = d;
    return CAIRN_OK;
}

void cairn__scale_memo_free(cairn__scale_memo *m)
{
    if (m == NULL) {
        return;
    }
    while (m->kept != NULL) {
        cairn__scale_val *next = m->kept->next;
        free(m->kept);
        m->kept = next;
    }
    free(m->held[0]);
    free(m->held[1]);
    cairn__memo_free(m->memo);
    free(m);
}
