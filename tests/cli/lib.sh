# Shared by the command suites in tests/cli: a test gives a command line and
# the exit status, stdout and stderr it must produce.  Every suite runs in a
# fresh temporary directory and prints TAP lines.
#   t_run NAME STATUS CMD...     run CMD; check its exit status
#   t_out TEXT                   the last run's stdout must equal TEXT
#   t_err TEXT                   the last run's stderr must equal TEXT
#   t_out_has TEXT / t_err_has TEXT   ... must contain TEXT
#   t_ok NAME / t_not_ok NAME WHY     report a check done by hand
set -u
T_N=0
T_ROOT=$(pwd)
T_TMP=$(mktemp -d)
trap 'rm -rf "$T_TMP"' EXIT INT TERM
case "$CAIRN" in /*) ;; *) CAIRN="$T_ROOT/$CAIRN" ;; esac
T_NAME=""
T_OK=1

t_ok() { T_N=$((T_N + 1)); echo "ok $T_N - $1"; }
t_not_ok() {
    T_N=$((T_N + 1))
    echo "not ok $T_N - $1"
    printf '%s\n' "$2" | sed 's/^/#   /'
}
t_run() {
    T_NAME=$1
    want=$2
    shift 2
    "$@" >"$T_TMP/stdout" 2>"$T_TMP/stderr"
    got=$?
    if [ "$got" -eq "$want" ]; then
        t_ok "$T_NAME: exit $want"
    else
        t_not_ok "$T_NAME: exit $want" \
            "got exit $got; stderr: $(head -c 600 "$T_TMP/stderr")"
    fi
}
t_out() {
    if [ "$(cat "$T_TMP/stdout")" = "$1" ]; then
        t_ok "$T_NAME: stdout"
    else
        t_not_ok "$T_NAME: stdout" "want: $1
got:  $(head -c 1500 "$T_TMP/stdout")"
    fi
}
t_err() {
    if [ "$(cat "$T_TMP/stderr")" = "$1" ]; then
        t_ok "$T_NAME: stderr"
    else
        t_not_ok "$T_NAME: stderr" "want: $1
got:  $(head -c 1500 "$T_TMP/stderr")"
    fi
}
t_out_has() {
    if grep -qF -- "$1" "$T_TMP/stdout"; then
        t_ok "$T_NAME: stdout has '$1'"
    else
        t_not_ok "$T_NAME: stdout has '$1'" "got: $(head -c 1500 "$T_TMP/stdout")"
    fi
}
t_err_has() {
    if grep -qF -- "$1" "$T_TMP/stderr"; then
        t_ok "$T_NAME: stderr has '$1'"
    else
        t_not_ok "$T_NAME: stderr has '$1'" "got: $(head -c 1500 "$T_TMP/stderr")"
    fi
}

# Start `$C serve` on a free loopback port with extra serve options, wait
# for its first line and set SERVER (its pid) and URL.
start_server() {
    # an earlier server's first line must not be read as this one's: the
    # shell may start waiting before the new server has opened serve.out
    rm -f serve.out
    $C serve --listen 127.0.0.1:0 "$@" >serve.out 2>serve.err &
    SERVER=$!
    i=0
    while [ $i -lt 600 ] && ! grep -q '^listening on ' serve.out; do
        sleep 0.1
        i=$((i + 1))
    done
    URL=$(sed -n 's/^listening on //p' serve.out)
}
# Stop it as Ctrl-C would; its exit status in STATUS.
stop_server() {
    kill -TERM "$SERVER"
    wait "$SERVER"
    STATUS=$?
}
