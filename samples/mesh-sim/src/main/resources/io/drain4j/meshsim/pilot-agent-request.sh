#!/bin/sh
# mesh-sim's stand-in for `pilot-agent request --debug-port=15020 POST drain`, the preStop hook
# that Istio injects into a native sidecar (and that drain4j's fast-exit hook runs at DRAINED),
# and for `pilot-agent wait`, the distroless proxy's drain4j hook.
# The real command POSTs /drain to the agent's status server, which calls the agent's DrainNow();
# the stand-in agent takes that as SIGUSR2. Installed as <pod-dir>/hookbin/pilot-agent.
dir=$(dirname "$0")/..
case "$*" in
  "wait "*)
    # `pilot-agent wait` (pilot/cmd/pilot-agent/app/wait.go): every --periodMillis, GET --url with
    # a --requestTimeoutMillis bound, until it answers 200 (exit 0) or --timeoutSeconds pass.
    url=http://localhost:15021/healthz/ready request=500 period=500 timeout=60
    for arg in "$@"; do
      case "$arg" in
        --url=*) url=${arg#--url=} ;;
        --requestTimeoutMillis=*) request=${arg#--requestTimeoutMillis=} ;;
        --periodMillis=*) period=${arg#--periodMillis=} ;;
        --timeoutSeconds=*) timeout=${arg#--timeoutSeconds=} ;;
      esac
    done
    end=$(($(date +%s) + timeout))
    while [ "$(date +%s)" -lt "$end" ]; do
      sleep "$(awk "BEGIN { print $period / 1000 }")"
      code=$(curl -s -o /dev/null -w '%{http_code}' -m "$(awk "BEGIN { print $request / 1000 }")" "$url")
      if [ "$code" = 200 ]; then
        echo "ready"
        exit 0
      fi
    done
    echo "timeout waiting for $url" >&2
    exit 1
    ;;
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
