#!/usr/bin/env bash
# A/B of the unit cost before (base: e222be4) and after the quiet period (this branch), alternated,
# then the admission cost while DRAINING with and without a quiet period (new jar only).
set -u
BASE=${BASE:-/tmp/quiet-bench-base.jar}
NEW=${NEW:-/tmp/quiet-bench-new.jar}
OUT=${OUT:-.}
for round in 1 2 3; do
  for t in 1 2; do
    for jar in base new; do
      j=$BASE; [ $jar = new ] && j=$NEW
      echo "== round $round threads $t jar $jar load $(cut -d' ' -f1-3 /proc/loadavg) $(date -u +%H:%M:%S)"
      java -jar "$j" 'UnitBenchmark.(enterExit|inboundAdmitExit|atomicLongPair)' -t $t -prof gc \
        -wi 3 -w 1 -i 5 -r 1 -f 1 -rf json -rff "$OUT/unit-r$round-t$t-$jar.json" 2>&1 \
        | grep -E '^(Benchmark|UnitBenchmark)' | grep -v -E 'gc\.(count|time|alloc\.rate )'
    done
  done
done
for t in 1 2; do
  echo "== draining threads $t load $(cut -d' ' -f1-3 /proc/loadavg) $(date -u +%H:%M:%S)"
  java -jar "$NEW" DrainingUnitBenchmark -t $t -prof gc -wi 3 -w 1 -i 5 -r 1 -f 1 \
    -rf json -rff "$OUT/draining-t$t.json" 2>&1 \
    | grep -E '^(Benchmark|DrainingUnitBenchmark)' | grep -v -E 'gc\.(count|time|alloc\.rate )'
done
