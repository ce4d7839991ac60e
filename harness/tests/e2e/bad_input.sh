#!/usr/bin/env bash
# The bad-input suite (issue 20): 1,200 generated malformed traces (a fixed sample of ~1,800)
# x every subcommand that reads a file, CRLF variants of the regression corpus (same verdict
# and hash as LF), special paths (directory, FIFO, /dev/null, missing, empty, symlinks) and
# bad flags. No crash, no hang over 20 s, exit 2 naming the path (and line:col, the broken
# line where the generator knows it), no stray file. The generator and the checks: bad_input.py.
bin=$1 src=$2
command -v python3 >/dev/null || { echo "SKIP: python3 is missing"; exit 77; }
exec python3 "$(dirname "$0")/bad_input.py" "$bin" "$src" --workers 2 --timeout 20
