#!/usr/bin/env python3
"""The bad-input suite (issue 20): deterministically generated malformed inputs, run
through every subcommand that reads a file, plus special paths and bad flags.

    bad_input.py CTXCHECK SOURCE_DIR [--workers 2] [--seed 20] [--timeout 20]

Inputs are mutations of corpus/regressions/*.trace (truncations, bit flips, control bytes,
huge tokens, bad numbers, unknown ops, wrong arity, bad handles, bad schedules, broken
structure), whole-file oddities (empty, BOM, UTF-16, NULs, random bytes, too many ops or
scripts, deep chains, an oversized file) and CRLF variants, which must behave exactly like
the LF originals. Each input runs under replay, shrink -o, export-go -o, convert
--to-bytes -o, convert --to-trace -o and explore FILE. Checked for every run:
  - no crash: an exit code other than 0, 1, 2 (a signal, an abort) or a sanitizer or
    std::terminate message fails;
  - no hang: each process gets --timeout seconds;
  - a rejection (exit 2) names the user's path, and for a text trace its line and column
    (path:LINE:COL:); where the generator knows which line it broke, that line, and the
    input must be rejected; a rejection that is about the file as a whole (too large, not a
    regular file) or about a valid program the command cannot handle (export-go: an API
    beyond Go 1.19) names the path and is counted apart;
  - no file appears outside the requested output: the working directory and $TMPDIR stay
    empty, the input is unchanged, and a rejected command leaves no output file.
Exit 0 when every check holds, 1 otherwise (the first failures are printed).
"""
import argparse
import concurrent.futures
import os
import queue
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional

CRASH_TEXT = re.compile(rb"runtime error:|AddressSanitizer|UndefinedBehaviorSanitizer|LeakSanitizer|"
                        rb"terminate called|Assertion .* failed|Segmentation fault|stack smashing")
# Rejections that are about the file as a whole, or about a valid program a command cannot
# handle: they name the path, not a line.
WHOLE_FILE = re.compile(r"is larger than \d+ bytes|not a regular file|cannot open|cannot export to Go|"
                        r"cannot convert to fuzz_\w+ bytes")
MAX_TRACE = 1 << 20


@dataclass
class Case:
    name: str
    data: bytes
    line: Optional[int] = None  # the line the generator broke: the input must be rejected there
    same_as: Optional[bytes] = None  # a CRLF variant: must behave exactly like this LF text


@dataclass
class Outcome:
    runs: int = 0
    rejected_with_line: int = 0
    rejected_whole_file: int = 0
    accepted: int = 0
    right_line: int = 0
    whole_file_reasons: Dict[str, int] = field(default_factory=dict)
    failures: List[str] = field(default_factory=list)


# ---- the inputs --------------------------------------------------------------------------

def split_lines(text: str) -> List[str]:
    return text.split("\n")


def join(lines: List[str]) -> bytes:
    return "\n".join(lines).encode("utf-8", "surrogateescape")


def op_lines(lines: List[str]) -> List[int]:
    """Indexes (0-based) of the lines that are ops: inside a script, before the schedule."""
    out, in_script = [], False
    for i, l in enumerate(lines):
        s = l.strip()
        if s.startswith("schedule:"):
            break
        if re.fullmatch(r"go \d+:", s):
            in_script = True
        elif in_script and s and not s.startswith("#"):
            out.append(i)
    return out


def handle_operands(line: str) -> List[int]:
    """Token indexes of the handle operands of an op line (not its result)."""
    toks = line.split()
    start = 2 if len(toks) > 1 and toks[1] == "=" else 0
    return [i for i in range(start + 1, len(toks)) if re.fullmatch(r"h\d+", toks[i])]


def replace_token(line: str, index: int, new: str) -> str:
    toks = line.split()
    toks[index] = new
    return "  " + " ".join(toks)


def first_content_line(lines: List[str]) -> int:
    for i, l in enumerate(lines):
        if l.strip() and not l.strip().startswith("#"):
            return i
    return len(lines) - 1


class Mutator:
    """Every mutation of one base trace; `line` is 1-based where the mutation surely breaks."""

    def __init__(self, name: str, text: str, rng: random.Random):
        self.name, self.text, self.rng = name, text, rng
        self.lines = split_lines(text)
        self.ops = op_lines(self.lines)
        self.cases: List[Case] = []

    def add(self, kind: str, data: bytes, line: Optional[int] = None):
        self.cases.append(Case(f"{self.name}/{kind}{len(self.cases)}", data, line))

    def with_line(self, kind: str, index: int, new_line: str):
        lines = list(self.lines)
        lines[index] = new_line
        self.add(kind, join(lines), index + 1)

    def all(self) -> List[Case]:
        data = self.text.encode()
        for k in range(1, 15):  # truncations
            self.add("truncate", data[: len(data) * k // 15])
        for _ in range(16):  # bit flips anywhere
            b = bytearray(data)
            p = self.rng.randrange(len(b))
            b[p] ^= 1 << self.rng.randrange(8)
            self.add("flip", bytes(b))
        controls = [0, 1, 7, 8, 11, 12, 14, 27, 31, 127]
        for _ in range(8):  # a control byte inserted: rejected on its line
            p = self.rng.randrange(len(data))
            self.add("control", data[:p] + bytes([self.rng.choice(controls)]) + data[p:], data[:p].count(b"\n") + 1)
        self.huge_tokens()
        self.bad_numbers()
        self.unknown_ops()
        self.wrong_arity()
        self.bad_handles()
        self.bad_schedules()
        self.broken_structure()
        return self.cases

    def pick_op(self) -> int:
        return self.rng.choice(self.ops)

    def huge_tokens(self):
        for size in (5_000, 100_000, 900_000):
            i = self.pick_op()
            toks = self.lines[i].split()
            self.with_line("huge-token", i, replace_token(self.lines[i], 2 if len(toks) > 1 and toks[1] == "=" else 0,
                                                          "x" * size))
        i = self.pick_op()
        self.with_line("huge-number", i, "  sleep " + "9" * 200_000 + "ms")

    def bad_numbers(self):
        durations = ["-5ms", "5", "5h", "5.5ms", "1e3ms", "0x5ms", "99999999999999999999ms", "3600001s", "ms",
                     "@5ms", "+5ms", "5 ms", "\uff15ms", "5MS"]
        for bad in self.rng.sample(durations, 8):
            i = self.pick_op()
            lines = list(self.lines)
            lines.insert(i + 1, "  sleep " + bad)
            self.add("bad-duration", join(lines), i + 2)
        for bad in ["-1", "0", "99999999999999999999", "x", "64"]:
            i = self.pick_op()
            lines = list(self.lines)
            lines.insert(i + 1, "  go " + bad)
            self.add("bad-go", join(lines), i + 2)
        for bad in ["keyA:99999999999", "key:1", "keya:1", "keyA1", "keyA:-"]:
            i = self.pick_op()
            lines = list(self.lines)
            lines.insert(i + 1, f"  h99 = with_value h1 {bad} 1")
            self.add("bad-key", join(lines), i + 2)
        version = self.rng.choice(["0", "2", "-1", "99999999999999999999", "1.0", "one"])
        self.with_line("bad-version", 0, "ctxcheck-trace " + version)

    def unknown_ops(self):
        names = ["with_cancell", "Cancel", "cancel()", "ctx", "with-cancel", "\u00e9", "\u200bcancel", "background2",
                 "WITH_CANCEL", "withCancel", "=", "go1"]
        for bad in self.rng.sample(names, 7):
            i = self.pick_op()
            toks = self.lines[i].split()
            self.with_line("unknown-op", i, replace_token(self.lines[i], 2 if len(toks) > 1 and toks[1] == "=" else 0, bad))
        creators = [i for i in self.ops if " = " in self.lines[i]]
        for i in self.rng.sample(creators, min(3, len(creators))):  # "h3 = cancel h2": cancel returns nothing
            toks = self.lines[i].split()
            self.with_line("no-result", i, "  " + " ".join(toks[:2] + [self.rng.choice(["cancel", "yield", "gc", "stop"])]
                                                          + toks[3:]))
        for i in self.rng.sample(creators, min(2, len(creators))):  # a creator without its result
            self.with_line("needs-result", i, "  " + " ".join(self.lines[i].split()[2:]))

    def wrong_arity(self):
        for _ in range(8):  # a token too many, on any line but a comment or a blank one
            candidates = [i for i, l in enumerate(self.lines) if l.strip() and not l.strip().startswith("#")]
            i = self.rng.choice(candidates)
            self.with_line("extra-token", i, self.lines[i] + " " + self.rng.choice(["extra", "h1", ",", "=", "@"]))
        for _ in range(4):  # the last token dropped: maybe still valid
            i = self.pick_op()
            lines = list(self.lines)
            lines[i] = lines[i].rsplit(" ", 1)[0]
            self.add("drop-token", join(lines))

    def bad_handles(self):
        with_operands = [i for i in self.ops if handle_operands(self.lines[i])]
        for bad in ["h0", "h100001", "h99999", "h-1", "h", "hx", "H2", "h2.0", "h1e3", "h99999999999"]:
            i = self.rng.choice(with_operands)
            self.with_line("bad-handle", i, replace_token(self.lines[i], self.rng.choice(handle_operands(self.lines[i])),
                                                          bad))
        creators = [i for i in self.ops if re.match(r"\s*h(\d+) = ", self.lines[i]) and i != self.ops[0]]
        for i in self.rng.sample(creators, min(2, len(creators))):  # a handle defined twice
            first = self.lines[self.ops[0]].split()[0]
            self.with_line("defined-twice", i, replace_token(self.lines[i], 0, first))

    def bad_schedules(self):
        sched = [i for i, l in enumerate(self.lines) if l.startswith("schedule:")]
        end = len(self.lines) - 1 if self.lines[-1] == "" else len(self.lines)
        for bad in ["-1", "4294967296", "x", "1.5", "0x1"]:
            lines = list(self.lines)
            if sched:
                lines[sched[0]] += " " + bad
                self.add("bad-schedule", join(lines), sched[0] + 1)
            else:
                lines.insert(end, "schedule: 0 " + bad)
                self.add("bad-schedule", join(lines), end + 1)
        lines = list(self.lines)  # choices out of every range: valid text, the replay diverges
        lines.insert(end, " 4294967295 999999 7" if sched else "schedule: 4294967295 999999 7")
        self.add("schedule-out-of-range", join(lines))

    def broken_structure(self):
        go0 = self.lines.index("go 0:")
        lines = list(self.lines)
        lines.insert(self.ops[-1] + 1, "go 0:")  # main twice
        self.add("script-twice", join(lines), self.ops[-1] + 2)
        lines = list(self.lines)
        del lines[go0]  # ops before "go 0:": the first op is one line up
        self.add("no-go0", join(lines), self.ops[0])
        lines = list(self.lines)
        lines[go0] = "go 1:"
        self.add("go1-first", join(lines), go0 + 1)
        for kind, header in (("unknown-fault", "faults: no-such-fault"), ("bad-unsafe", "unsafe: maybe"),
                             ("bad-expect", "expect: violation no-such-invariant"),
                             ("bad-hash", "hash: 1ffffffffffffffff")):  # a bad header line before "go 0:"
            lines = list(self.lines)
            lines.insert(go0, header)
            self.add(kind, join(lines), go0 + 1)
        lines = self.lines[1:]  # no version line
        self.add("no-version", join(lines), first_content_line(lines) + 1)
        for i in self.rng.sample(self.ops, min(3, len(self.ops))):  # an op line deleted: maybe valid
            lines = list(self.lines)
            del lines[i]
            self.add("delete-op", join(lines))


def whole_files(rng: random.Random, base: str) -> List[Case]:
    v = "ctxcheck-trace 1\n"
    cases = [
        Case("empty", b"", 1),
        Case("blank", b"\n\n   \n", None),
        Case("version-only", v.encode(), None),
        Case("bom", b"\xef\xbb\xbf" + base.encode(), 1),
        Case("utf16", base.encode("utf-16"), 1),
        Case("nuls", b"\0" * 1000, 1),
        Case("cr-only", base.replace("\n", "\r").encode(), None),
        Case("too-many-ops", (v + "go 0:\n  h1 = background\n" + "  yield\n" * 10000).encode(), 10003),
        Case("too-many-scripts", (v + "".join(f"go {i}:\n  yield\n" for i in range(65))).encode(), 2 + 2 * 64),
        Case("long-line", (v + "go 0:\n  h1 = background\n  yield" + " yield" * 100_000 + "\n").encode(), 4),
        Case("oversized", (v + "go 0:\n  h1 = background\n" + "#" * MAX_TRACE + "\n").encode(), None),
        Case("binary-junk-after-header", (v + "go 0:\n  h1 = background\n").encode() + bytes(range(256)), 4),
    ]
    # A chain of 100 contexts: deep, and still cheap for explore (each per-step check walks
    # the tree: see issue 20's item 4 on costs at depth 1,000 and more).
    chain = v + "go 0:\n  h1 = background\n" + "".join(f"  h{i} = with_cancel h{i - 1}\n" for i in range(2, 102))
    cases.append(Case("deep-chain", (chain + "  cancel h2\n").encode()))
    spawn = v + "go 0:\n  h1 = background\n  go 1\n" + "".join(
        f"go {i}:\n  h{i + 1} = with_cancel h{i}\n" + (f"  go {i + 1}\n" if i < 63 else "") for i in range(1, 64))
    cases.append(Case("deep-spawn", spawn.encode()))
    for k in range(300):  # random bytes, some after a valid header
        n = rng.choice([1, 7, 64, 512, 4096])
        junk = bytes(rng.randrange(256) for _ in range(n))
        cases.append(Case(f"random{k}", (v.encode() + junk) if k % 3 == 0 else junk))
    return cases


def crlf_cases(name: str, text: str) -> List[Case]:
    crlf = text.replace("\n", "\r\n").encode()
    mixed = "".join(l + ("\r\n" if i % 2 else "\n") for i, l in enumerate(text.split("\n")[:-1])).encode()
    return [Case(f"{name}/crlf", crlf, None, text.encode()), Case(f"{name}/mixed-eol", mixed, None, text.encode())]


def generate(src: str, seed: int, max_malformed: int):
    """The malformed inputs (a fixed sample of the token-level ones, then every whole-file
    one), the CRLF variants, and how many malformed inputs were generated before sampling."""
    rng = random.Random(seed)
    corpus = sorted(os.path.join(src, "corpus", "regressions", f) for f in os.listdir(
        os.path.join(src, "corpus", "regressions")) if f.endswith(".trace"))
    malformed, crlf = [], []
    for path in corpus:
        name = os.path.basename(path)[: -len(".trace")]
        with open(path, encoding="utf-8") as f:
            text = f.read()
        malformed += Mutator(name, text, rng).all()
        crlf += crlf_cases(name, text)
    with open(corpus[-1], encoding="utf-8") as f:
        whole = whole_files(rng, f.read())
    generated = len(malformed) + len(whole)
    if 0 < max_malformed - len(whole) < len(malformed):
        keep = set(random.Random(seed).sample(range(len(malformed)), max_malformed - len(whole)))
        malformed = [c for i, c in enumerate(malformed) if i in keep]
    return malformed + whole, crlf, generated


# ---- running them ------------------------------------------------------------------------

# Every subcommand that reads a file: (name, argv after the binary, reads a text trace, output).
def commands(inp: str, out: str):
    return [
        ("replay", ["replay", inp], True, None),
        ("shrink", ["shrink", inp, "-o", out + ".trace"], True, out + ".trace"),
        ("export-go", ["export-go", inp, "-o", out + "_test.go", "--samples", "2"], True, out + "_test.go"),
        ("to-bytes", ["convert", "--to-bytes", inp, "-o", out + ".bin"], True, out + ".bin"),
        ("to-trace", ["convert", "--to-trace", inp, "-o", out + ".trace"], False, out + ".trace"),
        ("explore", ["explore", inp, "--executions", "20", "--no-progress"], True, None),
    ]


class Worker:
    """A directory of its own: the input, the output, an empty cwd and an empty $TMPDIR."""

    def __init__(self, root: str, k: int):
        self.dir = os.path.join(root, f"w{k}")
        for d in ("in", "out", "cwd", "tmp"):
            os.makedirs(os.path.join(self.dir, d))
        self.env = dict(os.environ, TMPDIR=os.path.join(self.dir, "tmp"))

    def clear(self, *dirs):
        for d in dirs:
            for entry in os.listdir(os.path.join(self.dir, d)):
                p = os.path.join(self.dir, d, entry)
                shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.unlink(p)

    def run(self, argv, timeout):
        try:
            p = subprocess.run(argv, cwd=os.path.join(self.dir, "cwd"), env=self.env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
            return p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            return None, e.stdout or b"", e.stderr or b""

    def stray_files(self, allowed, dirs=("cwd", "tmp", "in", "out")):
        found = []
        for d in dirs:
            for name in os.listdir(os.path.join(self.dir, d)):
                path = os.path.join(self.dir, d, name)
                if path not in allowed:
                    found.append(path)
        return found


def check_run(o: Outcome, case_name: str, what: str, rc, out: bytes, err: bytes, path: str, text_input: bool,
              line: Optional[int]):
    """One process's exit, messages and rejection; failures are appended to o.failures."""
    o.runs += 1
    tag = f"{case_name} [{what}]"
    msg = err.decode("utf-8", "replace")
    if rc is None:
        return o.failures.append(f"{tag}: HANG (killed after the timeout)")
    if rc not in (0, 1, 2) or CRASH_TEXT.search(out + err):
        return o.failures.append(f"{tag}: CRASH: exit {rc}: {msg[-400:]}")
    if rc != 2:
        o.accepted += 1
        if line is not None and text_input:
            o.failures.append(f"{tag}: accepted (exit {rc}), but line {line} is broken")
        return
    if path not in msg:
        return o.failures.append(f"{tag}: the rejection does not name {path}: {msg[:300]}")
    if len(msg) > 2000:
        o.failures.append(f"{tag}: a {len(msg)}-byte message (a long token echoed whole?)")
    m = re.search(re.escape(path) + r":(\d+):(\d+): ", msg)
    if m is None:
        reason = WHOLE_FILE.search(msg)
        if reason or not text_input:
            o.rejected_whole_file += 1
            key = f"{what}: {reason.group(0) if reason else msg[msg.find(path) + len(path):][:40].strip()}"
            key = re.sub(r"\d+", "N", key)
            o.whole_file_reasons[key] = o.whole_file_reasons.get(key, 0) + 1
            return
        return o.failures.append(f"{tag}: rejected without a line and column: {msg[:300]}")
    o.rejected_with_line += 1
    if line is not None:
        if int(m.group(1)) != line:
            return o.failures.append(f"{tag}: rejected at line {m.group(1)}, but the broken line is {line}: {msg[:300]}")
        o.right_line += 1


def run_case(w: Worker, binary: str, case: Case, timeout: float) -> Outcome:
    o = Outcome()
    w.clear("in", "out", "cwd", "tmp")
    inp = os.path.join(w.dir, "in", "case.trace")
    out = os.path.join(w.dir, "out", "result")
    with open(inp, "wb") as f:
        f.write(case.data)
    reference = {}
    if case.same_as is not None:  # the LF original, for a CRLF case
        ref_path = os.path.join(w.dir, "in", "lf.trace")
        with open(ref_path, "wb") as f:
            f.write(case.same_as)
        rc, ref_out, _ = w.run([binary, "replay", ref_path, "--json"], timeout)
        rc2, got_out, err = w.run([binary, "replay", inp, "--json"], timeout)
        o.runs += 2
        if (rc, ref_out.replace(ref_path.encode(), inp.encode())) != (rc2, got_out):
            o.failures.append(f"{case.name}: replays differently from its LF original (exit {rc2} vs {rc}): "
                              f"{err.decode('utf-8', 'replace')[:300]}")
        for name, argv, _, _ in commands(ref_path, out + "-ref"):
            reference[name] = w.run([binary] + argv, timeout)[0]
    for name, argv, text_input, output in commands(inp, out):
        rc, so, se = w.run([binary] + argv, timeout)
        check_run(o, case.name, name, rc, so, se, inp, text_input, case.line)
        if case.same_as is not None and rc != reference.get(name):
            o.failures.append(f"{case.name} [{name}]: exit {rc}, the LF original exits {reference.get(name)}")
        # export-go (this case's or its LF original's) writes its shared helpers once beside its -o
        allowed = {inp, os.path.join(w.dir, "in", "lf.trace"), os.path.join(w.dir, "out", "ctxcheck_helpers_test.go")}
        if output and rc in (0, 1) and os.path.exists(output):
            allowed.add(output)
        for stray in w.stray_files(allowed):
            if "-ref" not in stray:  # the LF original's outputs
                o.failures.append(f"{case.name} [{name}]: exit {rc} left {stray}")
        with open(inp, "rb") as f:
            if f.read() != case.data:
                o.failures.append(f"{case.name} [{name}]: the input file was changed")
        w.clear("out", "cwd", "tmp")
    return o


def merge(total: Outcome, o: Outcome):
    for k in ("runs", "rejected_with_line", "rejected_whole_file", "accepted", "right_line"):
        setattr(total, k, getattr(total, k) + getattr(o, k))
    total.failures += o.failures
    for k, n in o.whole_file_reasons.items():
        total.whole_file_reasons[k] = total.whole_file_reasons.get(k, 0) + n


# ---- special paths and flags -------------------------------------------------------------

def special_paths(w: Worker, binary: str, timeout: float) -> Outcome:
    """A directory, a FIFO (no writer: open must not block), /dev/null, a missing file, an
    empty file, a dangling symlink, a symlink to the FIFO, and (not as root) an unreadable
    file: every reading command refuses each one with exit 2 naming it."""
    o = Outcome()
    d = os.path.join(w.dir, "special")
    os.makedirs(d)
    fifo = os.path.join(d, "fifo")
    os.mkfifo(fifo)
    empty = os.path.join(d, "empty.trace")
    open(empty, "wb").close()
    dangling = os.path.join(d, "dangling")
    os.symlink(os.path.join(d, "nowhere"), dangling)
    to_fifo = os.path.join(d, "to-fifo")
    os.symlink(fifo, to_fifo)
    paths = [d, fifo, "/dev/null", os.path.join(d, "missing.trace"), empty, dangling, to_fifo]
    if os.geteuid() != 0:
        locked = os.path.join(d, "locked.trace")
        with open(locked, "w") as f:
            f.write("ctxcheck-trace 1\ngo 0:\n  h1 = background\n")
        os.chmod(locked, 0)
        paths.append(locked)
    out = os.path.join(w.dir, "out", "result")
    for p in paths:
        for name, argv, text_input, _ in commands(p, out):
            rc, so, se = w.run([binary] + argv, timeout)
            valid = p == empty and not text_input  # empty bytes are a valid fuzz input
            check_run(o, f"special {p}", name, rc, so, se, p, text_input, 1 if p == empty and text_input else None)
            if not valid and rc != 2 and rc is not None:
                o.failures.append(f"special {p} [{name}]: exit {rc}, want 2")
            for entry in w.stray_files(set(), ("cwd", "tmp", "out")):
                if not (valid and entry == out + ".trace"):
                    o.failures.append(f"special {p} [{name}]: exit {rc} left {entry}")
            w.clear("cwd", "tmp", "out")
    return o


def checkpoints(w: Worker, binary: str, seed: int, timeout: float) -> Outcome:
    """explore --checkpoint reads a file too: a real checkpoint, truncated, bit-flipped, with
    fields of the wrong type or junk. A rejection names the path and leaves the file as it was."""
    o = Outcome()
    ck = os.path.join(w.dir, "in", "ck.json")
    explore = [binary, "explore", "--ops", "1", "--checkpoint", ck, "--max-programs", "2", "--no-progress"]
    w.clear("in", "out", "cwd", "tmp")
    if w.run(explore, timeout)[0] != 0:
        o.failures.append("explore --checkpoint: could not write a first checkpoint")
        return o
    with open(ck, "rb") as f:
        good = f.read()
    rng = random.Random(seed)
    variants = [good[: len(good) * k // 12] for k in range(12)]
    for _ in range(16):
        b = bytearray(good)
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        variants.append(bytes(b))
    variants += [b"[]", b"null", b"{}", b'{"next": "x"}', b"\0" * 64, good.replace(b"1", b"-1"),
                 good.replace(b"1", b"99999999999999999999999"), good.replace(b"1", b"1.5"), good + b"junk"]
    for data in variants:
        w.clear("in", "out", "cwd", "tmp")
        with open(ck, "wb") as f:
            f.write(data)
        rc, so, se = w.run(explore, timeout)
        check_run(o, f"checkpoint {data[:30]!r}", "explore --checkpoint", rc, so, se, ck, False, None)
        if rc == 2:
            with open(ck, "rb") as f:
                if f.read() != data:
                    o.failures.append(f"checkpoint {data[:30]!r}: rejected, but the file was rewritten")
        for stray in w.stray_files({ck}):
            o.failures.append(f"checkpoint {data[:30]!r}: exit {rc} left {stray}")
    return o


def bad_flags(trace: str):
    """(argv, the flag the message must name): each must exit 2 at once."""
    f = [
        (["run", "--time", v], "--time") for v in ("nan", "NaN", "inf", "-inf", "-1", "1e300", "2592001", "", "5s")
    ] + [
        (["run", "--count", "1", "--seed", v], "--seed") for v in ("-1", "18446744073709551616", "1.5", "0x10", " 1", "")
    ] + [
        (["run", "--count", v], "--count") for v in ("-5", "-1", "18446744073709551616", "1e3", "many")
    ] + [
        (["run", "--count", "1", "--kinds", v], "--kinds") for v in ("", ",", "with_cancel,", ",cancel", "frob",
                                                                     "with_cancel,,cancel", "x" * 100_000)
    ] + [
        (["run", "--count", "1", "--faults", v], "--faults") for v in ("", ",", "nope", "early-return,", "skip-removal,nope")
    ] + [
        (["run", "--count", "1", "--ops", "0"], "--ops"), (["run", "--count", "1", "--goroutines", "65"], "--goroutines"),
        (["run", "--count", "1", "--max-steps", "-1"], "--max-steps"), (["run", "--frobnicate"], "frobnicate"),
        (["explore", "--ops", "1", "--executions", "-1"], "--executions"),
        (["explore", "--ops", "1", "--seed", "-1"], "--seed"),
        (["explore", "--ops", "1", "--max-programs", "-1"], "--max-programs"),
        (["explore", "--ops", "1", "--kinds", ""], "--kinds"), (["explore", "--ops", "1", "--kinds", "a,,b"], "--kinds"),
        (["explore", "--ops", "1", "--faults", ""], "--faults"),
        (["explore", "--ops", "1", "--shard", "0/-1"], "--shard"), (["explore", "--ops", "1", "--shard", "-1/4"], "--shard"),
        (["explore", "--ops", "1", "--shard", "4/4"], "--shard"), (["explore", "--ops", "1", "--shard", "0/0"], "--shard"),
        (["explore", "--ops", "1", "--shard", "1"], "--shard"), (["explore", "--ops", "1", "--shard", "0/4294967296"], "--shard"),
        (["explore", "--ops", "13"], "--ops"), (["explore", "--ops", "1", "--bound", "-1"], "--bound"),
        (["explore", "--ops", "1", "--pct-depth", "0"], "--pct-depth"),
        (["explore", "--ops", "1", "--strategy", "nope"], "--strategy"),
        (["explore", trace, "--executions", "18446744073709551616"], "--executions"),
        (["export-go", trace, "--scale", "0"], "--scale"), (["export-go", trace, "--scale", "nan"], "--scale"),
        (["export-go", trace, "--samples", "-1"], "--samples"), (["export-go", trace, "--name", "bad name"], "--name"),
        (["convert", "--to-trace", trace, "--target", "nope"], "--target"),
        (["demo", "--seed", "-1"], "--seed"), (["demo", "--seed", "18446744073709551616"], "--seed"),
        (["replay"], "file"), (["shrink"], "file"), (["replay", trace, "--frob"], "--frob"),
    ]
    return f


def check_flags(w: Worker, binary: str, trace: str, timeout: float) -> Outcome:
    o = Outcome()
    for argv, flag in bad_flags(trace):
        rc, so, se = w.run([binary] + argv, timeout)
        o.runs += 1
        tag = "flags " + " ".join(a if len(a) < 50 else a[:20] + "..." for a in argv)
        msg = (so + se).decode("utf-8", "replace")
        if rc is None:
            o.failures.append(f"{tag}: HANG")
        elif rc != 2:
            o.failures.append(f"{tag}: exit {rc}, want 2: {msg[:200]}")
        elif flag not in msg or len(msg) > 1000:
            o.failures.append(f"{tag}: the message does not name {flag} briefly: {msg[:200]}")
        else:
            o.rejected_whole_file += 1
        for entry in w.stray_files(set(), ("cwd", "tmp", "out")):
            o.failures.append(f"{tag}: left {entry}")
        w.clear("cwd", "tmp", "out")
    # Values that stay valid, read as written (CLI11 alone reads "010" as octal 8).
    good = [(["run", "--seed", "010", "--count", "1", "--no-progress"], b"seed 10,"),
            (["run", "--seed", "18446744073709551615", "--count", "1", "--no-progress"], b"seed 18446744073709551615,"),
            (["run", "--time", "0.05", "--no-progress"], b"executions"),
            (["run", "--count", "1", "--faults", "none", "--no-progress"], b"faults []"),
            (["run", "--count", "1", "--faults", "skip-removal, early-return", "--no-progress"], b"early-return"),
            (["explore", "--ops", "1", "--kinds", "default", "--no-progress"], b"explored"),
            (["explore", "--ops", "1", "--shard", "1/2", "--no-progress"], b"shard 1/2")]
    for argv, want in good:
        rc, so, se = w.run([binary] + argv, timeout)
        o.runs += 1
        if rc not in (0, 1) or want not in so:
            o.failures.append(f"flags {' '.join(argv)}: exit {rc} without {want!r}: {(so + se)[:300]!r}")
        w.clear("cwd", "tmp", "out")
    for sub in ("", "run", "replay", "shrink", "explore", "export-go", "convert", "demo", "invariants", "faults"):
        rc, so, _ = w.run([binary] + ([sub] if sub else []) + ["--help"], timeout)
        o.runs += 1
        if rc != 0:
            o.failures.append(f"{sub} --help: exit {rc}")
    rc, so, _ = w.run([binary, "run", "--help"], timeout)
    for shown in (b"--time FLOAT:[0 - 2592000]=0", b"--seed UINT:[0 - 2^64-1]=1", b"--count UINT:[0 - 2^64-1]=0"):
        if shown not in so:
            o.failures.append(f"run --help does not show {shown.decode()}")
    return o


def failure_kind(failure: str) -> str:
    for pattern, kind in ((r"HANG", "hang"), (r"CRASH", "crash"), (r"broken line is", "rejected at the wrong line"),
                          (r"without a line", "rejected without a line"), (r"-byte message", "an overlong message"),
                          (r"but line \d+ is broken", "a broken input accepted"),
                          (r"LF original", "CRLF behaves unlike LF"), (r"does not name", "the message lacks the path/flag"),
                          (r"left |was changed|rewritten", "a stray or changed file"), (r"want 2", "a wrong exit code")):
        if re.search(pattern, failure):
            return kind
    return "other"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ctxcheck")
    ap.add_argument("source")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--max-malformed", type=int, default=1200,
                    help="a fixed sample of this many malformed inputs (0: all); each regression trace adds ~140")
    a = ap.parse_args()
    binary, a.source = os.path.abspath(a.ctxcheck), os.path.abspath(a.source)
    t0 = time.monotonic()
    malformed, crlf, generated = generate(a.source, a.seed, a.max_malformed)
    cases = malformed + crlf
    root = tempfile.mkdtemp(prefix="ctxcheck-bad-input-")
    try:
        workers = queue.Queue()
        for k in range(a.workers):
            workers.put(Worker(root, k))

        def task(fn, *args):
            w = workers.get()
            try:
                return fn(w, *args)
            finally:
                workers.put(w)

        total = Outcome()
        trace = os.path.join(a.source, "corpus", "regressions", "seed-early-return-residue.trace")
        with concurrent.futures.ThreadPoolExecutor(a.workers) as pool:
            futures = [pool.submit(task, run_case, binary, c, a.timeout) for c in cases]
            futures.append(pool.submit(task, special_paths, binary, a.timeout))
            futures.append(pool.submit(task, checkpoints, binary, a.seed, a.timeout))
            futures.append(pool.submit(task, check_flags, binary, trace, a.timeout))
            for fut in futures:
                merge(total, fut.result())
    finally:
        shutil.rmtree(root, ignore_errors=True)
    secs = time.monotonic() - t0
    known = sum(1 for c in malformed if c.line is not None)
    print(f"bad-input suite: {len(malformed)} malformed inputs (a fixed sample of {generated}; {known} with a known broken line) and {len(crlf)} CRLF "
          f"variants x {len(commands('', ''))} commands, special paths, malformed checkpoints, {len(bad_flags(trace))} bad flags: "
          f"{total.runs} runs in {secs:.1f}s with {a.workers} workers")
    print(f"  rejections naming path:line:col: {total.rejected_with_line} ({total.right_line} at the line the generator "
          f"broke); naming the path (a whole-file reason, a valid program refused, a flag): {total.rejected_whole_file}; "
          f"accepted: {total.accepted}")
    print("  rejections naming the path only, by command and reason: " +
          "; ".join(f"{k} {n}" for k, n in sorted(total.whole_file_reasons.items())))
    if total.failures:
        by_kind = {}
        for f in total.failures:
            by_kind.setdefault(failure_kind(f), []).append(f)
        for kind, fs in sorted(by_kind.items(), key=lambda kv: -len(kv[1])):
            print(f"{len(fs)} x {kind}, e.g.:")
            for f in fs[:3]:
                print("  FAIL:", f.strip()[:400])
        print(f"{len(total.failures)} failure(s)")
        return 1
    print("0 crashes, 0 hangs, every rejection exit 2 naming the path; no stray files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
