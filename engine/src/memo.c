/*
 * memo.c - a bounded cache from short byte keys to texts: the batch
 * writer keeps here the JSON text jansson wrote for each distinct score,
 * flag and rule tuple, so a million rows with a few hundred distinct
 * scores are encoded a few hundred times (the bytes stay jansson's).
 * Open addressing over a fixed number of slots; when it is full, nothing
 * more is kept and callers encode as before.
 *
 * Over it, decoded blocks kept by key (cairn__kept): the scans of the
 * cohort (store_decoded.c) and the export (store_export.c) keep each
 * distinct stored text decoded once.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MEMO_SLOTS 4096 /* the default; a power of two, at most half used */

typedef struct slot {
    uint64_t h; /* 0 = empty */
    char *key;  /* key bytes, then the text and its NUL */
    size_t key_len, text_len;
} slot;

struct cairn__memo {
    size_t n, slots;
    uint32_t *used; /* the slots used, in order (at most half of them) */
    slot t[];
};

static uint64_t hash(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ s[i]) * 1099511628211ULL;
    }
    return h != 0 ? h : 1;
}

int cairn__memo_new(cairn__memo **out)
{
    return cairn__memo_new_sized(out, MEMO_SLOTS / 2);
}

int cairn__memo_new_sized(cairn__memo **out, size_t most)
{
    size_t slots = 16;
    while (slots < 2 * most) {
        slots *= 2;
    }
    *out = calloc(1, sizeof **out + slots * sizeof(slot));
    uint32_t *used =
        *out && slots <= UINT32_MAX ? malloc(slots / 2 * sizeof *used) : NULL;
    if (used == NULL) {
        free(*out);
        *out = NULL;
        return CAIRN_ENOMEM;
    }
    (*out)->slots = slots;
    (*out)->used = used;
    return CAIRN_OK;
}

const char *cairn__memo_get(const cairn__memo *m, const void *key, size_t n,
                            size_t *text_len)
{
    uint64_t h = hash(key, n);
    size_t j = (size_t)(h & (m->slots - 1));
    while (m->t[j].h != 0) {
        const slot *s = &m->t[j];
        if (s->h == h && s->key_len == n && memcmp(s->key, key, n) == 0) {
            *text_len = s->text_len;
            return s->key + n;
        }
        j = (j + 1) & (m->slots - 1);
    }
    return NULL;
}

void cairn__memo_put(cairn__memo *m, const void *key, size_t n,
                     const char *text, size_t text_len)
{
    if (m->n * 2 >= m->slots) {
        return;
    }
    /* one hash: the probe that finds no equal key ends at a free slot */
    uint64_t h = hash(key, n);
    size_t j = (size_t)(h & (m->slots - 1));
    for (; m->t[j].h != 0; j = (j + 1) & (m->slots - 1)) {
        const slot *s = &m->t[j];
        if (s->h == h && s->key_len == n && memcmp(s->key, key, n) == 0) {
            return;
        }
    }
    char *p = malloc(n + text_len + 1);
    if (p == NULL) {
        return; /* a cache: without it, callers encode again */
    }
    memcpy(p, key, n);
    memcpy(p + n, text, text_len);
    p[n + text_len] = '\0';
    m->t[j] = (slot){h, p, n, text_len};
    m->used[m->n++] = (uint32_t)j;
}

void cairn__memo_free(cairn__memo *m)
{
    if (m == NULL) {
        return;
    }
    /* only the slots used: a large cache is mostly empty */
    for (size_t i = 0; i < m->n; i++) {
        free(m->t[m->used[i]].key);
    }
    free(m->used);
    free(m);
}

/* ------------------------------------------------------------------ */
/* Decoded blocks kept by key                                          */

struct cairn__kept {
    cairn__memo *memo; /* key -> the block's address */
    void **blocks;     /* the kept ones, freed with the cache */
    size_t n, most;
    void *held[2]; /* past `most`: the last two put */
};

int cairn__kept_new(cairn__kept **out, size_t most)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL ||
        (most > 0 &&
         ((*out)->blocks = malloc(most * sizeof(void *))) == NULL) ||
        cairn__memo_new_sized(&(*out)->memo, most) < 0) {
        cairn__kept_free(*out);
        *out = NULL;
        return CAIRN_ENOMEM;
    }
    (*out)->most = most;
    return CAIRN_OK;
}

void *cairn__kept_get(const cairn__kept *k, const void *key, size_t n)
{
    size_t len = 0;
    void *block = NULL;
    const char *hit = cairn__memo_get(k->memo, key, n, &len);
    if (hit != NULL && len == sizeof block) {
        memcpy(&block, hit, sizeof block);
    }
    return block;
}

void cairn__kept_put(cairn__kept *k, const void *key, size_t n, void *block)
{
    if (key != NULL && k->n < k->most) {
        char bytes[sizeof block];
        memcpy(bytes, &block, sizeof block);
        cairn__memo_put(k->memo, key, n, bytes, sizeof bytes);
        k->blocks[k->n++] = block;
        return;
    }
    free(k->held[1]);
    k->held[1] = k->held[0];
    k->held[0] = block;
}

void cairn__kept_free(cairn__kept *k)
{
    if (k == NULL) {
        return;
    }
    for (size_t i = 0; i < k->n; i++) {
        free(k->blocks[i]);
    }
    free(k->blocks);
    free(k->held[0]);
    free(k->held[1]);
    cairn__memo_free(k->memo);
    free(k);
}
