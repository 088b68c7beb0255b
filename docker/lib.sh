# shellcheck shell=bash
# Sourced by entrypoint.sh and three-nodes.sh: how to learn a running node's libp2p peer id, and how
# --dry-run prints a command.

# peer_id_of HOME
# Prints the peer id of the node whose home folder is HOME and returns 0, or returns 1 when it is
# not known (yet). The node announces itself in HOME/node.json while it runs; this reads its
# `peerId` field. This is the one place to adapt if the node exposes its id differently, e.g.:
#   weavergen peers --json --home "$1" | node -e '...print .self.id...'
peer_id_of() {
  local file="$1/node.json"
  [ -r "$file" ] || return 1
  node -e '
    let id;
    try { id = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).peerId; } catch {}
    // base58btc (12D3Koo..., Qm...) or a base32 CID form; anything else is not an id
    if (typeof id !== "string" || !/^[A-Za-z0-9]{30,120}$/.test(id)) process.exit(1);
    process.stdout.write(id);
  ' "$file"
}

# wait_for_peer_id HOME SECONDS [PID]
# Polls peer_id_of until it answers, SECONDS pass, or process PID (when given) exits.
wait_for_peer_id() {
  local home="$1" seconds="$2" pid="${3:-}" id i
  for ((i = 0; i < seconds * 4; i++)); do
    if id=$(peer_id_of "$home"); then
      printf '%s' "$id"
      return 0
    fi
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.25
  done
  return 1
}

# quote_words WORD...
# Prints the words on one line as a shell would need them: plain words as they are, others in
# single quotes (so a dry run can be pasted into a shell, and read by a test).
quote_words() {
  local w out=()
  for w in "$@"; do
    if [[ $w =~ ^[A-Za-z0-9_./:,=@+%-]+$ ]]; then
      out+=("$w")
    else
      out+=("'${w//\'/\'\\\'\'}'")
    fi
  done
  printf '%s\n' "${out[*]}"
}
