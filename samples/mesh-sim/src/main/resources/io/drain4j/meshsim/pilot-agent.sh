#!/bin/bash
# mesh-sim's stand-in for Istio's pilot-agent, the sidecar container's main process.
#
# Starts the ingress and egress proxies (HAProxy, run under the name "envoy" so that the seed's
# `grep -v envoy` excludes them, as it excludes Envoy in a real pod) and the stand-in for
# pilot-agent's own listener on 15020 (run under the name "pilot-agent").
#
# What it does is what pkg/envoy/agent.go does (Istio 1.21 and later):
# - SIGTERM (terminate()): drains the inbound listener only (HAProxy soft-stop, SIGUSR1, whose
#   "grace" keeps accepting for the drain duration), leaves the egress working, waits
#   terminationDrainDuration, then SIGKILLs the proxies whatever they still carry.
# - SIGUSR2 stands for pilot-agent's own drain, POST /drain on its status port (DrainNow(), sent
#   by `pilot-agent request --debug-port=15020 POST drain`, see pilot-agent-request.sh): the
#   inbound listener drains until the agent's SIGTERM ("drains forever"), and that SIGTERM then
#   ends the proxies at once ("Agent already drained, exiting immediately").
#
# usage: pilot-agent.sh <pod-dir> <drain-seconds>
set -u
dir=$1
drain=$2
drained=false

( exec -a envoy "$dir/bin/envoy" -f "$dir/ingress.cfg" ) >>"$dir/ingress.log" 2>&1 &
ingress=$!
( exec -a envoy "$dir/bin/envoy" -f "$dir/egress.cfg" ) >>"$dir/egress.log" 2>&1 &
egress=$!
( exec -a pilot-agent "$dir/bin/pilot-agent" -f "$dir/agent.cfg" ) >>"$dir/agent-listener.log" 2>&1 &
listener=$!
echo $$ >"$dir/agent.pid"
echo "started ingress=$ingress egress=$egress listener=$listener"

drain_now() {
  if ! $drained; then
    drained=true
    echo "drain requested: ingress soft-stop until SIGTERM"
    kill -USR1 "$ingress" 2>/dev/null
  fi
  # The answer to POST /drain: the real agent answers once DrainNow() has returned.
  : >"$dir/agent.drained"
}

terminate() {
  trap '' TERM USR2
  if $drained; then
    echo "sigterm after drain: SIGKILL envoy at once"
    kill -KILL "$ingress" "$egress" "$listener" 2>/dev/null
    exit 0
  fi
  echo "sigterm: ingress soft-stop, drain ${drain}s"
  kill -USR1 "$ingress" 2>/dev/null
  sleep "$drain" &
  wait $!
  echo "drain over: SIGKILL envoy"
  kill -KILL "$ingress" "$egress" "$listener" 2>/dev/null
  exit 0
}
trap terminate TERM
trap drain_now USR2

# A proxy that dies on its own takes the sidecar down with it, as Envoy's exit ends pilot-agent.
# A trapped signal also ends `wait -n` (status > 128): the proxies still run then, so wait again.
while true; do
  wait -n
  rc=$?
  if [ "$rc" -gt 128 ] && kill -0 "$ingress" "$egress" "$listener" 2>/dev/null; then
    continue
  fi
  break
done
echo "a proxy exited on its own (status $rc): stopping the sidecar"
kill -KILL "$ingress" "$egress" "$listener" 2>/dev/null
exit 1
