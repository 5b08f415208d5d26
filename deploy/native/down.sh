#!/usr/bin/env bash
# Stop the services started by deploy/native/up.sh: SIGTERM each pid in .run/<service>.pid,
# wait for a graceful shutdown (STOP_TIMEOUT seconds, default 20), then SIGKILL what is left.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUN_DIR="$ROOT/.run"
STOP_TIMEOUT="${STOP_TIMEOUT:-20}"
SERVICES=(retailer manufacturer logistics)

say() { printf '==> %s\n' "$*"; }

pids=()
for svc in "${SERVICES[@]}"; do
  pidfile="$RUN_DIR/$svc.pid"
  [[ -f "$pidfile" ]] || continue
  pid="$(cat "$pidfile")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    say "stopping $svc (pid $pid)"
    kill -TERM "$pid"
    pids+=("$svc:$pid")
  else
    say "$svc not running"
    rm -f "$pidfile"
  fi
done

deadline=$((SECONDS + STOP_TIMEOUT))
for entry in "${pids[@]+"${pids[@]}"}"; do
  svc="${entry%%:*}"
  pid="${entry##*:}"
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "$svc (pid $pid) still running after ${STOP_TIMEOUT}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  else
    say "$svc stopped"
  fi
  rm -f "$RUN_DIR/$svc.pid"
done
