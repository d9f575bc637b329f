#!/usr/bin/env bash
# Focused A/B at 2 threads, alternated: the serving path's admission, base vs new.
set -u
BASE=${BASE:-/tmp/quiet-bench-base.jar}
NEW=${NEW:-/tmp/quiet-bench-new.jar}
for round in 1 2 3 4 5; do
  for jar in base new; do
    j=$BASE; [ $jar = new ] && j=$NEW
    echo "== t2 round $round jar $jar load $(cut -d' ' -f1-3 /proc/loadavg) $(date -u +%H:%M:%S)"
    java -jar "$j" '^io.drain4j.benchmarks.UnitBenchmark.(inboundAdmitExit|atomicLongPair)$' -t 2 \
      -wi 2 -w 1 -i 5 -r 1 -f 1 -rf json -rff "t2-r$round-$jar.json" 2>&1 | grep -E '^UnitBenchmark'
  done
done
