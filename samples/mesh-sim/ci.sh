#!/usr/bin/env bash
# CI step of the mesh simulator: the quick run (scenarios 1t 4 4q 5q 6q against every HTTP demo
# jar, 4q 5q 6q against grpc-demo, durations halved, about 1.5 minutes + 15 s), after `mvn verify` has built the jars. Installs HAProxy,
# net-tools and curl first when they are missing (root with apt-get). Exits non-zero when a
# drain4j row (classic, native or ambient) loses a request or a call, or when a run fails. Extra
# arguments go to the simulator.
set -euo pipefail
cd "$(dirname "$0")/../.."

jar=samples/mesh-sim/target/mesh-sim.jar
if [ ! -f "$jar" ]; then
  echo "mesh-sim: $jar is missing: run mvn verify (or mvn package) first" >&2
  exit 2
fi
bash samples/mesh-sim/install-tools.sh
exec java -jar "$jar" --quick "$@"
