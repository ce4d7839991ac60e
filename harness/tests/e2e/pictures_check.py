"""Checks of replay's pictures for harness/tests/e2e/pictures.sh (issue 16).

  pictures_check.py layout FILE.dot FILE.plain   every tree edge points down, no labels overlap
  pictures_check.py timeline FILE.json SCHEMA     schema, a track per goroutine, nesting, flows
"""
import json
import re
import sys


def layout(dot_path, plain_path):
    dot = open(dot_path).read()
    nodes = {}
    for line in open(plain_path):
        f = line.split()
        if f and f[0] == "node":
            x, y, w, h = map(float, f[2:6])
            nodes[f[1]] = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
    contexts = [n for n in nodes if re.fullmatch(r"(p\d+)?c\d+", n)]
    bad = []
    edges = 0
    for m in re.finditer(r"^  (\w+) -> (\w+) \[([^\n]*)\];$", dot, re.M):
        tail, head, attrs = m.groups()
        if "constraint=false" in attrs or tail not in contexts or head not in contexts:
            continue
        edges += 1
        if not nodes[head][3] < nodes[tail][1]:  # plain: y grows upwards; the child is below
            bad.append(f"{head} is not below its parent {tail}")
    for i, a in enumerate(contexts):
        for b in contexts[i + 1:]:
            ra, rb = nodes[a], nodes[b]
            if ra[0] < rb[2] and rb[0] < ra[2] and ra[1] < rb[3] and rb[1] < ra[3]:
                bad.append(f"{a} and {b} overlap")
    if bad:
        sys.exit("layout: " + "; ".join(bad[:10]))
    print(f"layout: {len(contexts)} contexts, {edges} tree edges, every child below its parent, no overlap")


def nested(slices):
    """Slices of one track may only nest: none starts inside another and ends past it."""
    slices = sorted(slices, key=lambda e: (e["ts"], -e["dur"]))
    stack = []
    eps = 1e-6
    for s in slices:
        while stack and stack[-1]["ts"] + stack[-1]["dur"] <= s["ts"] + eps:
            stack.pop()
        if stack and s["ts"] + s["dur"] > stack[-1]["ts"] + stack[-1]["dur"] + eps:
            return f"{s['name']} at {s['ts']} overlaps {stack[-1]['name']}"
        stack.append(s)
    return None


def timeline(json_path, schema_path):
    import jsonschema
    doc = json.load(open(json_path))
    jsonschema.validate(doc, json.load(open(schema_path)))
    ev = doc["traceEvents"]
    tracks = {e["tid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
    problems = []
    for tid, name in sorted(tracks.items()):
        slices = [e for e in ev if e["ph"] == "X" and e["tid"] == tid]
        if tid != 0 and not any(s["cat"] == "goroutine" for s in slices):
            problems.append(f"track {name} has no goroutine slice")
        why = nested(slices)
        if why:
            problems.append(f"track {name}: {why}")
    for e in ev:
        if e["ph"] != "M" and e["tid"] not in tracks:
            problems.append(f"{e['name']} on tid {e['tid']} without a thread_name")
    starts = {e["id"] for e in ev if e["ph"] == "s"}
    finishes = {e["id"] for e in ev if e["ph"] == "f"}
    if starts != finishes:
        problems.append(f"flow starts {sorted(starts)} != finishes {sorted(finishes)}")
    if problems:
        sys.exit("timeline: " + "; ".join(problems[:10]))
    count = lambda ph, cat=None: sum(1 for e in ev if e["ph"] == ph and (cat is None or e.get("cat") == cat))
    print(f"tracks={len(tracks)} ops={count('X', 'op')} waits={count('X', 'wait')} "
          f"cancels={count('X', 'cancel')} gc={count('i', 'gc')} timers={count('i', 'timer')} flows={len(starts)}")
    for tid, name in sorted(tracks.items()):
        print(f"track {name}: {sum(1 for e in ev if e['tid'] == tid and e['ph'] == 'X' and e['cat'] == 'op')} ops")


if __name__ == "__main__":
    {"layout": layout, "timeline": timeline}[sys.argv[1]](*sys.argv[2:])
