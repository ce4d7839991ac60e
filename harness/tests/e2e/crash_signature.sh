#!/usr/bin/env bash
# `ctxcheck signature`, which ci/overnight buckets crashes by: the same bug with other handle
# numbers (and so another trace hash) has the same signature, another program breaking the
# same invariant another one, and a bad file is reported in its own line with exit 2 while
# the others still get theirs.
bin=$1 src=$2 build=$3
source "$(dirname "$0")/lib.sh"
cd "$scratch"
residue="$src/corpus/regressions/seed-early-return-residue.trace"
sed 's/\bh\([0-9]\+\)/h1\1/g' "$residue" >renamed.trace   # h1 -> h11, h2 -> h12, ...
cat >other.trace <<'T'
ctxcheck-trace 1
faults: skip-removal
go 0:
  h1 = background
  h2 = with_cancel h1
  h3 = with_timeout h2 1s
  cancel h3
  observe children h2
  cancel h2
T
expect 2 "signature of three traces and a missing file" -- "$bin" signature --shrunk-dir shrunk "$residue" renamed.trace other.trace missing.trace
sig() { python3 -c 'import json,sys; print(json.loads(sys.stdin.readlines()[int(sys.argv[1])]).get(sys.argv[2], ""))' "$1" "$2" <"$scratch/out"; }
[[ $(sig 0 signature) == residue-* && $(sig 0 signature) == "$(sig 1 signature)" ]] &&
  ok "renamed handles, same signature: $(sig 0 signature)" || fail "signatures differ: $(cat "$scratch/out")"
[[ $(sig 2 signature) == residue-* && $(sig 2 signature) != "$(sig 0 signature)" ]] &&
  ok "another residue program, another signature" ||
  fail "another program got the same signature"
[[ $(sig 3 error) == *missing.trace* ]] && ok "the missing file is named in its line" || fail "line 4: $(sed -n 4p "$scratch/out")"
expect 0 "the shrunk trace replays" -- "$bin" replay "$(sig 1 shrunk)"
finish
