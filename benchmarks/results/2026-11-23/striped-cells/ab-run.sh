#!/bin/bash
cd /tmp/jmh
for round in 1 2; do
  for t in 1 2 4; do
    for v in old new; do
      if [ $v = old ]; then jar=/tmp/old/benchmarks/target/benchmarks.jar; else jar=/work/main/benchmarks/target/benchmarks.jar; fi
      echo "== round $round t=$t $v load $(cut -d' ' -f1 /proc/loadavg)"
      java -jar $jar UnitBenchmark -t $t -prof gc -wi 3 -w 1 -i 5 -r 1 -f 1 -rf json -rff /tmp/jmh/r$round-t$t-$v.json 2>&1 | grep -E "^UnitBenchmark\.[a-zA-Z]+ |gc.alloc.rate.norm " | grep -v "±.*gc.alloc.rate " 
    done
  done
done
