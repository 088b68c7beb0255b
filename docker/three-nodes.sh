#!/usr/bin/env bash
# The compose setup without docker: three WeaverGen nodes as plain processes on loopback, each with
# its own home, API port and libp2p port; node2 and node3 bootstrap from node1.
#
#   docker/three-nodes.sh [start]      start the three nodes (in the background; logs in DIR/nodeN.log)
#   docker/three-nodes.sh stop         stop the nodes this script started (SIGTERM, then SIGKILL)
#   docker/three-nodes.sh status       which are running, their API URL and peer id
#   options: --dry-run      print the commands instead of running them
#            --dir DIR      where the homes, pids and logs go (default $WEAVERGEN_THREE_DIR or ./.weavergen/three-nodes)
#            --no-example   passed to `node start`: no example generation on a fresh home
#
# Environment: WEAVERGEN_THREE_API_PORT (first API port, default 4591), WEAVERGEN_THREE_P2P_PORT
# (first libp2p TCP port, default 4101), WEAVERGEN_THREE_WAIT (seconds to wait for node1's peer id,
# default 60), WEAVERGEN_THREE_SHARE (the nodes' --share, default all: a demo network shares),
# WEAVERGEN_CLI (the CLI script, default dist/cli/bin.js of this checkout; run `npm run build`
# first), OTEL_EXPORTER_OTLP_ENDPOINT (passed through to the nodes).
#
# The demo setting (the same as docker/compose.yaml's), so one generation on node1 shows on the
# other two within a minute; a node's own defaults are a digest a day, k 5, epsilon 1, budget 365:
#   WEAVERGEN_THREE_EPOCH_MS  digest epoch, default 15000 (passed as WEAVERGEN_EPOCH_MS)
#   WEAVERGEN_THREE_K         an arm is released from one outcome, default 1 (WEAVERGEN_K)
#   WEAVERGEN_THREE_EPSILON   Laplace noise of scale 3/100 on n, sum q, sum q^2, default 100: next to no
#                             privacy, so one outcome counts at the other nodes (WEAVERGEN_EPSILON)
#   WEAVERGEN_THREE_BUDGET    epsilon a year, default 100000: sharing never pauses (WEAVERGEN_BUDGET)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
# shellcheck source=docker/lib.sh
. "$here/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2; }

command="start"
dry_run=""
dir="${WEAVERGEN_THREE_DIR:-$root/.weavergen/three-nodes}"
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    start | stop | status) command="$1" ;;
    --dry-run) dry_run=1 ;;
    --dir)
      [ $# -ge 2 ] || { usage; exit 2; }
      dir="$2"
      shift
      ;;
    --dir=*) dir="${1#--dir=}" ;;
    --no-example) extra+=(--no-example) ;;
    -h | --help) usage; exit 0 ;;
    *) printf 'three-nodes: unknown argument %s\n' "$1" >&2; usage; exit 2 ;;
  esac
  shift
done

api_base="${WEAVERGEN_THREE_API_PORT:-4591}"
p2p_base="${WEAVERGEN_THREE_P2P_PORT:-4101}"
wait_seconds="${WEAVERGEN_THREE_WAIT:-60}"
share="${WEAVERGEN_THREE_SHARE:-all}"
# the demo setting, read by each node (network.epochMs, k, epsilon, budget); the environment
# outranks the homes' config files
export WEAVERGEN_EPOCH_MS="${WEAVERGEN_THREE_EPOCH_MS:-15000}"
export WEAVERGEN_K="${WEAVERGEN_THREE_K:-1}"
export WEAVERGEN_EPSILON="${WEAVERGEN_THREE_EPSILON:-100}"
export WEAVERGEN_BUDGET="${WEAVERGEN_THREE_BUDGET:-100000}"
demo_env=(WEAVERGEN_EPOCH_MS="$WEAVERGEN_EPOCH_MS" WEAVERGEN_K="$WEAVERGEN_K" WEAVERGEN_EPSILON="$WEAVERGEN_EPSILON"
  WEAVERGEN_BUDGET="$WEAVERGEN_BUDGET")
cli="${WEAVERGEN_CLI:-$root/dist/cli/bin.js}"
host="127.0.0.1"

home_of() { printf '%s/node%s' "$dir" "$1"; }
api_port_of() { printf '%s' $((api_base + $1 - 1)); }
listen_of() { printf '/ip4/%s/tcp/%s' "$host" $((p2p_base + $1 - 1)); }
pid_of() { cat "$dir/node$1.pid" 2>/dev/null || true; }

# running N: the pid file names a live process that is this node (its command line has its home)
running() {
  local pid
  pid="$(pid_of "$1")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && ps -o args= -p "$pid" 2>/dev/null | grep -qF -- "$(home_of "$1")"
}

# the `node start` command of node N, one word per line-free array entry, into the array `cmd`
build_command() {
  local n="$1" bootstrap="${2:-}"
  cmd=(node "$cli" node start --home "$(home_of "$n")" --api-host "$host" --api-port "$(api_port_of "$n")"
    --listen "$(listen_of "$n")" --share "$share")
  [ -n "$bootstrap" ] && cmd+=(--bootstrap "$bootstrap")
  if [ ${#extra[@]} -gt 0 ]; then cmd+=("${extra[@]}"); fi
  return 0
}

show() { printf 'node%s: ' "$1"; shift; quote_words "$@"; }

launch() {
  local n="$1"
  mkdir -p "$(home_of "$n")"
  # not running (checked), so a node.json there is left over; the new one says when this node is up
  rm -f "$(home_of "$n")/node.json"
  nohup "${cmd[@]}" >"$dir/node$n.log" 2>&1 </dev/null &
  printf '%s\n' $! >"$dir/node$n.pid"
}

start() {
  local n id bootstrap
  if [ -z "$dry_run" ]; then
    for n in 1 2 3; do
      if running "$n"; then
        printf 'three-nodes: node%s is already running (pid %s); stop them first: %s stop\n' "$n" "$(pid_of "$n")" "$0" >&2
        exit 1
      fi
    done
    [ -f "$cli" ] || { printf 'three-nodes: %s not found; run npm run build\n' "$cli" >&2; exit 1; }
    mkdir -p "$dir"
  fi

  if [ -n "$dry_run" ]; then printf 'env: '; quote_words "${demo_env[@]}"; fi
  build_command 1
  if [ -n "$dry_run" ]; then show 1 "${cmd[@]}"; else launch 1; fi

  if [ -n "$dry_run" ]; then
    id="$(peer_id_of "$(home_of 1)" || printf 'PEER_ID_OF_NODE1')"
  elif ! id="$(wait_for_peer_id "$(home_of 1)" "$wait_seconds" "$(pid_of 1)")"; then
    printf 'three-nodes: node1 did not report a peer id within %ss; its log:\n' "$wait_seconds" >&2
    tail -n 20 "$dir/node1.log" >&2 || true
    stop >/dev/null # the node1 this run started, if it is still up
    exit 1
  fi
  bootstrap="$(listen_of 1)/p2p/$id"

  for n in 2 3; do
    build_command "$n" "$bootstrap"
    if [ -n "$dry_run" ]; then show "$n" "${cmd[@]}"; else launch "$n"; fi
  done
  [ -n "$dry_run" ] && return 0

  printf 'three nodes started in %s (node1 %s), demo setting: %s\n' "$dir" "$id" "${demo_env[*]}"
  for n in 1 2 3; do
    printf '  node%s  pid %s  API http://%s:%s  libp2p %s  log %s\n' \
      "$n" "$(pid_of "$n")" "$host" "$(api_port_of "$n")" "$(listen_of "$n")" "$dir/node$n.log"
  done
  printf 'stop them with: %s stop%s\n' "$0" "$([ "$dir" = "$root/.weavergen/three-nodes" ] || printf ' --dir %q' "$dir")"
}

stop() {
  local n pid i
  for n in 3 2 1; do
    pid="$(pid_of "$n")"
    if ! running "$n"; then
      printf 'node%s: not running\n' "$n"
      [ -z "$dry_run" ] && rm -f "$dir/node$n.pid"
      continue
    fi
    if [ -n "$dry_run" ]; then
      printf 'node%s: kill -TERM %s\n' "$n" "$pid"
      continue
    fi
    kill -TERM "$pid"
    # in-flight generations finish first (30 s grace by default), then the stores close
    for ((i = 0; i < 180; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    if kill -0 "$pid" 2>/dev/null; then
      printf 'node%s: still running after 45s, killing pid %s\n' "$n" "$pid" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/node$n.pid"
    printf 'node%s: stopped\n' "$n"
  done
}

status() {
  local n id
  for n in 1 2 3; do
    if running "$n"; then
      id="$(peer_id_of "$(home_of "$n")" || printf 'unknown')"
      printf 'node%s: running  pid %s  API http://%s:%s  peer %s\n' "$n" "$(pid_of "$n")" "$host" "$(api_port_of "$n")" "$id"
    else
      printf 'node%s: not running\n' "$n"
    fi
  done
}

"$command"
