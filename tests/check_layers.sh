#!/bin/sh
# check_layers.sh - the architecture's rules, checked (make check-layers).
#
#  1. The engine (engine/src, engine/include) and the reports library never
#     print to stdout or stderr, never read the environment and never exit
#     or abort: the command and the tests decide what a person sees.
#  2. Each third-party library is included in its boundary files only:
#     sqlite3.h in the store (engine/src/store*, and settings.c, which
#     keeps the clinic's settings in the store), sodium.h and
#     openssl/evp.h in engine/src/crypto.c, xlsxwriter.h in
#     reports/xlsx.c; checked on every file's full include graph, so a
#     header cannot smuggle it in.
#  3. The command (engine/cli) includes only public headers
#     (engine/include, reports/include) and its own headers.
#  4. The reports library uses only the engine's public headers.
#  5. The scoring files (instrument, definition, response, score, catalog)
#     do not include the store, not even through the umbrella cairn.h.
#  6. The web server (engine/server) is a front end like the command: the
#     engine's public headers, the reports library's and its own only; microhttpd.h in
#     engine/server/http_mhd.c alone; the command reaches it through
#     engine/server/server.h from cmd_serve.c only.
#
# The Makefile gives each part its own include path, so the compiler
# already refuses most wrong includes; this script checks what a path
# cannot (a relative "../" include, the include graph, calls).
# Env: CC, CFLAGS_LAYERS (the project's preprocessor flags and pkg-config
# --cflags, so includes resolve as in the build).  Prints one line per
# broken rule and exits 1 if there is any.
CC=${CC:-cc}
bad=0

say() {
    echo "check-layers: $*"
    bad=1
}

# Known exceptions, "file:rule", each naming the issue that removes it
# (none now: the instrument folder's path policy is the command's).
ALLOW=""

allowed() {     # file, rule
    for a in $ALLOW; do
        [ "$a" = "$1:$2" ] && return 0
    done
    return 1
}

# The source without comments (the preprocessor strips them, without
# expanding includes or macros).
code_of() {
    "$CC" -fpreprocessed -dD -E -P "$1" 2>/dev/null
}

# ---- 1. no printing, environment or exit in the libraries ----
for f in engine/src/*.c engine/src/*.h engine/include/*.h \
         engine/include/cairn/*.h reports/*.c reports/*.h \
         reports/include/*.h; do
    [ -f "$f" ] || continue
    c=$(code_of "$f")
    if printf '%s\n' "$c" | grep -Eq \
        '(^|[^A-Za-z0-9_])(printf|vprintf|puts|putchar|perror)[[:space:]]*\(|f(printf|puts|putc|write)[[:space:]]*\([^;]*(stdout|stderr)'; then
        allowed "$f" print || say "$f: prints (the caller decides what a person sees)"
    fi
    if printf '%s\n' "$c" | grep -Eq '(^|[^A-Za-z0-9_])(secure_)?getenv[[:space:]]*\('; then
        allowed "$f" getenv || say "$f: reads the environment (getenv); take the value as a parameter"
    fi
    if printf '%s\n' "$c" | grep -Eq '(^|[^A-Za-z0-9_.>])(exit|abort|_Exit|quick_exit)[[:space:]]*\('; then
        allowed "$f" exit || say "$f: exits or aborts; return a status instead"
    fi
done

# The include graph of a source file: every header it reads, one a line.
deps_of() {     # file, include flags
    f=$1
    shift
    # shellcheck disable=SC2086
    "$CC" $CFLAGS_LAYERS "$@" -M "$f" 2>/dev/null |
        sed -e 's/\\$//' -e 's/^[^:]*://' | tr ' ' '\n' | grep -v '^$'
}

# ---- 2. third-party libraries in their boundary files only ----
boundary() {    # file, header -> 0 if the file may include the header
    case "$2:$1" in
    sqlite3.h:engine/src/store*) return 0 ;;
    # settings.c keeps the clinic's settings in the store (its own table)
    sqlite3.h:engine/src/settings.c) return 0 ;;
    sodium.h:engine/src/crypto.c) return 0 ;;
    evp.h:engine/src/crypto.c) return 0 ;;
    xlsxwriter.h:reports/xlsx.c) return 0 ;;
    microhttpd.h:engine/server/http_mhd.c) return 0 ;;
    esac
    return 1
}

for f in engine/src/*.c reports/*.c engine/cli/*.c engine/server/*.c; do
    case "$f" in
    engine/src/*) inc="-Iengine/include" ;;
    engine/server/*) inc="-Iengine/include -Ireports/include" ;;
    reports/*) inc="-Iengine/include -Ireports/include" ;;
    engine/cli/cmd_serve.c)
        inc="-Iengine/include -Ireports/include -Iengine/server" ;;
    *) inc="-Iengine/include -Ireports/include" ;;
    esac
    # shellcheck disable=SC2086
    d=$(deps_of "$f" $inc)
    if [ -z "$d" ]; then
        say "$f: cannot compute its includes (\$CC -M failed)"
        continue
    fi
    for h in sqlite3.h sodium.h evp.h xlsxwriter.h microhttpd.h; do
        if printf '%s\n' "$d" | grep -q "/$h\$\|^$h\$"; then
            boundary "$f" "$h" || say "$f: includes $h (only its boundary file may)"
        fi
    done
    own=$(printf '%s\n' "$d" | grep -v '^/' |
        xargs -r realpath -m --relative-to=. | grep -v "^$f\$")
    case "$f" in
    engine/cli/*)
        # ---- 3. the command: public headers and its own ----
        for h in $own; do
            case "$h" in
            engine/include/*|reports/include/*|engine/cli/*) ;;
            engine/server/server.h)
                [ "$f" = engine/cli/cmd_serve.c ] ||
                    say "$f: includes $h (only cmd_serve.c starts the server)" ;;
            *) say "$f: includes $h (the command uses public headers only)" ;;
            esac
        done
        ;;
    reports/*)
        # ---- 4. reports: the engine's public headers ----
        for h in $own; do
            case "$h" in
            engine/include/*|reports/*) ;;
            *) say "$f: includes $h (reports use the engine's public API)" ;;
            esac
        done
        ;;
    engine/src/*)
        for h in $own; do
            case "$h" in
            engine/include/*|engine/src/*) ;;
            *) say "$f: includes $h (the engine knows no front end)" ;;
            esac
        done
        ;;
    engine/server/*)
        # ---- 6. the server: public engine headers and its own ----
        for h in $own; do
            case "$h" in
            engine/include/*|reports/include/*|engine/server/*) ;;
            *) say "$f: includes $h (the server uses public headers only)" ;;
            esac
        done
        ;;
    esac
    # ---- 5. scoring does not know the store ----
    case "$f" in
    engine/src/instrument.c|engine/src/definition*.c|engine/src/response.c|\
    engine/src/score.c|engine/src/catalog.c)
        for h in $own; do
            case "$h" in
            engine/include/cairn.h|engine/include/cairn/store.h|\
            engine/src/store*)
                say "$f: includes $h (scoring does not depend on the store)" ;;
            esac
        done
        ;;
    esac
done

[ "$bad" -eq 0 ] && echo "check-layers: ok"
exit "$bad"
