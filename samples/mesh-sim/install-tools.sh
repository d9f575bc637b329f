#!/usr/bin/env bash
# Makes sure the programs that the mesh simulator drives are installed:
#   haproxy  (package haproxy, 2.6 or later)  the ingress and egress sidecars
#   netstat  (package net-tools)              the seed's preStop hook (scenario 3)
#   curl     (package curl)                   drain4j's preStop hook (scenario 4)
#   ip       (package iproute2)               one network namespace per pod
#   setsid   (package util-linux)             one process group per container
# As root with apt-get, it installs what is missing; otherwise it prints exactly what to
# install and exits with status 2. Without root the simulator needs no namespaces, so only
# haproxy, curl and setsid are required then.
set -euo pipefail

have() {
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]
}

root=false
[ "$(id -u)" -eq 0 ] && root=true

missing=()
have haproxy || missing+=(haproxy)
have curl || have wget || missing+=(curl)
have setsid || missing+=(util-linux)
if $root; then
  have netstat || missing+=(net-tools)
  have ip || missing+=(iproute2)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if $root && command -v apt-get >/dev/null 2>&1; then
  echo "mesh-sim: installing ${missing[*]} with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  exit 0
fi
echo "mesh-sim needs these packages: ${missing[*]}" >&2
echo "install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
echo "(HAProxy 2.6 or later; on other systems install the same programs with their package manager)" >&2
exit 2
