/*
 * hashset.c - an open-addressing set of 64-bit hashes (linear probing,
 * at most half full).  The batch writer keeps the duplicate keys of the
 * rows it wrote here: it grows as long as memory lasts, so a batch of any
 * size decides duplicates the same way (there used to be a fixed ceiling
 * of 2^22 slots, past which every row went to the database index alone).
 * 0 is never stored: callers map a hash of 0 to 1.
 */
#include <stdlib.h>

#include "internal.h"

#define HSET_FIRST 1024

static bool grow(cairn__hset *s)
{
    size_t cap = s->cap ? s->cap * 2 : HSET_FIRST;
    if (cap < s->cap || cap > SIZE_MAX / sizeof *s->t) {
        return false;
    }
    uint64_t *t = calloc(cap, sizeof *t);
    if (t == NULL) {
        return false;
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (s->t[i] != 0) {
            size_t j = (size_t)(s->t[i] & (cap - 1));
            while (t[j] != 0) {
                j = (j + 1) & (cap - 1);
            }
            t[j] = s->t[i];
        }
    }
    free(s->t);
    s->t = t;
    s->cap = cap;
    return true;
}

bool cairn__hset_has(const cairn__hset *s, uint64_t h)
{
    if (h == 0) {
        h = 1;
    }
    if (s->cap == 0) {
        return false;
    }
    size_t j = (size_t)(h & (s->cap - 1));
    while (s->t[j] != 0) {
        if (s->t[j] == h) {
            return true;
        }
        j = (j + 1) & (s->cap - 1);
    }
    return false;
}

int cairn__hset_add(cairn__hset *s, uint64_t h)
{
    if (h == 0) {
        h = 1;
    }
    if (s->n * 2 >= s->cap && !grow(s)) {
        return CAIRN_ENOMEM;
    }
    size_t j = (size_t)(h & (s->cap - 1));
    while (s->t[j] != 0) {
        if (s->t[j] == h) {
            return CAIRN_OK;
        }
        j = (j + 1) & (s->cap - 1);
    }
    s->t[j] = h;
    s->n++;
    return CAIRN_OK;
}

void cairn__hset_free(cairn__hset *s)
{
    free(s->t);
    s->t = NULL;
    s->n = s->cap = 0;
}
