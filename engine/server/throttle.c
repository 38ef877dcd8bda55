/*
 * throttle.c - login throttling: failed logins counted per account name
 * and per address in a fixed table, each in a window of
 * CAIRN_SERVER_LOGIN_WINDOW seconds from its first failure.  When the
 * table is full the oldest window gives way, so memory stays bounded
 * whatever an attacker sends.
 */
#include <stdio.h>
#include <string.h>

#include "server_internal.h"

static srv_throttle_slot *find(srv_throttle *t, const char *key)
{
    for (size_t i = 0; i < SRV_THROTTLE_SLOTS; i++) {
        if (strcmp(t->slots[i].key, key) == 0) {
            return &t->slots[i];
        }
    }
    return NULL;
}

int64_t srv_throttle_wait(srv_throttle *t, const char *key, int limit,
                          int64_t now)
{
    srv_throttle_slot *s = find(t, key);
    if (s == NULL) {
        return 0;
    }
    int64_t end = s->first + CAIRN_SERVER_LOGIN_WINDOW;
    if (now >= end) {
        s->key[0] = '\0';
        return 0;
    }
    return s->fails >= limit ? end - now : 0;
}

void srv_throttle_fail(srv_throttle *t, const char *key, int64_t now)
{
    srv_throttle_slot *s = find(t, key);
    if (s != NULL && now >= s->first + CAIRN_SERVER_LOGIN_WINDOW) {
        s->fails = 0;
        s->first = now;
    }
    if (s == NULL) {
        srv_throttle_slot *oldest = &t->slots[0];
        for (size_t i = 0; i < SRV_THROTTLE_SLOTS; i++) {
            if (t->slots[i].key[0] == '\0') {
                oldest = &t->slots[i];
                break;
            }
            if (t->slots[i].first < oldest->first) {
                oldest = &t->slots[i];
            }
        }
        s = oldest;
        snprintf(s->key, sizeof s->key, "%s", key);
        s->fails = 0;
        s->first = now;
    }
    s->fails++;
}

void srv_throttle_clear(srv_throttle *t, const char *key)
{
    srv_throttle_slot *s = find(t, key);
    if (s != NULL) {
        s->key[0] = '\0';
    }
}
