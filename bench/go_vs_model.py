#!/usr/bin/env python3
"""What one execution costs in the model beside the same program in real Go (issue 18).

The program is bench/go_vs_model/seq16.trace: 16 sequential ops. Its Go twin is
BenchmarkSeq16 in bench/go_vs_model/seq16_test.go, op for op. The script

  1. replays the trace (it must reproduce its recorded verdict),
  2. exports it with `ctxcheck export-go --run` into a scratch copy of the Go module, so real
     Go is checked to agree with the model's observations of this very program,
  3. then, for --rounds rounds, alternating: `ctxcheck explore TRACE --strategy random
     --executions N` (every invariant on, the end phase and GC included) and the compiled
     Go benchmark with -test.benchtime=Nx,

and prints the CPU time per execution of each (user+sys of the process, from its rusage:
on a loaded machine CPU time is steadier than wall time), their medians and the ratio. The
issue's target is a ratio of at most 3. Exit 0 when it measured (whatever the ratio: this
is a benchmark, not a test), 1 when a step failed, 2 on bad arguments.

  bench/go_vs_model.py --ctxcheck build/g++/ctxcheck --executions 100000 --rounds 3
"""
import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE = os.path.join(HERE, "go_vs_model")
TRACE = "seq16.trace"


def cpu_seconds(cmd, cwd, env):
    """Runs cmd; returns (CPU seconds of the child, its stdout). Raises on a non-zero exit."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return used, done.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ctxcheck", default="build/g++/ctxcheck", help="the ctxcheck binary (default: %(default)s)")
    ap.add_argument("--go", default=os.environ.get("CTXCHECK_GO", "/usr/lib/go-1.23/bin/go"),
                    help="the go command (default: $CTXCHECK_GO or %(default)s)")
    ap.add_argument("--executions", type=int, default=100000, help="executions per round, each side (default: %(default)s)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds, alternating the two sides (default: %(default)s)")
    ap.add_argument("--gocache", default=None, help="GOCACHE (default: a directory beside the ctxcheck binary)")
    ap.add_argument("--skip-without-go", action="store_true",
                    help="exit 77 (ctest's skip) when --go is missing, unless CTXCHECK_WITH_GO=1")
    a = ap.parse_args()
    if a.executions < 1 or a.rounds < 1:
        ap.error("--executions and --rounds must be at least 1")
    if a.skip_without_go and not os.access(a.go, os.X_OK) and os.environ.get("CTXCHECK_WITH_GO") != "1":
        print(f"SKIPPED: no go at {a.go} (CTXCHECK_WITH_GO=1 bash ci/setup installs it)")
        return 77
    for what, path in (("--ctxcheck", a.ctxcheck), ("--go", a.go)):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            ap.error(f"{what} {path}: not an executable file")
    ctxcheck = os.path.abspath(a.ctxcheck)
    env = dict(os.environ, GOFLAGS="-mod=mod", GOPROXY="off", GOTOOLCHAIN="local",
               GOCACHE=os.path.abspath(a.gocache or os.path.join(os.path.dirname(ctxcheck), "go-build-cache")),
               CTXCHECK_GO=a.go, PATH=os.path.dirname(a.go) + os.pathsep + os.environ.get("PATH", ""))

    with tempfile.TemporaryDirectory(prefix="go_vs_model.") as scratch:
        module = os.path.join(scratch, "gobench")
        shutil.copytree(MODULE, module)
        try:
            _, out = cpu_seconds([ctxcheck, "replay", TRACE], module, env)
            print(out.strip().splitlines()[-1])
            _, out = cpu_seconds([ctxcheck, "export-go", TRACE, "-o", "seq16_export_test.go", "--run"], module, env)
            print("export-go --run: Go agrees with the model on", TRACE)
            cpu_seconds([a.go, "test", "-c", "-o", "gobench.test"], module, env)
            model, go = [], []
            for _ in range(a.rounds):
                secs, out = cpu_seconds([ctxcheck, "explore", TRACE, "--strategy", "random", "--executions",
                                         str(a.executions), "--no-progress", "--json"], module, env)
                if f'"executions": {a.executions},' not in out or '"violations": 0,' not in out:
                    raise RuntimeError(f"explore did not run {a.executions} clean executions:\n{out}")
                model.append(secs / a.executions)
                secs, out = cpu_seconds(["./gobench.test", "-test.run", "^$", "-test.bench", "^BenchmarkSeq16$",
                                         f"-test.benchtime={a.executions}x"], module, env)
                if not re.search(r"BenchmarkSeq16\S*\s+%d\s" % a.executions, out):
                    raise RuntimeError(f"the Go benchmark did not run {a.executions} iterations:\n{out}")
                go.append(secs / a.executions)
        except RuntimeError as e:
            print(f"go_vs_model: {e}", file=sys.stderr)
            return 1
    us = lambda xs: ", ".join(f"{x * 1e6:.2f}" for x in xs)
    m, g = statistics.median(model), statistics.median(go)
    print(f"ctxcheck (every invariant): {us(model)} us CPU per execution, median {m * 1e6:.2f}")
    print(f"real Go {os.path.basename(os.path.dirname(os.path.dirname(a.go)))}: {us(go)} us CPU per execution, median {g * 1e6:.2f}")
    print(f"ratio ctxcheck / Go: {m / g:.1f}x (issue 18's target: <= 3x); load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
