#!/usr/bin/env bash
# osslsigncode-check.sh PKIDIR FIXDIR [CASES]
#
# Cross-checks the fixtures with `osslsigncode verify` (trusting only
# PKIDIR/root.pem for both the signing and the timestamp chains, at the same
# time as the sigtrace case) and prints a Markdown table: one row per case of
# cases.txt with the expected verdict, osslsigncode's exit status and the
# notable lines of its output. For reference only: osslsigncode's verdict
# differs from sigtrace's on purpose for several cases (see README.md).
set -euo pipefail

die() { printf 'osslsigncode-check.sh: %s\n' "$*" >&2; exit 1; }
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    die "usage: osslsigncode-check.sh PKIDIR FIXDIR [CASES]"
fi
command -v osslsigncode >/dev/null 2>&1 || die "osslsigncode not found (apt-get install osslsigncode)"
PKI=$1 FIX=$2
CASES=${3:-$(dirname "$0")/cases.txt}
[ -f "$PKI/root.pem" ] || die "$PKI/root.pem not found"
[ -f "$CASES" ] || die "$CASES not found"

LOG=$(mktemp "${TMPDIR:-/tmp}/sigtrace-osc.XXXXXX")
trap 'rm -f "$LOG"' EXIT

printf '| file | extra args | expected | osslsigncode | what osslsigncode reports |\n'
printf '|---|---|---|---|---|\n'
while read -r file verdict reasons extra; do
    case $file in ''|'#'*) continue ;; esac
    at=2025-06-01T00:00:00Z
    read -r -a args <<<"$extra"
    for ((i = 0; i < ${#args[@]}; i++)); do
        if [ "${args[i]}" = --at ] && [ $((i + 1)) -lt ${#args[@]} ]; then
            at=${args[i + 1]}
        fi
    done
    rc=0
    osslsigncode verify -CAfile "$PKI/root.pem" -TSA-CAfile "$PKI/root.pem" \
        -time "$(date -u -d "$at" +%s)" -in "$FIX/$file" >"$LOG" 2>&1 || rc=$?
    notes=$(grep -E 'MISMATCH|Unable to extract existing signature|Ignoring PE signature|verification: (ok|failed)|Number of verified|No signature found|Unsupported|Initialization error|Corrupt|Failed to|certificate has expired|not yet valid|unsupported certificate purpose|self-signed|unable to get|Error:|error:' "$LOG" \
        | grep -v 'routines:' \
        | sed -e 's/^[[:space:]]*//' -e 's/ *: */: /' -e 's/[0-9A-F]\{16,\}[^ ]*//g' -e 's/|/\\|/g' \
        | awk '!seen[$0]++' | paste -sd ';' - | sed 's/;/; /g' || true)
    [ $rc -eq 0 ] && res="pass (0)" || res="fail ($rc)"
    printf '| %s | %s | %s %s | %s | %s |\n' "$file" "${extra:--}" "$verdict" "$reasons" "$res" "$notes"
done <"$CASES"
