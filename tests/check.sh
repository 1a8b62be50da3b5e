# Shared by the test scripts that source it (bash): a temporary folder
# removed on exit, PASS/FAIL lines and their counts, and a one-value query
# of a SQLite inventory.
#   . "$(dirname "$0")/../check.sh" LABEL
#   check "what is checked" $?      prints "PASS LABEL: ..." or "FAIL LABEL: ..."
#   q DB SQL                        the first column of the first row ("" for none)
#   finish                          "N passed, N failed"; the exit status
# $? must be taken before anything else runs: check "x $(cmd)" $? would read
# the status of the command substitution.
check_label=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() {
	if [ "$2" -eq 0 ]; then echo "PASS $check_label: $1"; passed=$((passed + 1));
	else echo "FAIL $check_label: $1"; failed=$((failed + 1)); fi
}
q() { python3 -c "import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone(); print('' if r is None or r[0] is None else r[0])" "$@"; }
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
