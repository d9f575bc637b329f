#!/usr/bin/env bash
# drain4j's main demo, from a fresh clone: builds drain4j and its demo applications, makes sure
# HAProxy and the other tools are installed, then terminates a pod with real HAProxy sidecars
# around each demo, in each mesh mode (Istio classic sidecar, native sidecar, ambient), first as
# users run it today (requests and calls lost), then with drain4j.
#
#   bash demo.sh            the story: today vs drain4j per mesh mode for spring-demo and
#                           servlet-demo, about 2-3 minutes of simulation after the build
#   bash demo.sh --all      the full matrix: every scenario for every demo, about 9 minutes
#   bash demo.sh --quick    CI's subset, every duration halved, about 1.5 minutes
#   bash demo.sh --help     the simulator's options (--demo, --scenario, --report, ...)
#
# Best run as root (a container or VM): each pod then gets a network namespace of its own.
# Without root it falls back to ports on 127.0.0.1 and says so.
set -euo pipefail
cd "$(dirname "$0")"

fail() {
  echo "demo.sh: $*" >&2
  exit 2
}

root=false
[ "$(id -u)" -eq 0 ] && root=true
apt_install() {
  if $root && command -v apt-get >/dev/null 2>&1; then
    echo "demo.sh: installing $* with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
  else
    fail "missing $*; install with: sudo apt-get update && sudo apt-get install -y $*"
  fi
}

# The build needs a JDK 17+ and Maven 3.8.7+.
command -v java >/dev/null 2>&1 && command -v javac >/dev/null 2>&1 \
  || apt_install openjdk-17-jdk-headless
command -v mvn >/dev/null 2>&1 || apt_install maven
java_major=$(java -XshowSettings:properties -version 2>&1 \
  | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1)
[ "${java_major:-0}" -ge 17 ] || fail "Java 17 or later is needed (found ${java_major:-none})"

bash samples/mesh-sim/install-tools.sh

jar=samples/mesh-sim/target/mesh-sim.jar
if [ "${1:-}" != "--help" ] && [ "${1:-}" != "-h" ] || [ ! -f "$jar" ]; then
  echo "demo.sh: building drain4j and the demos (mvn -B -q install -DskipTests)..."
  mvn -B -q install -DskipTests
  # Modules not (yet) in the reactor are built on their own, against what was just installed.
  for module in samples/*-demo samples/mesh-sim; do
    name=$(basename "$module")
    if [ -f "$module/pom.xml" ] && ! grep -q "<module>$name</module>" samples/pom.xml; then
      echo "demo.sh: building $module on its own"
      mvn -B -q -f "$module/pom.xml" package -DskipTests
    fi
  done
fi

exec java -jar "$jar" "$@"
