#!/usr/bin/env python3
"""Summarises the raw results of run.sh into summary.md and draws drain-latency.svg.

Standard library only. Usage: summarize.py RESULTS_DIR
"""
import glob
import json
import math
import os
import re
import statistics
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "target/results"
lines = []


def pct(values, p):
    s = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(s)))
    return s[min(len(s), rank) - 1]


# 1. JMH: per benchmark and thread count, the median and the minimum of all measurement
#    iterations over all rounds, and the allocation per op.
jmh = {}
for f in sorted(glob.glob(os.path.join(out, "jmh-r*-t*.json"))):
    for b in json.load(open(f)):
        key = (b["benchmark"].split(".")[-1], b["threads"])
        e = jmh.setdefault(key, {"iters": [], "alloc": []})
        for fork in b["primaryMetric"]["rawData"]:
            e["iters"].extend(fork)
        norm = b.get("secondaryMetrics", {}).get("gc.alloc.rate.norm")
        if norm:
            e["alloc"].append(norm["score"])
if jmh:
    lines += ["## Per-unit cost (JMH, ns/op)", "",
              "| benchmark | threads | median | min | iterations | B/op | median / AtomicLong pair |",
              "|---|---|---|---|---|---|---|"]
    for (name, t), e in sorted(jmh.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        med = statistics.median(e["iters"])
        floor = jmh.get(("atomicLongPair", t))
        ratio = med / statistics.median(floor["iters"]) if floor else float("nan")
        alloc = statistics.median(e["alloc"]) if e["alloc"] else float("nan")
        lines.append(f"| {name} | {t} | {med:.1f} | {min(e['iters']):.1f} | {len(e['iters'])} "
                     f"| {alloc:.1f} | {ratio:.2f} |")
    lines.append("")

# 2. wrk: ratio of the medians, drain4j on / off.
wrk_file = os.path.join(out, "wrk.txt")
if os.path.exists(wrk_file):
    runs = {}
    for line in open(wrk_file):
        # label on|off req/s load1 load5 load15 [server CPU us/request]
        m = re.match(r"(\S+) (on|off) (\S+) (\S+ \S+ \S+)(?: (\S+))?$", line.strip())
        if m:
            cpu = float(m.group(5)) if m.group(5) else None
            runs.setdefault(m.group(1), {"on": [], "off": []})[m.group(2)].append(
                (float(m.group(3)), m.group(4), cpu))
    lines += ["## Throughput (wrk, /work?ms=0, req/s)", "",
              "Ratio = median req/s on / off. CPU = the server's CPU time per request (median, µs);",
              "CPU ratio = median off / median on, so that 1.0 means no cost in both columns.", "",
              "| demo | drain4j on (runs) | off (runs) | median on | median off | ratio "
              "| CPU on / off | CPU ratio |",
              "|---|---|---|---|---|---|---|---|"]
    for demo, r in runs.items():
        if not r["on"] or not r["off"]:
            continue
        on = [v for v, _, _ in r["on"]]
        off = [v for v, _, _ in r["off"]]
        cpu_on = [c for _, _, c in r["on"] if c is not None]
        cpu_off = [c for _, _, c in r["off"] if c is not None]
        cpu = "n/a | n/a"
        if cpu_on and cpu_off:
            mon, moff = statistics.median(cpu_on), statistics.median(cpu_off)
            cpu = f"{mon:.2f} / {moff:.2f} | {moff / mon:.3f}"
        lines.append(f"| {demo} | {', '.join(f'{v:.0f}' for v in on)} | "
                     f"{', '.join(f'{v:.0f}' for v in off)} | {statistics.median(on):.0f} | "
                     f"{statistics.median(off):.0f} | "
                     f"{statistics.median(on) / statistics.median(off):.3f} | {cpu} |")
    for line in open(wrk_file):
        if "skipped" in line:
            lines.append(f"- {line.strip()}")
    lines.append("")

# 3. Drain latency.
series = [
    ("drain4j-await", "drain4j: last unit exits -> /drain/await answers"),
    ("drain4j-drained-future", "drain4j: last unit exits -> whenDrained() completes"),
    ("drain4j-hook-return", "drain4j: last unit exits -> JVM shutdown hook returns"),
    ("drain4j-jvm-exit", "drain4j: last unit exits -> JVM process exited"),
    ("drain4j-hook-return-warm", "drain4j, drain code warmed: last unit exits -> JVM shutdown hook returns"),
    ("drain4j-jvm-exit-warm", "drain4j, drain code warmed: last unit exits -> JVM process exited"),
    ("spring-graceful-tomcat", "Spring Boot graceful, Tomcat: last request ends -> shutdown done"),
    ("spring-graceful-jetty", "Spring Boot graceful, Jetty: last request ends -> shutdown done"),
    ("netstat-loop", "netstat preStop loop: listener closes -> loop ends"),
    ("control-handoff-socket", "control (no drain4j): thread hand-off + loopback socket write -> reader wakes"),
]
data = {}
for name, _ in series:
    f = os.path.join(out, name + ".txt")
    if os.path.exists(f):
        data[name] = [float(x) for x in open(f) if x.strip()]
if data:
    lines += ["## Drain latency (ms)", "", "| measure | n | p50 | p99 | max |", "|---|---|---|---|---|"]
    for name, label in series:
        if name in data:
            v = data[name]
            lines.append(f"| {label} | {len(v)} | {pct(v, 50):.2f} | {pct(v, 99):.2f} | {max(v):.2f} |")
    lines.append("")

mem_file = os.path.join(out, "memory.txt")
if os.path.exists(mem_file):
    per = {}
    for l in open(mem_file):
        m = re.search(r"threads=(\d+) .*perUnit=([\d.]+) B", l)
        if m:
            per.setdefault(int(m.group(1)), []).append(float(m.group(2)))
    lines += ["## Heap retained per in-flight unit (100,000 in flight)", "",
              "| admitting threads | B/unit, each JVM | median |", "|---|---|---|"]
    for t, v in sorted(per.items()):
        lines.append(f"| {t} | {', '.join(f'{x:.1f}' for x in v)} | {statistics.median(v):.1f} |")
    lines.append("")

open(os.path.join(out, "summary.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))

# The chart: empirical CDFs of the drain latencies on a log time axis.
if data:
    colors = {"drain4j-await": "#1b7837", "drain4j-drained-future": "#5aae61",
              "drain4j-hook-return": "#2166ac", "drain4j-jvm-exit": "#67a9cf",
              "drain4j-hook-return-warm": "#053061", "drain4j-jvm-exit-warm": "#4393c3",
              "spring-graceful-tomcat": "#d6604d", "spring-graceful-jetty": "#b2182b",
              "netstat-loop": "#762a83", "control-handoff-socket": "#999999"}
    W, H, left, right, top, bottom = 980, 600, 70, 20, 50, 250
    pw, ph = W - left - right, H - top - bottom
    lo, hi = 0.01, 5000.0

    def x(ms):
        ms = min(max(ms, lo), hi)
        return left + pw * (math.log10(ms) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))

    def y(f):
        return top + ph * (1 - f)

    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W/2}" y="22" text-anchor="middle" font-size="15">Drain latency: time from '
           f'the last unit of work finishing to the drain being reported done (CDF)</text>']
    for d in range(int(math.log10(lo)), int(math.log10(hi)) + 1):
        for m in (1, 2, 5):
            v = m * 10 ** d
            if lo <= v <= hi:
                svg.append(f'<line x1="{x(v):.1f}" y1="{top}" x2="{x(v):.1f}" y2="{top+ph}" '
                           f'stroke="{"#ccc" if m == 1 else "#eee"}"/>')
                if m == 1 or v in (5,):
                    label = f"{v:g} ms" if v < 1000 else f"{v/1000:g} s"
                    svg.append(f'<text x="{x(v):.1f}" y="{top+ph+16}" text-anchor="middle">{label}</text>')
    for f in (0, 0.25, 0.5, 0.75, 1):
        svg.append(f'<line x1="{left}" y1="{y(f):.1f}" x2="{left+pw}" y2="{y(f):.1f}" stroke="#eee"/>')
        svg.append(f'<text x="{left-6}" y="{y(f)+4:.1f}" text-anchor="end">{f:g}</text>')
    svg.append(f'<line x1="{x(5):.1f}" y1="{top}" x2="{x(5):.1f}" y2="{top+ph}" stroke="#000" '
               f'stroke-dasharray="4,3"/><text x="{x(5)+4:.1f}" y="{top+ph-8}">target: p99 5 ms</text>')
    svg.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>')
    svg.append(f'<text x="{left+pw/2}" y="{top+ph+34}" text-anchor="middle">latency (log scale)</text>')
    svg.append(f'<text transform="translate(18,{top+ph/2}) rotate(-90)" text-anchor="middle">'
               f'fraction of drains</text>')
    ly = top + ph + 56
    for name, label in series:
        if name not in data:
            continue
        v = sorted(data[name])
        n = len(v)
        pts = [f"{x(v[0]):.1f},{y(0):.1f}"]
        for i, ms in enumerate(v):
            pts.append(f"{x(ms):.1f},{y(i / n):.1f}")
            pts.append(f"{x(ms):.1f},{y((i + 1) / n):.1f}")
        svg.append(f'<polyline fill="none" stroke="{colors[name]}" stroke-width="2" '
                   f'points="{" ".join(pts)}"/>')
        svg.append(f'<line x1="{left}" y1="{ly-4}" x2="{left+24}" y2="{ly-4}" stroke="{colors[name]}" '
                   f'stroke-width="3"/>')
        svg.append(f'<text x="{left+30}" y="{ly}">{label}: n={n}, p50 {pct(v,50):.2f} ms, '
                   f'p99 {pct(v,99):.2f} ms, max {max(v):.2f} ms</text>')
        ly += 18
    svg.append("</svg>")
    open(os.path.join(out, "drain-latency.svg"), "w").write("\n".join(svg) + "\n")
