#!/bin/sh
# mesh-sim's stand-in for `pilot-agent request --debug-port=15020 POST drain`, the preStop hook
# that Istio injects into a native sidecar (and that drain4j's fast-exit hook runs at DRAINED).
# The real command POSTs /drain to the agent's status server, which calls the agent's DrainNow();
# the stand-in agent takes that as SIGUSR2. Installed as <pod-dir>/hookbin/pilot-agent.
dir=$(dirname "$0")/..
case "$*" in
  *"POST drain")
    kill -USR2 "$(cat "$dir/agent.pid")" || exit 1
    # The real request returns with the agent's answer, sent once its drain has started and its
    # SIGTERM is set to exit at once; wait for the stand-in's answer likewise (at most 5 s).
    i=0
    while [ ! -e "$dir/agent.drained" ] && [ "$i" -lt 500 ]; do
      sleep 0.01
      i=$((i + 1))
    done
    [ -e "$dir/agent.drained" ] && echo OK
    ;;
  *)
    echo "mesh-sim's pilot-agent stand-in: unsupported request: $*" >&2
    exit 1
    ;;
esac
