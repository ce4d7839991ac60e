# Shared by the e2e scripts: a scratch directory removed on exit, and checks that count
# failures instead of stopping at the first (so one run shows every broken step).
#   source "$(dirname "$0")/lib.sh"   after   bin=$1 src=$2 build=$3
set -u
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fails=0
# Each line says the seconds since the script began, so a slow step shows in the log.
fail() { echo "FAIL [${SECONDS} s]: $*"; fails=$((fails + 1)); }
ok() { echo "ok [${SECONDS} s]: $*"; }
# expect CODE DESCRIPTION -- command...   (stdout in $scratch/out, stderr in $scratch/err)
expect() {
  local want=$1 what=$2; shift 3
  "$@" >"$scratch/out" 2>"$scratch/err"
  local got=$?
  if [[ $got -ne $want ]]; then
    fail "$what: exit $got, want $want"; head -20 "$scratch/out" "$scratch/err"
  else
    ok "$what"
  fi
}
finish() { if [[ $fails -gt 0 ]]; then echo "$fails failure(s)"; exit 1; fi; echo "all passed"; exit 0; }
