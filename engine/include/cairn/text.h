/*
 * cairn/text.h - checking and quoting text from outside: files, the
 * environment, the database.  Every text Cairn stores is well-formed
 * UTF-8 without control characters (newline and tab only in notes);
 * front ends escape what they print from the database all the same,
 * since another tool may have written it.
 */
#ifndef CAIRN_TEXT_H
#define CAIRN_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Whether `len` bytes at `s` are well-formed UTF-8: no overlong form,
 * no surrogate, nothing above U+10FFFF, no stray continuation byte.
 */
bool cairn_text_is_utf8(const char *s, size_t len);

/**
 * Decode the one code point at the start of the `len` bytes at `s` into
 * `*cp`: returns its length in bytes (1 to 4), or 0 when the bytes there
 * are not well-formed UTF-8 (as cairn_text_is_utf8 judges them) or `len`
 * is 0.  The one decoder every front end that walks text uses.
 *
 *     uint32_t cp;
 *     size_t n = cairn_text_next(p, end - p, &cp);
 */
size_t cairn_text_next(const char *s, size_t len, uint32_t *cp);

/**
 * Copy `s` (NULL = "") into `out` (`size` bytes, always NUL-terminated,
 * cut short when it does not fit) with every control character (C0, DEL,
 * C1: the terminal's escapes) and every byte that is not UTF-8 written
 * as \xNN, so it prints as one harmless line.  Returns the length.
 *
 *     char safe[256];
 *     cairn_text_escape(safe, sizeof safe, entry->who);
 */
size_t cairn_text_escape(char *out, size_t size, const char *s);

#endif
