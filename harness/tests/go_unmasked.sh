#!/usr/bin/env bash
# go.unmasked: the Go comparison is not masked by the invariants. The trace in $2 plants a
# fault whose first violation comes at op 4 and whose divergence from Go comes at op 5; the
# conformance driver runs the faulty model (--model-faults) and must report the violation
# as recorded, go on, and fail with a MISMATCH on op 5's observation.
#   $1 ctxcheck_go_conformance   $2 the traces directory   $3 a work directory
set -uo pipefail
driver=$1 traces=$2 work=$3
out=$("$driver" --traces "$traces" --model-faults --work "$work" 2>&1)
rc=$?
echo "$out"
[[ $rc -eq 77 ]] && exit 77
fail() { echo "go.unmasked FAILED: $*"; exit 1; }
[[ $rc -eq 1 ]] || fail "the driver exited $rc, not 1 (a mismatch)"
grep -q "the invariants recorded propagation at go 0, op 4" <<<"$out" || fail "the violation at op 4 was not recorded"
grep -q "MISMATCH err h3: the model observed <nil>, Go observes context canceled" <<<"$out" ||
  fail "the divergence after the violation (op 5: observe err h3) was not reported"
grep -q "1 of 1 programs disagree with real Go" <<<"$out" || fail "the program was not reported as a mismatch"
echo "go.unmasked: PASSED (the comparison went past the violation at op 4 and caught op 5)"
