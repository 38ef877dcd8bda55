/*
 * download.c - files the dashboard hands out: the workbooks of `cairn
 * report` and the research files of `cairn export` and `cairn
 * aggregate`, written by the same library functions into a private
 * temporary folder (mode 0700, removed before the response is sent),
 * then sent as an attachment with its type and name.
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server_internal.h"

bool srv_temp_dir(char dir[64])
{
    snprintf(dir, 64, "/tmp/cairn-download-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        dir[0] = '\0';
        return false;
    }
    return true;
}

void srv_temp_remove(const char *dir)
{
    if (dir == NULL || dir[0] == '\0') {
        return;
    }
    DIR *d = opendir(dir);
    struct dirent *e = NULL;
    char path[512];
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d != NULL) {
        closedir(d);
    }
    rmdir(dir);
}

bool srv_send_file(srv_ctx *c, const char *path, const char *type,
                   const char *name)
{
    FILE *f = fopen(path, "rb");
    srv_buf b = SRV_BUF_INIT;
    char chunk[8192], disp[200];
    size_t n = 0;
    if (f == NULL) {
        return false;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        srv_putn(&b, chunk, n);
    }
    bool ok = !ferror(f) && !b.oom;
    fclose(f);
    if (!ok) {
        srv_buf_free(&b);
        return false;
    }
    /* `name` is ours (letters, digits, - _ .), never a client's text */
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", name);
    c->rs->status = 200;
    srv_header(c->rs, "Content-Type", type);
    srv_header(c->rs, "Content-Disposition", disp);
    free(c->rs->body);
    c->rs->body = b.p;
    c->rs->body_len = b.len;
    return true;
}

bool srv_safe_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.';
}
