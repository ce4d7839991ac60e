#!/usr/bin/env bash
# The campaign kill matrix (README "Kill matrix"): every fault of the catalog is killed by
# `ctxcheck run` with its default flags within a budget of executions, not of time, so the
# test does not depend on the machine's load. ci/kill-matrix iterates `ctxcheck faults`: a
# fault added to the catalog is covered (and must be killed) automatically, by run and by
# explore at its kill table row. The fuzz column is opt-in (--fuzz BUILD_DIR), not run here.
bin=$1 src=$2 build=$3
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "python3 missing"; exit 77; }
budget=${CTXCHECK_KILL_BUDGET:-20000}

python3 "$src/ci/kill-matrix" --ctxcheck "$bin" --seeds 1 --budget "$budget" >"$scratch/table" 2>"$scratch/err"
rc=$?
cat "$scratch/table" "$scratch/err"
if [[ $rc -eq 0 ]]; then ok "every fault killed within $budget executions"; else fail "ci/kill-matrix exit $rc"; fi
# The matrix really covers the catalog: one row per fault `ctxcheck faults` lists.
faults=$("$bin" faults | grep -c '^  ')
rows=$(grep -cE '^[a-z-]+ +killed ' "$scratch/table")
if [[ $faults -gt 0 && $rows -eq $faults ]]; then ok "$rows rows for $faults faults"; else fail "$rows rows for $faults faults"; fi
# The explore column: each fault killed at its kill table row (harness/tests/vectors/kill_table.txt).
rows=$(grep -cE '^[a-z-]+ +explore killed \(--ops [0-9]+ --kinds [a-z_,]+ --bound [0-9]+\)' "$scratch/table")
if [[ $rows -eq $faults ]]; then ok "explore kills all $faults faults at their kill table rows"; else fail "$rows explore kills for $faults faults"; fi
# It can fail: a budget of one execution kills nothing.
python3 "$src/ci/kill-matrix" --ctxcheck "$bin" --seeds 1 --budget 1 >"$scratch/one" 2>&1
if [[ $? -eq 1 ]]; then ok "a 1-execution budget is reported as survivors"; else fail "a 1-execution budget passed"; cat "$scratch/one"; fi
finish
