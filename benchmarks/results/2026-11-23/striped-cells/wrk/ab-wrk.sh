#!/bin/bash
# A/B: old (one shared word) vs new (striped) servlet-demo, drain4j on; plus new with drain4j off.
start() { PORT=$2 UPSTREAM_URL=http://127.0.0.1:9 DRAIN4J_STATUS_PORT=0 DRAIN4J_ENABLED=$3 java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Xms256m -Xmx256m -jar $1 > /dev/null 2>&1 & echo $!; }
for round in 1 2 3; do
  p1=$(start /tmp/old/samples/servlet-demo/target/servlet-demo.jar 18101 true)
  p2=$(start /work/main/samples/servlet-demo/target/servlet-demo.jar 18102 true)
  p3=$(start /work/main/samples/servlet-demo/target/servlet-demo.jar 18103 false)
  for port in 18101 18102 18103; do for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:$port/work?ms=0 && break; sleep 0.1; done; done
  for port in 18101 18102 18103; do wrk -t1 -c32 -d6s http://127.0.0.1:$port/work?ms=0 > /dev/null; done
  for port in 18101 18102 18103 18103 18102 18101; do
    r=$(wrk -t1 -c32 -d6s --timeout 5s http://127.0.0.1:$port/work?ms=0 | awk '/Requests\/sec/ {print $2}')
    echo "round $round port $port $r load $(cut -d' ' -f1 /proc/loadavg)"
  done
  kill $p1 $p2 $p3; wait $p1 $p2 $p3 2>/dev/null
done
