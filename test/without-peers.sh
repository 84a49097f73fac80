#!/usr/bin/env bash
# Runs a command as a fresh machine with only Node, npm, g++ and python3 sees it: the Debian
# cross-check Python modules (h5py, numpy, zmq, serial, sklearn, scipy) and peer binaries (socat,
# chromium, verilator, iverilog, yosys) are hidden in a private mount namespace, nothing is
# uninstalled. Needs root or unprivileged user namespaces (`unshare`).
#   test/without-peers.sh npm test                               # passes, lists the skipped peers
#   SCOUTLOOP_REQUIRE_PEERS=1 test/without-peers.sh npm test     # fails, as CI would without them
set -euo pipefail
if [ $# -eq 0 ]; then
  echo "usage: test/without-peers.sh COMMAND [ARG...]" >&2
  exit 2
fi
if [ "$(id -u)" = 0 ]; then ns=(unshare --mount); else ns=(unshare --map-root-user --mount); fi
exec "${ns[@]}" bash -c '
  set -e
  for d in /usr/lib/python3/dist-packages /usr/lib/python3.*/dist-packages; do
    if [ -d "$d" ]; then mount -t tmpfs none "$d"; fi
  done
  for b in socat chromium verilator iverilog yosys; do
    p=$(command -v "$b" || true)
    if [ -n "$p" ]; then mount --bind /dev/null "$(readlink -f "$p")"; fi
  done
  exec "$@"' without-peers "$@"
