#!/usr/bin/env bash
# The GNU parallel recipe of docs/scale-out.md, run for real (issue 12): a throwaway sshd
# on a spare 127.0.0.1 port (generated host and user keys, stopped on exit), two ssh logins
# to it (h1, h2), `parallel -S 1/h1,1/h2 ... mp4kit batch --shard {}/4`, then the shards'
# records merged with `mp4kit batch --summary`: every input recorded once, none missing.
# Exit 77 (ctest: skipped) with a visible reason when sshd, ssh-keygen or parallel is
# missing or sshd cannot start.
#
# Usage: tests/batch_parallel_ssh_test.sh MP4KIT_BINARY SAMPLES_DIR
set -uo pipefail

BIN="$(realpath "$1")"
SAMPLES="$(realpath "$2")"
skip() { echo "SKIP: batch over GNU parallel + ssh: $*"; exit 77; }
for tool in /usr/sbin/sshd ssh ssh-keygen parallel; do
  command -v "$tool" >/dev/null 2>&1 || skip "$tool not installed (Debian: openssh-server openssh-client parallel)"
done

DIR="$(mktemp -d /tmp/mp4kit-batch-ssh.XXXXXX)"
SSHD_PID=""
cleanup() {
  for h in h1 h2; do ssh -F "$DIR/ssh_config" -O exit "$h" 2>/dev/null; done
  [[ -n "$SSHD_PID" ]] && kill "$SSHD_PID" 2>/dev/null && wait "$SSHD_PID" 2>/dev/null
  rm -rf "$DIR"
}
trap cleanup EXIT

ssh-keygen -q -t ed25519 -N '' -f "$DIR/host_key" || skip "ssh-keygen failed"
ssh-keygen -q -t ed25519 -N '' -f "$DIR/user_key" || skip "ssh-keygen failed"
cp "$DIR/user_key.pub" "$DIR/authorized_keys"
chmod 600 "$DIR/authorized_keys"
# sshd run as root wants its privilege separation directory.
if [[ $(id -u) == 0 && ! -d /run/sshd ]]; then mkdir -p /run/sshd && chmod 755 /run/sshd; fi

start_sshd() {
  local port=$1
  cat > "$DIR/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $DIR/host_key
AuthorizedKeysFile $DIR/authorized_keys
PidFile $DIR/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
LogLevel ERROR
UseDNS no
KexAlgorithms curve25519-sha256
CFG
  /usr/sbin/sshd -D -e -f "$DIR/sshd_config" 2> "$DIR/sshd.log" &
  SSHD_PID=$!
  for _ in $(seq 1 50); do
    if ! kill -0 "$SSHD_PID" 2>/dev/null; then SSHD_PID=""; return 1; fi
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  kill "$SSHD_PID"; SSHD_PID=""
  return 1
}

PORT=""
for _ in 1 2 3 4 5; do
  p=$((20000 + RANDOM % 40000))
  if start_sshd "$p"; then PORT=$p; break; fi
done
[[ -n "$PORT" ]] || skip "sshd did not start: $(tail -1 "$DIR/sshd.log" 2>/dev/null)"

cat > "$DIR/ssh_config" <<CFG
Host h1 h2
  HostName 127.0.0.1
  Port $PORT
  User $(id -un)
  IdentityFile $DIR/user_key
  IdentitiesOnly yes
  StrictHostKeyChecking no
  UserKnownHostsFile /dev/null
  BatchMode yes
  LogLevel ERROR
  ConnectTimeout 10
  # One connection per login, reused by every job (a key exchange costs seconds on a busy machine).
  KexAlgorithms curve25519-sha256
  GSSAPIAuthentication no
  ControlMaster auto
  ControlPath $DIR/cm-%h
  ControlPersist 30
CFG
T0=$(date +%s%3N); ssh -F "$DIR/ssh_config" h1 true || skip "cannot log in to the throwaway sshd on port $PORT"

# The inputs: 4 links to each sample, in a directory both "hosts" see (one machine).
mkdir -p "$DIR/in" "$DIR/records"
n=0
for copy in 1 2 3 4; do
  for f in "$SAMPLES"/*.mp4; do
    ln -s "$f" "$DIR/in/$copy-$(basename "$f")"
    n=$((n + 1))
  done
done
echo "$DIR/in/missing.mp4" > "$DIR/list.txt"
find "$DIR/in" -type l | sort >> "$DIR/list.txt"
n=$((n + 1))

echo "first ssh login: $(( $(date +%s%3N) - T0 )) ms"; T0=$(date +%s%3N)
SHARDS=4
seq 0 $((SHARDS - 1)) | parallel --ssh "ssh -F $DIR/ssh_config" -S 1/h1,1/h2 \
  "$BIN batch --quiet --files-from $DIR/list.txt --shard {}/$SHARDS --records $DIR/records/shard-{}.jsonl -- probe --json"
rc=$?
# Every shard exits 1 at most (the missing file is recorded failed).
if ((rc > 1)); then echo "FAIL: parallel exit $rc"; exit 1; fi
[[ $(ls "$DIR/records" | wc -l) == "$SHARDS" ]] || { echo "FAIL: not every shard wrote its records: $(ls "$DIR/records")"; exit 1; }

echo "parallel over 2 logins, $SHARDS shards: $(( $(date +%s%3N) - T0 )) ms"
summary="$("$BIN" batch --summary "$DIR"/records/*.jsonl --json)"
echo "$summary" | cut -c1-300
recorded="$(cat "$DIR"/records/*.jsonl | grep -o '"input":"[^"]*"' | sed 's/^"input":"//; s/"$//' | sort)"
if [[ "$recorded" != "$(sort "$DIR/list.txt")" ]]; then
  echo "FAIL: the merged records do not cover the input list once each:"
  diff <(echo "$recorded") <(sort "$DIR/list.txt") | head
  exit 1
fi
echo "$summary" | grep -q "\"inputs\":$n,\"status\":{\"ok\":$((n - 1)),\"failed\":1," || { echo "FAIL: summary counts"; exit 1; }
echo "$summary" | grep -q '"duplicated":0' || { echo "FAIL: inputs recorded twice"; exit 1; }
echo "ok: $n inputs over $SHARDS shards on 2 ssh logins, each recorded once"
