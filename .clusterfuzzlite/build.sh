#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build: uses $CXX, $CXXFLAGS (already carrying the sanitizer and
# -fsanitize=fuzzer-no-link), $LIB_FUZZING_ENGINE, $SRC and $OUT, as the builder image sets
# them. Writes each fuzz target with its seed corpus (<target>_seed_corpus.zip), dictionary
# and options (fuzzers/<target>.options, else -max_len=256) to $OUT. Test locally without docker:
#   SRC=$PWD/.. OUT=/tmp/out CXX=clang++-14 CXXFLAGS="-fsanitize=address,fuzzer-no-link" \
#     LIB_FUZZING_ENGINE=-fsanitize=fuzzer bash .clusterfuzzlite/build.sh
src="${SRC}/ctxcheck"
[ -d "$src" ] || src="$(cd "$(dirname "$0")/.." && pwd)"
build="${WORK:-/tmp}/ctxcheck-ossfuzz-build"
# The project's own instrumentation flags are off: CXXFLAGS has OSS-Fuzz's. Boost.Fiber
# switches stacks, so ASan's use-after-return detection must be off (TOOLCHAIN.md).
extra=""
case "$CXXFLAGS" in *address*) extra="-fsanitize-address-use-after-return=never" ;; esac
cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_CXX_FLAGS="$CXXFLAGS $extra" \
  -DCMAKE_EXE_LINKER_FLAGS="$CXXFLAGS" \
  -DCTXCHECK_FUZZERS=ON -DCTXCHECK_FUZZ_INSTRUMENT="" -DCTXCHECK_FUZZ_ENGINE="$LIB_FUZZING_ENGINE"
# fuzz_faults is left out: with faults on, crashes are its purpose (bench/fuzz_kill_times.sh).
targets="fuzz_programs fuzz_trace_parser fuzz_decode"
ninja -C "$build" $targets
mkdir -p "$OUT"
for t in $targets; do
  cp "$build/fuzzers/$t" "$OUT/"
  (cd "$src/corpus/seeds/$t" && zip -q -j "$OUT/${t}_seed_corpus.zip" ./*)
  [ -f "$src/fuzzers/$t.dict" ] && cp "$src/fuzzers/$t.dict" "$OUT/$t.dict"
  # The campaigns' flags (fuzzers/<target>.options, as ci/overnight reads them).
  if [ -f "$src/fuzzers/$t.options" ]; then cp "$src/fuzzers/$t.options" "$OUT/$t.options"
  else printf '[libfuzzer]\nmax_len = 256\n' >"$OUT/$t.options"; fi
  [ -f "$src/fuzzers/$t.dict" ] && printf 'dict = %s.dict\n' "$t" >>"$OUT/$t.options"
done
echo "built $targets into $OUT"
