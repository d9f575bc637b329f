#!/usr/bin/env bash
# A/B/C: netty-demo jar OLD_JAR (drain4j on), NEW_JAR (on), and NEW_JAR with DRAIN4J_ENABLED=false,
# a fresh JVM of each per round, pinned to CPU 0, wrk pinned to CPU 1, order rotated each round.
set -u
out=/tmp/ab; rounds=${1:-6}; secs=${2:-6}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 1 300); do curl -s -o /dev/null "http://127.0.0.1:$1/work?ms=0" && return 0; sleep 0.1; done; return 1; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
start() { PORT=$3 DRAIN4J_ENABLED=$2 DRAIN4J_STATUS_PORT=0 DRAIN4J_PROPAGATION_DELAY=100ms DRAIN4J_DEADLINE=3s \
  taskset -c 0 java -Xms256m -Xmx256m -jar "$1" > /dev/null 2>&1 & echo $!; }
old=${OLD_JAR:-/tmp/netty-demo-old.jar}; new=${NEW_JAR:-/tmp/netty-demo-new2.jar}
variants=("old $old true" "new $new true" "off $new false")
for r in $(seq 1 "$rounds"); do
  for k in 0 1 2; do
    i=$(( (k + r) % 3 )); set -- ${variants[$i]}
    p=$(free_port); pid=$(start "$2" "$3" "$p"); wait_port "$p" || { echo "start failed"; kill $pid; continue; }
    taskset -c 1 wrk -t1 -c32 -d${secs}s "http://127.0.0.1:$p/work?ms=0" > /dev/null
    l=$(cut -d' ' -f1 /proc/loadavg); t0=$(cpu_ticks $pid)
    res=$(taskset -c 1 wrk -t1 -c32 -d${secs}s --timeout 5s "http://127.0.0.1:$p/work?ms=0")
    t1=$(cpu_ticks $pid); rps=$(awk '/Requests\/sec/ {print $2}' <<< "$res"); n=$(awk '/requests in/ {print $1}' <<< "$res")
    us=$(awk -v d=$((t1 - t0)) -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", d * 1e6 / hz / n }')
    echo "$r $1 $rps $us $l" | tee -a $out/ab.txt
    kill -TERM $pid; wait $pid 2>/dev/null
  done
done
