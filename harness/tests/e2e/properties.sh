#!/usr/bin/env bash
# ci/properties as a CI job runs it (README "Property runs"): a 20 s budget runs about 20 s
# of cases and writes valid JUnit with readable names; a pass is a short summary and the
# seed printed is the seed used; a failure prints RC_PARAMS="reproduce=...", and that string
# given back to ci/properties (merged with its own RC_PARAMS) reproduces the same failure.
bin=$1 src=$2 build=$3
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "python3 is needed to check the JUnit XML"; exit 77; }
export CTXCHECK_BUILD="$build" CTXCHECK_PROPERTY_OUT="$scratch/props"
junit="$scratch/props/junit.xml"

# The README recipe, with a fixed seed.
t0=$(date +%s)
CTXCHECK_PROPERTY_SECONDS=20 CTXCHECK_PROPERTY_SEED=42 "$src/ci/properties" >"$scratch/pass.log" 2>&1
rc=$? took=$(( $(date +%s) - t0 ))
[[ $rc -eq 0 ]] && ok "a 20 s run passes" || { fail "a 20 s run: exit $rc"; tail -30 "$scratch/pass.log"; }
[[ $took -ge 15 && $took -le 35 ]] && ok "it took ${took} s (15-35)" || fail "a 20 s budget took ${took} s"
lines=$(wc -l <"$scratch/pass.log")
[[ $lines -le 40 ]] && ok "a pass prints $lines lines" || fail "a pass printed $lines lines (want <= 40)"
seeds=$(sed '/^ci\/properties: kill times/,$d' "$scratch/pass.log" | grep -o 'seed=[0-9]*' | sort -u | tr '\n' ' ')
grep -q "^ci/properties: seed 42," "$scratch/pass.log" && grep -q "Using configuration: seed=42" "$scratch/pass.log" &&
  [[ $seeds == "seed=42 " ]] && ok "the seed printed (42) is the seed RapidCheck used" ||
  fail "seed 42 is not the one printed and used (seeds seen: $seeds)"
# Valid JUnit: every test passed, fault parameters by name, the budgeted properties really
# ran (cases recorded, together most of the 15 s they had).
python3 - "$junit" <<'PY' && ok "JUnit is valid and readable" || fail "JUnit check failed"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
cases = root.iter("testcase")
bad = []
budget_seconds = budget_cases = 0
n = 0
for c in cases:
    n += 1
    if c.find("failure") is not None:
        bad.append(f"{c.get('name')} failed")
    vp = c.get("value_param")
    if vp is not None and ("object" in vp or "<" in vp):
        bad.append(f"unreadable value_param {vp!r}")
    props = {p.get("name"): p.get("value") for p in c.iter("property")}
    props.update({k: v for k, v in c.attrib.items()})
    if "cases" in props:
        budget_cases += int(props["cases"])
        budget_seconds += float(props["seconds"])
names = [c.get("value_param") for c in root.iter("testcase") if c.get("value_param")]
if "early-return" not in names:
    bad.append(f"no test named by the fault early-return: {names[:3]}")
if n < 20:
    bad.append(f"only {n} tests")
if budget_seconds < 8 or budget_cases < 500:
    bad.append(f"the budgeted properties ran {budget_cases} cases in {budget_seconds:.1f} s")
print(f"{n} tests; budgeted properties: {budget_cases} cases in {budget_seconds:.1f} s")
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
PY

# A failure, then its reproduce string through ci/properties (the user's RC_PARAMS merged).
export CTXCHECK_ORACLE_FAULTS=wrong-removal-identity CTXCHECK_KILL_SEEDS=0
CTXCHECK_PROPERTY_SECONDS=8 "$src/ci/properties" >"$scratch/fail.log" 2>&1
rc=$?
[[ $rc -eq 1 ]] && ok "a fault makes it fail (exit 1)" || { fail "with a fault: exit $rc"; tail -20 "$scratch/fail.log"; }
grep -q "<failure" "$junit" && ok "the failure is in the JUnit XML" || fail "no <failure> in $junit"
repro=$(grep -o 'reproduce=[^"]*' "$scratch/fail.log" | tail -1)
want=$(grep -A3 "oracle mismatch" "$scratch/fail.log" | head -4)
if [[ -z $repro || -z $want ]]; then
  fail "no reproduce string or mismatch in the failing run"; tail -20 "$scratch/fail.log"
else
  RC_PARAMS="$repro" CTXCHECK_PROPERTY_SECONDS=8 "$src/ci/properties" >"$scratch/repro.log" 2>&1
  rc=$?
  got=$(grep -A3 "oracle mismatch" "$scratch/repro.log" | head -4)
  [[ $rc -eq 1 && "$got" == "$want" ]] && ok "RC_PARAMS=reproduce= reproduces the same counterexample" ||
    { fail "reproducing: exit $rc"; diff <(echo "$want") <(echo "$got"); tail -20 "$scratch/repro.log"; }
  grep -q "RC_PARAMS=\"seed=[0-9]* $repro\"" "$scratch/repro.log" && ok "the user's RC_PARAMS is merged, not replaced" ||
    fail "the user's reproduce= is not in the RC_PARAMS used"
fi
finish
