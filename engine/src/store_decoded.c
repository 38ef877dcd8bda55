/*
 * store_decoded.c - what the one-scale cohort scan (store_read.c) needs
 * of the stored JSON texts, decoded by jansson once per distinct text:
 * a million rows hold a few dozen distinct scores texts (a PHQ-9 total
 * has 28 values) and, as a store grows, repeat response texts more and
 * more, so each decoded text is kept (cairn__kept, memo.c) keyed by the
 * text, up to KEEP_SCORES or KEEP_RESPONSES of them; the rest are decoded
 * row by row and held until two more are decoded.
 *
 * A scale's value is read as SQLite's json_extract(scores,
 * '$[scale][0]') and '$[scale][1]' read it before: a scale position the
 * text does not have gives no score and no band; a score that is not a
 * number and a band that is not text are marked, so the reader refuses
 * them where it uses them.  Responses are [code|null, ...].
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store_db.h"

/* Distinct texts kept of each kind (each up to about 100 bytes, and 64
 * of the memo's table).  Responses repeat less than scores: 100,000
 * clients' first rows hold 28,811 distinct PHQ-9 response texts, which
 * 8,192 kept would decode 43,135 times. */
#define KEEP_SCORES 8192
#define KEEP_RESPONSES 32768

struct cairn__decoded {
    size_t scale;
    cairn__kept *scores, *responses; /* by text */
};

int cairn__decoded_new(cairn__decoded **out, size_t scale)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL || cairn__kept_new(&(*out)->scores, KEEP_SCORES) < 0 ||
        cairn__kept_new(&(*out)->responses, KEEP_RESPONSES) < 0) {
        cairn__decoded_free(*out);
        *out = NULL;
        return CAIRN_ENOMEM;
    }
    (*out)->scale = scale;
    return CAIRN_OK;
}

/* A decoded text: a cairn__scale_val or cairn__codes_val and its bytes,
 * in one allocation (malloc's alignment suits both). */
static void *block_new(size_t size, bool *oom)
{
    void *b = malloc(size);
    *oom = b == NULL;
    return b;
}

/* The value at position `scale` of array `j`. */
static void *decode_scale(json_t *j, size_t scale, bool *oom)
{
    json_t *v = json_array_get(j, scale);
    json_t *score = json_is_array(v) ? json_array_get(v, 0) : NULL;
    json_t *band = json_is_array(v) ? json_array_get(v, 1) : NULL;
    size_t n = json_is_string(band) ? json_string_length(band) : 0;
    void *b = block_new(sizeof(cairn__scale_val) + n + 1, oom);
    if (b == NULL) {
        return NULL;
    }
    cairn__scale_val *d = b;
    *d = (cairn__scale_val){
        .has_score = json_is_number(score),
        .score = json_is_number(score) ? json_number_value(score) : 0,
        .score_bad =
            score != NULL && !json_is_null(score) && !json_is_number(score),
        .band_bad =
            band != NULL && !json_is_null(band) && !json_is_string(band),
    };
    if (json_is_string(band)) {
        memcpy(d->text, json_string_value(band), n);
        d->text[n] = '\0';
        d->band = d->text;
    }
    return b;
}

/* [code|null, ...] of array `j`; NULL with *oom false when malformed. */
static void *decode_codes(json_t *j, bool *oom)
{
    size_t k = json_array_size(j);
    void *b = block_new(
        sizeof(cairn__codes_val) + (k + 1) * (sizeof(int) + sizeof(bool)), oom);
    if (b == NULL) {
        return NULL;
    }
    cairn__codes_val *d = b;
    d->n_items = k;
    d->codes = (int *)(void *)d->bytes;
    d->missing = (bool *)(d->codes + k + 1);
    for (size_t i = 0; i < k; i++) {
        json_t *v = json_array_get(j, i);
        d->missing[i] = json_is_null(v);
        if (!d->missing[i] && !json_is_integer(v)) {
            free(b);
            return NULL;
        }
        d->codes[i] = d->missing[i] ? 0 : (int)json_integer_value(v);
    }
    return b;
}

/* The decoded form of `text` in `t`, from the cache or decoded now.
 * Returns CAIRN_OK, CAIRN_EINVAL or CAIRN_ENOMEM. */
static int get(const cairn__decoded *m, cairn__kept *t, const char *text,
               size_t len, const void **out)
{
    bool oom = false;
    void *b = cairn__kept_get(t, text, len);
    if (b != NULL) {
        *out = b;
        return CAIRN_OK;
    }
    json_t *j = json_loadb(text, len, 0, NULL);
    if (json_is_array(j)) {
        b = t == m->scores ? decode_scale(j, m->scale, &oom)
                           : decode_codes(j, &oom);
    }
    json_decref(j);
    if (b == NULL) {
        return oom ? CAIRN_ENOMEM : CAIRN_EINVAL;
    }
    cairn__kept_put(t, text, len, b);
    *out = b;
    return CAIRN_OK;
}

int cairn__decoded_scale(cairn__decoded *m, const char *text, size_t len,
                         const cairn__scale_val **out)
{
    const void *p = NULL;
    int rc = get(m, m->scores, text, len, &p);
    *out = p;
    return rc;
}

int cairn__decoded_codes(cairn__decoded *m, const char *text, size_t len,
                         const cairn__codes_val **out)
{
    const void *p = NULL;
    int rc = get(m, m->responses, text, len, &p);
    *out = p;
    return rc;
}

void cairn__decoded_free(cairn__decoded *m)
{
    if (m == NULL) {
        return;
    }
    cairn__kept_free(m->scores);
    cairn__kept_free(m->responses);
    free(m);
}
