#!/usr/bin/env bash
# Runs every drain4j benchmark and writes the raw results (see docs/benchmarks.md).
#
#   benchmarks/run.sh [--quick] [--out DIR] [--only jmh|wrk|latency|memory]
#
# Needs: benchmarks/target/benchmarks.jar (mvn -f benchmarks/pom.xml package),
#        samples/servlet-demo/target/servlet-demo.jar and samples/netty-demo/target/netty-demo.jar
#        (mvn package in each; a missing demo jar is skipped and reported),
#        wrk and net-tools (netstat); root for the network namespace of the netstat loop
#        (without root that part is skipped).
# Environment: SERVLET_DEMO_JAR, NETTY_DEMO_JAR override the demo jar paths.
#
# Every benchmark binds loopback only, every run is bounded in time and connections, and every
# figure is written with the load average at the time it was taken, because the figures are only
# comparable side by side (alternated variants, ratios of medians), not across machines.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
quick=false
only=all
out="$here/target/results"
usage() { echo "usage: $0 [--quick] [--out DIR] [--only jmh|wrk|latency|memory]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=true ;;
    --out) [ $# -ge 2 ] || usage; out="$2"; shift ;;
    --only) [ $# -ge 2 ] || usage; only="$2"; shift
      case "$only" in jmh|wrk|latency|memory) ;; *) usage ;; esac ;;
    *) usage ;;
  esac
  shift
done
want() { [ "$only" = all ] || [ "$only" = "$1" ]; }

jar="$here/target/benchmarks.jar"
servlet_jar="${SERVLET_DEMO_JAR:-$root/samples/servlet-demo/target/servlet-demo.jar}"
netty_jar="${NETTY_DEMO_JAR:-$root/samples/netty-demo/target/netty-demo.jar}"
[ -f "$jar" ] || { echo "missing $jar: run mvn -f benchmarks/pom.xml package" >&2; exit 1; }
mkdir -p "$out"
java_cmd=(java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)

if $quick; then
  jmh_rounds=1; jmh_args=(-wi 2 -w 1 -i 3 -r 1 -f 1)
  wrk_rounds=2; wrk_secs=5; wrk_warm=5
  drains=200; drain_warmup=50; hook_runs=20; spring_rounds=30; netstat_rounds=10; mem_rounds=1
else
  jmh_rounds=3; jmh_args=(-wi 3 -w 1 -i 5 -r 1 -f 1)
  wrk_rounds=8; wrk_secs=8; wrk_warm=8
  drains=1000; drain_warmup=100; hook_runs=150; spring_rounds=200; netstat_rounds=100; mem_rounds=5
fi

load() { cut -d' ' -f1-3 /proc/loadavg; }
log() { echo "[$(date +%H:%M:%S) load $(load)] $*" | tee -a "$out/run.log"; }

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "memory: $(grep MemTotal /proc/meminfo | awk '{print $2/1024/1024 " GiB"}')"
  echo "kernel: $(uname -r)"
  echo "java: $(java -version 2>&1 | tr '\n' ' ')"
  echo "wrk: $(wrk -v 2>&1 | head -1 || true)"
  echo "mode: $($quick && echo quick || echo full)"
  echo "load at start: $(load)"
} > "$out/machine.txt"
cat "$out/machine.txt"

# 1. Per-unit cost: JMH, enter+exit next to the AtomicLong/LongAdder floors in the same run,
#    at 1, 2 and 4 threads with -prof gc; the thread counts are interleaved over rounds.
want jmh && for r in $(seq 1 "$jmh_rounds"); do
  for t in 1 2 4; do
    log "jmh round $r threads $t"
    echo "round=$r threads=$t load=$(load)" >> "$out/jmh-load.txt"
    java -jar "$jar" UnitBenchmark -t "$t" -prof gc "${jmh_args[@]}" \
      -rf json -rff "$out/jmh-r$r-t$t.json" > "$out/jmh-r$r-t$t.txt" 2>&1
  done
done

# 2. Throughput: each demo with drain4j on and with DRAIN4J_ENABLED=false, /work?ms=0 over 32
#    keep-alive connections, loopback only. Every round starts a fresh JVM of each variant (so that
#    one JVM's lucky or unlucky JIT does not decide the ratio), warms both, then measures them
#    alternately, in ABBA order over the rounds. With two CPUs or more the servers run on CPU 0 and
#    wrk on CPU 1 (taskset), so that the scheduler's placement of server threads next to wrk does
#    not split the rounds into a fast and a slow mode; each run also records the server's CPU time
#    per request (user + system, from /proc), which other processes' load disturbs far less than
#    the request rate.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
server_cpu=(); client_cpu=()
if [ "$(nproc)" -ge 2 ] && command -v taskset > /dev/null; then
  server_cpu=(taskset -c 0); client_cpu=(taskset -c 1)
fi
echo "wrk pinning: server ${server_cpu[*]:-none}, client ${client_cpu[*]:-none}" >> "$out/machine.txt"
start_demo() { # name jar enabled port -> pid
  PORT="$4" DRAIN4J_ENABLED="$3" DRAIN4J_STATUS_PORT=0 DRAIN4J_PROPAGATION_DELAY=100ms \
    DRAIN4J_DEADLINE=3s "${server_cpu[@]}" java -Xms256m -Xmx256m -jar "$2" >> "$out/$1-$3.log" 2>&1 &
  echo $!
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
wait_port() { for _ in $(seq 1 300); do
    curl -s -o /dev/null "http://127.0.0.1:$1/work?ms=0" && return 0; sleep 0.1; done; return 1; }
stop_pid() { kill -TERM "$1" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true; }
run_wrk() { # label port secs pid
  local l; l=$(load)
  local t0; t0=$(cpu_ticks "$4")
  local res; res=$("${client_cpu[@]}" wrk -t1 -c32 -d"$3"s --timeout 5s "http://127.0.0.1:$2/work?ms=0" \
    | tee -a "$out/wrk-raw.txt")
  local t1; t1=$(cpu_ticks "$4")
  local rps; rps=$(awk '/Requests\/sec/ {print $2}' <<< "$res")
  local n; n=$(awk '/requests in/ {print $1}' <<< "$res")
  local us; us=$(awk -v d=$((t1 - t0)) -v n="$n" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%.2f", d * 1e6 / hz / n }')
  echo "$1 $rps $l $us" >> "$out/wrk.txt"
  log "wrk $1: $rps req/s, server CPU $us us/request"
}
want wrk && for demo in servlet-demo netty-demo; do
  demo_jar=$servlet_jar; [ "$demo" = netty-demo ] && demo_jar=$netty_jar
  if [ ! -f "$demo_jar" ]; then
    log "SKIP $demo: $demo_jar not built"; echo "$demo skipped: jar missing" >> "$out/wrk.txt"; continue
  fi
  for r in $(seq 1 "$wrk_rounds"); do
    p_on=$(free_port); p_off=$(free_port)
    pid_on=$(start_demo "$demo" "$demo_jar" true "$p_on")
    pid_off=$(start_demo "$demo" "$demo_jar" false "$p_off")
    trap 'stop_pid $pid_on; stop_pid $pid_off' EXIT
    wait_port "$p_on" && wait_port "$p_off" || { log "$demo did not start"; exit 1; }
    # Warm-up, not recorded.
    "${client_cpu[@]}" wrk -t1 -c32 -d"$wrk_warm"s "http://127.0.0.1:$p_on/work?ms=0" > /dev/null
    "${client_cpu[@]}" wrk -t1 -c32 -d"$wrk_warm"s "http://127.0.0.1:$p_off/work?ms=0" > /dev/null
    if [ $((r % 2)) -eq 1 ]; then
      run_wrk "$demo on" "$p_on" "$wrk_secs" "$pid_on"; run_wrk "$demo off" "$p_off" "$wrk_secs" "$pid_off"
    else
      run_wrk "$demo off" "$p_off" "$wrk_secs" "$pid_off"; run_wrk "$demo on" "$p_on" "$wrk_secs" "$pid_on"
    fi
    stop_pid "$pid_on"; stop_pid "$pid_off"; trap - EXIT
  done
done

# 3. Drain latency: drain4j's /drain/await long poll, in-process (>= 1,000 drains) ...
if want latency; then
log "drain4j /drain/await latency: $drains drains"
"${java_cmd[@]}" -cp "$jar" io.drain4j.benchmarks.DrainAwaitLatency "$out" "$drains" "$drain_warmup" \
  | tee -a "$out/latency.txt"
# ... the JVM shutdown hook, in a loop of child JVMs ...
log "drain4j shutdown hook latency: $hook_runs child JVMs"
"${java_cmd[@]}" -cp "$jar" io.drain4j.benchmarks.ShutdownHookLatency "$out" "$hook_runs" \
  | tee -a "$out/latency.txt"
log "drain4j shutdown hook latency, drain code warmed first: $hook_runs child JVMs"
"${java_cmd[@]}" -cp "$jar" io.drain4j.benchmarks.ShutdownHookLatency "$out" "$hook_runs" warm \
  | tee -a "$out/latency.txt"
# ... Spring Boot's server.shutdown=graceful on Tomcat and on Jetty ...
for server in tomcat jetty; do
  log "spring boot graceful shutdown on $server: $spring_rounds rounds"
  "${java_cmd[@]}" -cp "$jar" io.drain4j.benchmarks.SpringGracefulLatency "$server" "$out" \
    "$spring_rounds" 10 | tee -a "$out/latency.txt"
done
# ... and the seed's netstat loop, alone in a network namespace of its own.
if [ "$(id -u)" -eq 0 ] && command -v ip > /dev/null && command -v netstat > /dev/null; then
  ns="perfns-$$"
  ip netns add "$ns"
  trap 'ip netns delete "$ns" 2>/dev/null || true' EXIT
  ip netns exec "$ns" ip link set lo up
  log "netstat loop latency in netns $ns: $netstat_rounds rounds"
  ip netns exec "$ns" "${java_cmd[@]}" -cp "$jar" io.drain4j.benchmarks.NetstatLoopLatency \
    "$out" "$netstat_rounds" | tee -a "$out/latency.txt"
  ip netns delete "$ns"; trap - EXIT
else
  log "SKIP netstat loop: needs root, ip and netstat"
fi
fi

# 4. Memory: heap retained per in-flight unit with 100,000 units in flight.
want memory && log "memory: 100,000 units in flight" && : > "$out/memory.txt"
want memory && for r in $(seq 1 "$mem_rounds"); do
  for threads in 1 200; do
    "${java_cmd[@]}" -XX:+UseSerialGC -Xmx1g -cp "$jar" io.drain4j.benchmarks.UnitMemory 100000 \
      "$threads" | tee -a "$out/memory.txt"
  done
done

log "summarising"
python3 "$here/summarize.py" "$out"
log "done: results in $out"
