/*
 * store_decoded.c - what the one-scale cohort scan (store_read.c) needs
 * of the stored JSON texts, decoded by jansson once per distinct text:
 * a million rows hold a few dozen distinct scores texts (a PHQ-9 total
 * has 28 values) and, as a store grows, repeat response texts more and
 * more, so each decoded text is kept in a memo (memo.c) keyed by the
 * text, up to KEEP of each kind; the rest are decoded row by row into
 * two slots that turn over with each decode.
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
 * of the memo's table). */
#define KEEP 8192

/* A decoded text: a header, then a cairn__scale_val or cairn__codes_val. */
typedef struct block {
    struct block *next; /* the kept ones, freed at the end */
    _Alignas(max_align_t) char data[];
} block;

/* The decoded texts of one kind. */
typedef struct table {
    cairn__memo *memo;
    size_t n_kept;
    block *kept;
    block *held[2]; /* not kept: the last two decoded */
} table;

struct cairn__decoded {
    size_t scale;
    table scores, responses;
};

int cairn__decoded_new(cairn__decoded **out, size_t scale)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL || cairn__memo_new_sized(&(*out)->scores.memo, KEEP) < 0 ||
        cairn__memo_new_sized(&(*out)->responses.memo, KEEP) < 0) {
        cairn__decoded_free(*out);
        *out = NULL;
        return CAIRN_ENOMEM;
    }
    (*out)->scale = scale;
    return CAIRN_OK;
}

static block *block_new(size_t size, bool *oom)
{
    block *b = malloc(sizeof *b + size);
    *oom = b == NULL;
    return b;
}

/* The value at position `scale` of array `j`. */
static block *decode_scale(json_t *j, size_t scale, bool *oom)
{
    json_t *v = json_array_get(j, scale);
    json_t *score = json_is_array(v) ? json_array_get(v, 0) : NULL;
    json_t *band = json_is_array(v) ? json_array_get(v, 1) : NULL;
    size_t n = json_is_string(band) ? json_string_length(band) : 0;
    block *b = block_new(sizeof(cairn__scale_val) + n + 1, oom);
    if (b == NULL) {
        return NULL;
    }
    cairn__scale_val *d = (cairn__scale_val *)(void *)b->data;
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
static block *decode_codes(json_t *j, bool *oom)
{
    size_t k = json_array_size(j);
    block *b = block_new(
        sizeof(cairn__codes_val) + (k + 1) * (sizeof(int) + sizeof(bool)), oom);
    if (b == NULL) {
        return NULL;
    }
    cairn__codes_val *d = (cairn__codes_val *)(void *)b->data;
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

/* The decoded form of `text` in `t`, from the memo or decoded now.
 * Returns CAIRN_OK, CAIRN_EINVAL or CAIRN_ENOMEM. */
static int get(const cairn__decoded *m, table *t, const char *text, size_t len,
               const void **out)
{
    size_t got = 0;
    bool oom = false;
    block *b = NULL;
    const char *hit = cairn__memo_get(t->memo, text, len, &got);
    if (hit != NULL && got == sizeof b) {
        memcpy(&b, hit, sizeof b);
        *out = b->data;
        return CAIRN_OK;
    }
    json_t *j = json_loadb(text, len, 0, NULL);
    if (json_is_array(j)) {
        b = t == &m->scores ? decode_scale(j, m->scale, &oom)
                            : decode_codes(j, &oom);
    }
    json_decref(j);
    if (b == NULL) {
        return oom ? CAIRN_ENOMEM : CAIRN_EINVAL;
    }
    if (t->n_kept < KEEP) {
        char bytes[sizeof b];
        memcpy(bytes, &b, sizeof b);
        cairn__memo_put(t->memo, text, len, bytes, sizeof bytes);
        b->next = t->kept;
        t->kept = b;
        t->n_kept++;
    } else {
        free(t->held[1]);
        t->held[1] = t->held[0];
        t->held[0] = b;
    }
    *out = b->data;
    return CAIRN_OK;
}

int cairn__decoded_scale(cairn__decoded *m, const char *text, size_t len,
                         const cairn__scale_val **out)
{
    const void *p = NULL;
    int rc = get(m, &m->scores, text, len, &p);
    *out = p;
    return rc;
}

int cairn__decoded_codes(cairn__decoded *m, const char *text, size_t len,
                         const cairn__codes_val **out)
{
    const void *p = NULL;
    int rc = get(m, &m->responses, text, len, &p);
    *out = p;
    return rc;
}

static void table_free(table *t)
{
    while (t->kept != NULL) {
        block *next = t->kept->next;
        free(t->kept);
        t->kept = next;
    }
    free(t->held[0]);
    free(t->held[1]);
    cairn__memo_free(t->memo);
}

void cairn__decoded_free(cairn__decoded *m)
{
    if (m == NULL) {
        return;
    }
    table_free(&m->scores);
    table_free(&m->responses);
    free(m);
}
