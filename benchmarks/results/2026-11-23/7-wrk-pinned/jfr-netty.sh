#!/usr/bin/env bash
# JFR execution samples of netty-demo under wrk, server on CPU 0 and wrk on CPU 1.
#   jfr-netty.sh NAME true|false   (run from the repository root; writes NAME.jfr, NAME.json)
set -euo pipefail
name=$1; enabled=$2; port=$((18000 + RANDOM % 1000))
DRAIN4J_ENABLED=$enabled PORT=$port DRAIN4J_STATUS_PORT=0 UPSTREAM_URL=http://127.0.0.1:9/ \
  taskset -c 0 java -Xms256m -Xmx256m -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints \
  -jar samples/netty-demo/target/netty-demo.jar > "$name.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "localhost:$port/work?ms=0" && break; sleep 0.2; done
taskset -c 1 wrk -t1 -c32 -d10s "http://127.0.0.1:$port/work?ms=0" | grep Requests
jcmd $pid JFR.start name=m settings=profile jdk.ExecutionSample#period=1ms > /dev/null
taskset -c 1 wrk -t1 -c32 -d15s "http://127.0.0.1:$port/work?ms=0" | grep Requests
jcmd $pid JFR.dump name=m filename="$PWD/$name.jfr" > /dev/null
kill $pid; wait $pid 2>/dev/null || true
jfr print --json --events jdk.ExecutionSample "$name.jfr" > "$name.json"
