/*
 * text.c - the engine's one UTF-8 decoder and validator, and escaping of
 * untrusted text for messages and terminals.  Well-formed means what the
 * Unicode standard says (table 3-7): no stray or missing continuation
 * byte, no overlong form, no surrogate (U+D800-U+DFFF), nothing above
 * U+10FFFF.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/text.h"
#include "internal.h"

size_t cairn__utf8_next(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    if (len == 0) {
        return 0;
    }
    unsigned char c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t n = (c & 0xE0) == 0xC0   ? 2
               : (c & 0xF0) == 0xE0 ? 3
               : (c & 0xF8) == 0xF0 ? 4
                                    : 0;
    if (n == 0 || n > len) {
        return 0;
    }
    uint32_t v = c & (0x7F >> n);
    for (size_t k = 1; k < n; k++) {
        if ((p[k] & 0xC0) != 0x80) {
            return 0;
        }
        v = (v << 6) | (p[k] & 0x3F);
    }
    static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < least[n] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        return 0; /* overlong, beyond Unicode, or a surrogate */
    }
    *cp = v;
    return n;
}

bool cairn__utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    uint32_t cp;
    while (i < len) {
        size_t n = cairn__utf8_next(s + i, len - i, &cp);
        if (n == 0) {
            return false;
        }
        i += n;
    }
    return true;
}

size_t cairn__util_escape(char *out, size_t size, const char *s, size_t len)
{
    size_t o = 0, i = 0;
    if (size == 0) {
        return 0;
    }
    while (i < len && o + 5 < size) {
        uint32_t cp = 0;
        size_t n = cairn__utf8_next(s + i, len - i, &cp);
        bool control =
            n == 0 || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0);
        if (control) {
            snprintf(out + o, size - o, "\\x%02x", (unsigned char)s[i]);
            o += 4;
            i++;
            continue;
        }
        if (o + n >= size) {
            break;
        }
        memcpy(out + o, s + i, n);
        o += n;
        i += n;
    }
    out[o] = '\0';
    return o;
}

bool cairn_text_is_utf8(const char *s, size_t len)
{
    return cairn__utf8_valid(s, len);
}

size_t cairn_text_escape(char *out, size_t size, const char *s)
{
    return cairn__util_escape(out, size, s ? s : "", s ? strlen(s) : 0);
}

size_t cairn_text_next(const char *s, size_t len, uint32_t *cp)
{
    return cairn__utf8_next(s, len, cp);
}
