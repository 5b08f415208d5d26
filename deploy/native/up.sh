#!/usr/bin/env bash
# Start the three Kümmerer services natively (no Docker) against a local PostgreSQL and RabbitMQ.
#
#   deploy/native/up.sh                  # debug build
#   PROFILE=release deploy/native/up.sh  # release build (for the benchmark)
#
# Environment (all optional):
#   PROFILE            debug (default) | release
#   KUMMERER_PG_URL    server URL without database, default postgres://postgres@127.0.0.1:5432
#                      (each service gets DATABASE_URL=$KUMMERER_PG_URL/$KUMMERER_DB_PREFIX_<service>)
#   AMQP_URL           default amqp://guest:guest@127.0.0.1:5672/%2f
#   KUMMERER_HOST      address the services bind to, default 127.0.0.1
#   KUMMERER_PORTS     the retailer's, manufacturer's and logistics' ports, default "8081 8082 8083"
#   KUMMERER_DB_PREFIX the databases' names are <prefix>_<service>, default kummerer
#   READY_TIMEOUT      seconds to wait for every /ready, default 120
#   any other service variable (KUMMERER_BROKER_PREFIX, LOG_FORMAT, RUST_LOG,
#   OTEL_EXPORTER_OTLP_ENDPOINT, ...) is passed through unchanged.
# Logs go to .run/<service>.log, pids to .run/<service>.pid; stop with deploy/native/down.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUN_DIR="$ROOT/.run"
PROFILE="${PROFILE:-debug}"
KUMMERER_PG_URL="${KUMMERER_PG_URL:-postgres://postgres@127.0.0.1:5432}"
KUMMERER_PG_URL="${KUMMERER_PG_URL%/}"
export AMQP_URL="${AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}"
KUMMERER_HOST="${KUMMERER_HOST:-127.0.0.1}"
READY_TIMEOUT="${READY_TIMEOUT:-120}"

SERVICES=(retailer manufacturer logistics)

say() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
KUMMERER_DB_PREFIX="${KUMMERER_DB_PREFIX:-kummerer}"
[[ "$KUMMERER_DB_PREFIX" =~ ^[a-z_][a-z0-9_]*$ ]] || die "KUMMERER_DB_PREFIX must be a lower-case SQL name"
read -r -a ports <<<"${KUMMERER_PORTS:-8081 8082 8083}"
((${#ports[@]} == 3)) || die "KUMMERER_PORTS must name three ports"
declare -A PORT=([retailer]=${ports[0]} [manufacturer]=${ports[1]} [logistics]=${ports[2]})

for tool in psql pg_isready curl cargo; do
  command -v "$tool" >/dev/null || die "$tool not found in PATH"
done

case "$PROFILE" in
  debug) cargo_profile=() ;;
  release) cargo_profile=(--release) ;;
  *) die "PROFILE must be debug or release, got '$PROFILE'" ;;
esac

# --- PostgreSQL ------------------------------------------------------------------------------
say "PostgreSQL at $KUMMERER_PG_URL"
pg_isready -q -d "$KUMMERER_PG_URL/postgres" \
  || die "PostgreSQL is not accepting connections at $KUMMERER_PG_URL (start it, or set KUMMERER_PG_URL)"

for svc in "${SERVICES[@]}"; do
  db="${KUMMERER_DB_PREFIX}_$svc"
  exists="$(psql "$KUMMERER_PG_URL/postgres" -XtAq -v ON_ERROR_STOP=1 \
    -c "SELECT 1 FROM pg_database WHERE datname = '$db'")"
  if [[ "$exists" != "1" ]]; then
    say "creating database $db"
    psql "$KUMMERER_PG_URL/postgres" -Xq -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db"
  fi
done

# --- RabbitMQ --------------------------------------------------------------------------------
# host:port from AMQP_URL: strip scheme, credentials and vhost.
amqp_hostport="${AMQP_URL#*://}"
amqp_hostport="${amqp_hostport##*@}"
amqp_hostport="${amqp_hostport%%/*}"
amqp_host="${amqp_hostport%%:*}"
amqp_port="5672"
[[ "$amqp_hostport" == *:* ]] && amqp_port="${amqp_hostport##*:}"
say "RabbitMQ at $amqp_host:$amqp_port"
if ! (exec 3<>"/dev/tcp/$amqp_host/$amqp_port") 2>/dev/null; then
  die "RabbitMQ is not reachable at $amqp_host:$amqp_port (start it, e.g. rabbitmq-server -detached, or set AMQP_URL)"
fi

# --- build -----------------------------------------------------------------------------------
say "cargo build ${cargo_profile[*]:-} -p retailer -p manufacturer -p logistics"
(cd "$ROOT" && cargo build "${cargo_profile[@]}" -p retailer -p manufacturer -p logistics)
BIN_DIR="${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE"

# --- start -----------------------------------------------------------------------------------
mkdir -p "$RUN_DIR"
for svc in "${SERVICES[@]}"; do
  pidfile="$RUN_DIR/$svc.pid"
  if [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    say "$svc already running (pid $(cat "$pidfile")), not starting another"
    continue
  fi
  [[ -x "$BIN_DIR/$svc" ]] || die "binary $BIN_DIR/$svc not found after the build"
  say "starting $svc on $KUMMERER_HOST:${PORT[$svc]} (log: .run/$svc.log)"
  KUMMERER_BIND="$KUMMERER_HOST:${PORT[$svc]}" \
  DATABASE_URL="$KUMMERER_PG_URL/${KUMMERER_DB_PREFIX}_$svc" \
  KUMMERER_OPERATOR_TOKEN="${KUMMERER_OPERATOR_TOKEN:-dev-operator-token}" \
  OTEL_SERVICE_NAME="$svc" \
    nohup "$BIN_DIR/$svc" >>"$RUN_DIR/$svc.log" 2>&1 </dev/null &
  echo $! >"$pidfile"
done

# --- wait for /ready -------------------------------------------------------------------------
deadline=$((SECONDS + READY_TIMEOUT))
for svc in "${SERVICES[@]}"; do
  url="http://$KUMMERER_HOST:${PORT[$svc]}/ready"
  pid="$(cat "$RUN_DIR/$svc.pid")"
  until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "--- last lines of .run/$svc.log ---" >&2
      tail -n 40 "$RUN_DIR/$svc.log" >&2 || true
      die "$svc (pid $pid) exited before it became ready"
    fi
    if ((SECONDS >= deadline)); then
      echo "--- last lines of .run/$svc.log ---" >&2
      tail -n 40 "$RUN_DIR/$svc.log" >&2 || true
      die "$svc not ready at $url after ${READY_TIMEOUT}s (still running; stop with deploy/native/down.sh)"
    fi
    sleep 0.5
  done
  say "$svc ready"
done

cat <<EOT

Kümmerer is up ($PROFILE build):
  retailer      http://$KUMMERER_HOST:${PORT[retailer]}   (/health /ready /metrics, /api/retailers, /desk)
  manufacturer  http://$KUMMERER_HOST:${PORT[manufacturer]}   (/health /ready /metrics, /api/manufacturers, /docs, /openapi.json)
  logistics     http://$KUMMERER_HOST:${PORT[logistics]}   (/health /ready /metrics, /api/jobs, /crew, /dispatch)
Logs: $RUN_DIR/<service>.log    Stop: deploy/native/down.sh
Demo cast with accounts to sign in: deploy/demo/seed.sh    One swap walked through: deploy/native/demo.sh
EOT
