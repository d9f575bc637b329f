#!/bin/bash
# mesh-sim's stand-in for Istio's pilot-agent, the sidecar container's main process.
#
# Starts the ingress and egress proxies (HAProxy, run under the name "envoy" so that the seed's
# `grep -v envoy` excludes them, as it excludes Envoy in a real pod) and the stand-in for
# pilot-agent's own listener on 15020 (run under the name "pilot-agent").
#
# On SIGTERM it does what pilot-agent does: drains the inbound listener only (HAProxy soft-stop,
# SIGUSR1, whose "grace" keeps accepting for the drain duration), leaves the egress working,
# waits terminationDrainDuration, then SIGKILLs the proxies whatever they still carry.
#
# usage: pilot-agent.sh <pod-dir> <drain-seconds>
set -u
dir=$1
drain=$2

( exec -a envoy "$dir/bin/envoy" -f "$dir/ingress.cfg" ) >>"$dir/ingress.log" 2>&1 &
ingress=$!
( exec -a envoy "$dir/bin/envoy" -f "$dir/egress.cfg" ) >>"$dir/egress.log" 2>&1 &
egress=$!
( exec -a pilot-agent "$dir/bin/pilot-agent" -f "$dir/agent.cfg" ) >>"$dir/agent-listener.log" 2>&1 &
listener=$!
echo "started ingress=$ingress egress=$egress listener=$listener"

terminate() {
  trap '' TERM
  echo "sigterm: ingress soft-stop, drain ${drain}s"
  kill -USR1 "$ingress" 2>/dev/null
  sleep "$drain" &
  wait $!
  echo "drain over: SIGKILL envoy"
  kill -KILL "$ingress" "$egress" "$listener" 2>/dev/null
  exit 0
}
trap terminate TERM

# A proxy that dies on its own takes the sidecar down with it, as Envoy's exit ends pilot-agent.
wait -n
rc=$?
echo "a proxy exited on its own (status $rc): stopping the sidecar"
kill -KILL "$ingress" "$egress" "$listener" 2>/dev/null
exit 1
