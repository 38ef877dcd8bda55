/*
 * cli_text.c - how the command lays out words for people: text wrapped at
 * word boundaries to fit a 100-column terminal, the item-by-item echo of
 * what a clinician entered, the --codes choice and the guidance given when
 * an instrument's wording cannot be shown to a client.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Columns taken by `len` bytes of UTF-8: one per code point. */
static size_t columns(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    }
    return n;
}

/* Whether the `n` bytes at `s` are all ASCII, eight at a time. */
static bool is_ascii(const char *s, size_t n)
{
    uint64_t high = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, sizeof w);
        high |= w;
    }
    for (; i < n; i++) {
        high |= (unsigned char)s[i];
    }
    return (high & 0x8080808080808080ULL) == 0;
}

/* Text gathered for one fwrite (a caseload wraps millions of words). */
typedef struct wbuf {
    FILE *out;
    size_t n;
    char b[4096];
} wbuf;

static void wput(wbuf *w, const char *s, size_t len)
{
    if (w->n + len > sizeof w->b) {
        fwrite(w->b, 1, w->n, w->out);
        w->n = 0;
        if (len > sizeof w->b) {
            fwrite(s, 1, len, w->out);
            return;
        }
    }
    memcpy(w->b + w->n, s, len);
    w->n += len;
}

/* Add a word, turning no-break spaces (CLI_NBSP) into spaces (`ascii`:
 * the word has none). */
static void put_word(wbuf *w, const char *s, size_t len, bool ascii)
{
    size_t from = 0;
    if (ascii || memchr(s, 0xC2, len) == NULL) {
        wput(w, s, len); /* most words */
        return;
    }
    for (size_t i = 0; i + 1 < len; i++) {
        if ((unsigned char)s[i] == 0xC2 && (unsigned char)s[i + 1] == 0xA0) {
            wput(w, s + from, i - from);
            wput(w, " ", 1);
            from = i + 2;
            i++;
        }
    }
    wput(w, s + from, len - from);
}

/* The words of `text` (`n` bytes of ASCII, one space between words),
 * wrapped from column `col` as cli_print_wrapped() wraps them: each line
 * holds as many words as fit in CLI_WIDTH columns, and at least one. */
static void wrap_plain(wbuf *w, const char *text, size_t n, size_t col,
                       const char *rest, size_t rest_len, size_t rest_cols)
{
    const char *p = text, *end = text + n;
    while (p < end) {
        size_t room = col < CLI_WIDTH ? CLI_WIDTH - col : 0;
        size_t take = (size_t)(end - p);
        if (take > room) {
            take = 0;
            if (p[room] == ' ') {
                take = room; /* the words end at the last column */
            }
            for (size_t i = room; take == 0 && i > 1; i--) {
                if (p[i - 1] == ' ') {
                    take = i - 1; /* up to the last space that fits */
                }
            }
            if (take == 0) { /* a first word longer than the room: alone */
                while (take < (size_t)(end - p) && p[take] != ' ') {
                    take++;
                }
            }
        }
        wput(w, p, take);
        p += take;
        if (p < end) { /* on the space between two lines' words */
            wput(w, "\n", 1);
            wput(w, rest, rest_len);
            col = rest_cols;
            p++;
        }
    }
}

void cli_print_wrapped(FILE *out, const char *first, const char *rest,
                       const char *text)
{
    wbuf w; /* its bytes are written before they are read */
    w.out = out;
    w.n = 0;
    size_t rest_len = strlen(rest), rest_cols = columns(rest, rest_len);
    size_t col = columns(first, strlen(first));
    const char *p = text;
    bool line_empty = true;
    size_t n = strlen(text);
    /* words parted by one space each: no line break, no space first,
     * last or beside another (looked for with the C library's searches,
     * not byte by byte: a caseload wraps a line per client) */
    bool plain =
        n == 0 || (text[0] != ' ' && text[n - 1] != ' ' &&
                   memchr(text, '\n', n) == NULL && strstr(text, "  ") == NULL);
    bool ascii = is_ascii(text, n); /* a word's columns are its bytes */
    wput(&w, first, strlen(first));
    if (ascii && plain) {
        wrap_plain(&w, text, n, col, rest, rest_len, rest_cols);
        p += n;
    }
    while (*p != '\0') {
        if (*p == '\n' || *p == ' ') {
            if (*p == '\n') {
                wput(&w, "\n", 1);
                wput(&w, rest, rest_len);
                col = rest_cols;
                line_empty = true;
            }
            p++;
            continue;
        }
        size_t len = 0;
        while (p[len] != ' ' && p[len] != '\n' && p[len] != '\0') {
            len++;
        }
        size_t cw = ascii ? len : columns(p, len);
        if (!line_empty && col + 1 + cw > CLI_WIDTH) {
            wput(&w, "\n", 1);
            wput(&w, rest, rest_len);
            col = rest_cols;
            line_empty = true;
        }
        if (!line_empty) {
            wput(&w, " ", 1);
            col++;
        }
        put_word(&w, p, len, ascii);
        col += cw;
        line_empty = false;
        p += len;
    }
    wput(&w, "\n", 1);
    fwrite(w.b, 1, w.n, out);
}

int cli_parse_entry(const char *cmd, const char *value, cairn_entry *out)
{
    cairn_error err = CAIRN_ERROR_INIT;
    if (cairn_entry_parse(out, value, &err) < 0) {
        return cli_usage(cmd, "--codes %s", err.message);
    }
    return CLI_OK;
}

int cli_check_entry(const char *cmd, const cairn_instrument *inst,
                    cairn_entry entry)
{
    if (cairn_responses_check_entry(inst, entry, NULL) == CAIRN_OK) {
        return CLI_OK;
    }
    return cli_usage(cmd,
                     "%s: say which numbers you are entering: --codes "
                     "positions (%s) or --codes scores (%s)",
                     cairn_instrument_code(inst),
                     cairn_instrument_entry_positions(inst),
                     cairn_instrument_entry_scores(inst));
}

void cli_print_entries(FILE *out, const cairn_instrument *inst,
                       const cairn_responses *resp)
{
    for (size_t i = 0; i < resp->n; i++) {
        const cairn_item *it = cairn_instrument_item(inst, i);
        const cairn_option *o = NULL;
        if (resp->missing[i]) {
            fprintf(out, "  %2d  (left blank)\n", it->number);
        } else if (it->kind == CAIRN_ITEM_NUMBER) {
            fprintf(out, "  %2d  %d (a number, not scored)\n", it->number,
                    resp->codes[i]);
        } else if ((o = cairn_item_find_option(it, resp->codes[i])) != NULL) {
            fprintf(out, "  %2d  %s -> ", it->number, o->label);
            cli_print_number(out, o->score);
            fputc('\n', out);
        }
    }
}

void cli_print_text_guidance(FILE *out, const cairn_instrument *inst)
{
    const char *code = cairn_instrument_code(inst);
    const char *form = cairn_instrument_form(inst);
    cli_print_wrapped(out, "  ", "  ",
                      "A client is shown an instrument's exact wording or "
                      "nothing, so this questionnaire cannot be given at the "
                      "terminal yet. To add your clinic's copy:");
    char step[640];
    if (form != NULL) {
        snprintf(step, sizeof step, "1. Get the form from %s.", form);
    } else {
        snprintf(step, sizeof step,
                 "1. Get the form from its authors (see 'cairn instrument "
                 "show %s').",
                 code);
    }
    cli_print_wrapped(out, "  ", "     ", step);
    fprintf(out,
            "  2. Type its words into DIR/%s.texts.json, one entry per "
            "item, the answers in the form's order:\n",
            code);
    fprintf(out,
            "       {\"instrument\": \"%s\", \"instructions\": \"...\","
            "\n        \"items\": [{\"number\": 1, \"text\": \"...\", "
            "\"options\": [\"...\", \"...\"]}, ...]}\n",
            code);
    fprintf(out,
            "  3. Give the folder: cairn --texts DIR administer %s "
            "... (or set CAIRN_TEXTS=DIR).\n",
            code);
    fprintf(out,
            "  A paper form can be entered now: cairn record %s "
            "--client CODE%s RESPONSE...\n",
            code,
            cairn_instrument_codes_differ(inst) ? " --codes positions" : "");
}
