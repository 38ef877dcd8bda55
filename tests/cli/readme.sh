#!/bin/sh
# The README's examples are tests (as jq runs its manual's).  Every
# ```console block of README.md is run in order: a line "$ COMMAND" runs
# COMMAND with sh (cairn is this build, the database is the example
# clinic built by examples/clinic.sh, the user dr.okafor), and the lines
# up to the next "$ " or the end of the block are what it must print,
# standard output and error together.  In an expected line, "..." stands
# for any text, and a line of just "..." for any lines.  Only ```console
# blocks run: ```sh blocks and indented
# ones are shown, not checked.
. "$(dirname "$0")/lib.sh"
README=${README:-$T_ROOT/README.md}
mkdir -p "$T_TMP/bin" "$T_TMP/work"
ln -s "$CAIRN" "$T_TMP/bin/cairn"
sh "$T_ROOT/examples/clinic.sh" "$T_TMP/work/cairn.db" "$CAIRN" >/dev/null
export CAIRN_USER=dr.okafor CAIRN_DB="$T_TMP/work/cairn.db"
export PATH="$T_TMP/bin:$PATH"

# Split the console blocks into numbered command and expectation files.
awk -v dir="$T_TMP" '
    /^```console$/ { inblock = 1; next }
    /^```/ { inblock = 0; next }
    inblock && /^\$ / {
        n++
        cmd = sprintf("%s/cmd.%03d", dir, n)
        want = sprintf("%s/want.%03d", dir, n)
        printf "%s\n", substr($0, 3) > cmd
        close(cmd)
        printf "" > want
        next
    }
    inblock && n > 0 { print >> want; close(want) }
    END { print n + 0 > (dir "/count") }
' "$README"
count=$(cat "$T_TMP/count")
if [ "$count" -lt 5 ]; then
    t_not_ok "README has console examples" "found $count"
fi

# Does GOT match WANT line by line?  In WANT, "..." within a line stands
# for any text, and a line that is only "..." for any number of lines.
matches() { # WANT GOT
    awk '
        function quote(s,    out, i, ch) {
            out = ""
            for (i = 1; i <= length(s); i++) {
                ch = substr(s, i, 1)
                if (index("\\^$.[]|()*+?{}/", ch)) { out = out "\\" ch }
                else { out = out ch }
            }
            return out
        }
        function pattern(s,    parts, k, n, p) {
            n = split(s, parts, /\.\.\./)
            p = quote(parts[1])
            for (k = 2; k <= n; k++) { p = p ".*" quote(parts[k]) }
            return "^" p "$"
        }
        function fits(i, j,    k) {
            if (i > nw) { return j > ng }
            if (want[i] == "...") {
                for (k = j; k <= ng + 1; k++) {
                    if (fits(i + 1, k)) { return 1 }
                }
                return 0
            }
            if (j > ng) { return 0 }
            if (got[j] != want[i] && got[j] !~ pattern(want[i])) { return 0 }
            return fits(i + 1, j + 1)
        }
        NR == FNR { want[++nw] = $0; next }
        { got[++ng] = $0 }
        END { exit fits(1, 1) ? 0 : 1 }' "$1" "$2"
}

i=1
while [ "$i" -le "$count" ]; do
    k=$(printf '%03d' "$i")
    cmd=$(cat "$T_TMP/cmd.$k")
    (cd "$T_TMP/work" && sh -c "$cmd") >"$T_TMP/got.$k" 2>&1
    # a block's trailing blank lines are layout, not output
    sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$T_TMP/want.$k" >"$T_TMP/w.$k"
    sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$T_TMP/got.$k" >"$T_TMP/g.$k"
    name=$(printf '%s' "$cmd" | tr '\\' '/') # echo would expand \n
    if matches "$T_TMP/w.$k" "$T_TMP/g.$k"; then
        t_ok "README: \$ $name"
    else
        t_not_ok "README: \$ $name" "$(diff "$T_TMP/w.$k" "$T_TMP/g.$k" | head -30)"
    fi
    i=$((i + 1))
done
