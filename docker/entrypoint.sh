#!/usr/bin/env bash
# WeaverGen container entrypoint: turns the environment into `weavergen node start` flags.
#
#   WEAVERGEN_HOME               home folder: LevelDB, token, keys, output          (default /data)
#   WEAVERGEN_API_HOST           API host; 0.0.0.0 so the port can be published   (default 0.0.0.0)
#   WEAVERGEN_API_PORT           API and dashboard port                            (default 4590)
#   WEAVERGEN_LISTEN             libp2p listen multiaddrs, comma-separated  (default /ip4/0.0.0.0/tcp/4001)
#   WEAVERGEN_BOOTSTRAP          peers to dial first, comma-separated multiaddrs ending in /p2p/<peer id>
#   WEAVERGEN_ANNOUNCE           the only addresses peers are told, comma-separated multiaddrs (--announce)
#   WEAVERGEN_PUBLIC_HOST        this container's address as peers reach it (an IP or a DNS name): without
#                                WEAVERGEN_ANNOUNCE, announce /ip4|ip6|dns/<it>/tcp/<port> for each listen port;
#                                with neither, a node listening on 0.0.0.0 announces no address at all
#   WEAVERGEN_SHARE              what the node shares: off, receive-only (default), contexts:<list>, all (--share)
#   WEAVERGEN_NETWORK            "off" starts the node without libp2p (--no-network)
#   OTEL_EXPORTER_OTLP_ENDPOINT  OTLP/HTTP collector, e.g. http://otel-collector:4318 (read by the node)
#   OTEL_SERVICE_NAME            service.name of the node's spans (read by the node)
#
# Helpers for compose, where a peer id is only known once that node has started:
#   WEAVERGEN_PEER_ID_FILE        write this node's peer id to this file once it is known
#   WEAVERGEN_BOOTSTRAP_ID_FILE   wait for a peer id in this file (another node's WEAVERGEN_PEER_ID_FILE)...
#   WEAVERGEN_BOOTSTRAP_ADDR      ...and bootstrap from WEAVERGEN_BOOTSTRAP_ADDR/p2p/<that id>
#   WEAVERGEN_BOOTSTRAP_WAIT      seconds to wait for it (default 120; then start without it)
#
#   WEAVERGEN_DRY_RUN=1           print the command instead of running it
# Extra arguments are passed on to `node start` (e.g. --no-example).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=docker/lib.sh
. "$here/lib.sh"
bin="${WEAVERGEN_CLI:-$(cd "$here/.." && pwd)/dist/cli/bin.js}"

home="${WEAVERGEN_HOME:-/data}"
api_host="${WEAVERGEN_API_HOST:-0.0.0.0}"
api_port="${WEAVERGEN_API_PORT:-4590}"
listen="${WEAVERGEN_LISTEN-/ip4/0.0.0.0/tcp/4001}"
bootstrap="${WEAVERGEN_BOOTSTRAP:-}"
announce="${WEAVERGEN_ANNOUNCE:-}"
share="${WEAVERGEN_SHARE:-}"

log() { printf 'entrypoint: %s\n' "$*" >&2; }

if [ -n "${WEAVERGEN_BOOTSTRAP_ID_FILE:-}" ]; then
  if [ -z "${WEAVERGEN_BOOTSTRAP_ADDR:-}" ]; then
    log "WEAVERGEN_BOOTSTRAP_ID_FILE needs WEAVERGEN_BOOTSTRAP_ADDR (e.g. /ip4/172.28.0.11/tcp/4001)"
    exit 2
  fi
  wait="${WEAVERGEN_BOOTSTRAP_WAIT:-120}"
  id=""
  if [ -n "${WEAVERGEN_DRY_RUN:-}" ]; then
    id="$(cat "$WEAVERGEN_BOOTSTRAP_ID_FILE" 2>/dev/null || echo '<peer-id>')"
  else
    log "waiting up to ${wait}s for a peer id in $WEAVERGEN_BOOTSTRAP_ID_FILE"
    for ((i = 0; i < wait; i++)); do
      id="$(cat "$WEAVERGEN_BOOTSTRAP_ID_FILE" 2>/dev/null || true)"
      [ -n "$id" ] && break
      sleep 1
    done
  fi
  if [ -n "$id" ]; then
    bootstrap="${bootstrap:+$bootstrap,}${WEAVERGEN_BOOTSTRAP_ADDR%/}/p2p/$id"
  else
    log "no peer id after ${wait}s: starting without that bootstrap peer"
  fi
fi

# announce_of HOST LISTEN: the listen addresses' TCP ports on HOST, as peers should dial them
announce_of() {
  local host="$1" proto out="" addr port addrs
  case "$host" in
    *:*) proto=ip6 ;;
    *[!0-9.]*) proto=dns ;;
    *) proto=ip4 ;;
  esac
  IFS=',' read -r -a addrs <<<"$2"
  for addr in "${addrs[@]}"; do
    port="$(printf '%s' "$addr" | sed -n 's|.*/tcp/\([0-9][0-9]*\).*|\1|p')"
    [ -n "$port" ] && [ "$port" != 0 ] || continue
    case ",$out," in *",/$proto/$host/tcp/$port,"*) continue ;; esac
    out="${out:+$out,}/$proto/$host/tcp/$port"
  done
  printf '%s' "$out"
}

if [ -z "$announce" ] && [ -n "${WEAVERGEN_PUBLIC_HOST:-}" ]; then
  announce="$(announce_of "$WEAVERGEN_PUBLIC_HOST" "$listen")"
  [ -n "$announce" ] || log "WEAVERGEN_PUBLIC_HOST is set but no listen address has a fixed TCP port: nothing to announce"
fi

args=(node start --home "$home" --api-host "$api_host" --api-port "$api_port")
if [ "${WEAVERGEN_NETWORK:-on}" = "off" ]; then
  args+=(--no-network)
else
  [ -n "$listen" ] && args+=(--listen "$listen")
  [ -n "$announce" ] && args+=(--announce "$announce")
  [ -n "$bootstrap" ] && args+=(--bootstrap "$bootstrap")
fi
[ -n "$share" ] && args+=(--share "$share")
args+=("$@")

# a smaller young generation: the idle node holds about 20 MB less (README, Performance)
node_flags=(--max-semi-space-size=4)

if [ -n "${WEAVERGEN_DRY_RUN:-}" ]; then
  quote_words node "${node_flags[@]}" "$bin" "${args[@]}"
  exit 0
fi

if [ -n "${WEAVERGEN_PEER_ID_FILE:-}" ]; then
  # a stale id from an earlier run must not be read before this run has written its own; the
  # container owns its home, so a node.json there is left over from a container that was killed
  rm -f "$WEAVERGEN_PEER_ID_FILE" "$home/node.json"
  mkdir -p "$(dirname "$WEAVERGEN_PEER_ID_FILE")"
  # in the background: the node replaces this shell (exec) and never waits for it
  (
    if id="$(wait_for_peer_id "$home" 300)"; then
      printf '%s\n' "$id" >"$WEAVERGEN_PEER_ID_FILE.tmp" && mv "$WEAVERGEN_PEER_ID_FILE.tmp" "$WEAVERGEN_PEER_ID_FILE"
      log "published peer id $id to $WEAVERGEN_PEER_ID_FILE"
    else
      log "peer id not known after 300s; nothing published to $WEAVERGEN_PEER_ID_FILE"
    fi
  ) &
fi

log "OTLP endpoint: ${OTEL_EXPORTER_OTLP_ENDPOINT:-none, spans stay in the local store}"
exec node "${node_flags[@]}" "$bin" "${args[@]}"
