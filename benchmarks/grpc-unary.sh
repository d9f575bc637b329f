#!/usr/bin/env bash
# gRPC unary-call throughput with and without drain4j's interceptor (docs/benchmarks.md, "gRPC").
#
#   benchmarks/grpc-unary.sh [ROUNDS] [OUT_DIR]      (defaults: 8, benchmarks/target/results/grpc)
#
# Needs samples/grpc-demo/target/grpc-demo.jar (mvn package in samples/grpc-demo). Per round, in
# ABBA order: a fresh demo JVM with drain4j on (interceptor, health, coordinator, status endpoint)
# and one with DRAIN4J_ENABLED=false (the same server without any of it), -Xms256m -Xmx256m, the
# server on CPU 0 and the load on CPU 1 (taskset); the load (UnaryLoad, in the demo jar) keeps 32
# Work(ms=0) calls outstanding on one plaintext HTTP/2 channel, 5 s warm-up then 8 s measured.
# The server's CPU time (user + system, /proc/PID/stat) over the measured window is recorded too.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
rounds=${1:-8}
out=${2:-$here/target/results/grpc}
jar="${GRPC_DEMO_JAR:-$root/samples/grpc-demo/target/grpc-demo.jar}"
[ -f "$jar" ] || { echo "missing $jar: mvn package in samples/grpc-demo" >&2; exit 1; }
mkdir -p "$out"
results="$out/grpc-unary.tsv"
echo -e "round\tvariant\tcalls_per_s\tfailed\tserver_cpu_us_per_call\tload1" > "$results"
ticks=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run() { # variant enabled round
  local variant=$1 enabled=$2 round=$3 log port pid before after line rate failed
  log=$(mktemp)
  PORT=0 DRAIN4J_STATUS_PORT=0 DRAIN4J_ENABLED=$enabled DRAIN4J_SHUTDOWN_HOOK=false \
    taskset -c 0 java -Xms256m -Xmx256m -jar "$jar" > "$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    port=$(grep -o 'listening on port [0-9]*' "$log" | grep -o '[0-9]*$' || true)
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { echo "demo did not start: $(cat "$log")" >&2; kill "$pid"; exit 1; }
  # Warm-up (5 s) inside the load's own run; CPU sampled around the measured 8 s.
  taskset -c 1 java -cp "$jar" io.drain4j.samples.grpc.UnaryLoad "127.0.0.1:$port" 32 5 8 \
    > "$log.load" 2>&1 &
  local load=$!
  sleep 5; before=$(cpu_ticks "$pid")
  wait "$load"; after=$(cpu_ticks "$pid")
  line=$(grep 'calls/s' "$log.load")
  rate=$(echo "$line" | awk '{print $2}'); failed=$(echo "$line" | awk '{print $4}')
  kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
  local us
  us=$(awk -v t="$((after - before))" -v hz="$ticks" -v r="$rate" 'BEGIN{printf "%.2f", t/hz*1e6/(r*8)}')
  echo -e "$round\t$variant\t$rate\t$failed\t$us\t$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$results"
  rm -f "$log" "$log.load"
}

for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then run on true "$r"; run off false "$r"
  else run off false "$r"; run on true "$r"; fi
done

python3 - "$results" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter='\t'))
def med(v, k): return statistics.median(float(r[k]) for r in rows if r['variant'] == v)
on, off = med('on', 'calls_per_s'), med('off', 'calls_per_s')
con, coff = med('on', 'server_cpu_us_per_call'), med('off', 'server_cpu_us_per_call')
print(f"median calls/s on {on:.0f} off {off:.0f} ratio {on/off:.3f}; "
      f"server CPU us/call on {con:.2f} off {coff:.2f} ratio (off/on) {coff/con:.3f}")
PY
