#!/usr/bin/env bash
# Times what a newcomer waits for, on a fresh clone: clone → build → the system up → the demo
# seeded → the desk, the crews' pages and the dispatcher's board answering for the accounts the
# seed printed (signed in, their content checked). Prints one line per step and the total after
# the build (the goal: under five minutes).
#
#   MODE     compose (docker compose --profile demo up --build; the default where Docker
#            Compose and a Docker engine answer) or native (deploy/native/up.sh)
#   REPO     what to clone (default: this checkout's committed HEAD)
#   KEEP=1   leave the clone and the running system (else stopped and removed at the end)
# native only:
#   CARGO_TARGET_DIR  a target directory to build into (a warm one makes the build step short;
#            unset: the clone's own target/, a cold build)
#   KUMMERER_PORTS    default "18081 18082 18083", so as not to clash with a running system
#   KUMMERER_PG_URL, AMQP_URL  as for deploy/native/up.sh
# Its databases (kummerer_timing_<n>_<service>) and broker queues are its own and removed after.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REPO="${REPO:-$here}"
if [[ -z "${MODE:-}" ]]; then
  if docker compose version >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    MODE=compose
  else
    MODE=native
  fi
fi
PASSWORD="${DEMO_PASSWORD:-kummerer-demo}"
export DEMO_PASSWORD="$PASSWORD"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'time-to-demo: %s\n' "$*" >&2; exit 1; }
declare -a STEPS=()
step_start=$SECONDS
# mark NAME: records how long the step since the last mark took.
mark() {
  STEPS+=("$(printf '%-28s %4ds' "$1" $((SECONDS - step_start)))")
  step_start=$SECONDS
}

work="$(mktemp -d "${TMPDIR:-/tmp}/kummerer-time-XXXXXX")"
clone="$work/kummerer"
run_id="timing_$$"
cleanup() {
  if [[ "${KEEP:-}" == 1 ]]; then
    say "kept: $clone"
    return
  fi
  case "$MODE" in
    native)
      (cd "$clone" 2>/dev/null && deploy/native/down.sh >/dev/null 2>&1) || true
      for svc in retailer manufacturer logistics; do
        psql "${KUMMERER_PG_URL:-postgres://postgres@127.0.0.1:5432}/postgres" -Xq \
          -c "DROP DATABASE IF EXISTS kummerer_${run_id}_$svc" >/dev/null 2>&1 || true
      done
      if command -v rabbitmqctl >/dev/null; then
        rabbitmqctl -q list_queues name 2>/dev/null | grep "^kummerer_${run_id}\." \
          | while read -r q; do rabbitmqctl -q delete_queue "$q" </dev/null >/dev/null 2>&1 || true; done
        # Exchanges need the management plugin's rabbitmqadmin; without it they stay (empty).
        rabbitmqctl -q list_exchanges name 2>/dev/null | grep "^kummerer_${run_id}\." \
          | while read -r x; do
              rabbitmqadmin delete exchange name="$x" </dev/null >/dev/null 2>&1 || true
            done
      fi
      ;;
    compose)
      (cd "$clone" 2>/dev/null && docker compose --profile demo down -v >/dev/null 2>&1) || true
      ;;
  esac
  rm -rf "$work"
}
trap cleanup EXIT

say "clone $REPO"
git clone -q "$REPO" "$clone"
cd "$clone"
mark "clone"

case "$MODE" in
  native)
    read -r -a ports <<<"${KUMMERER_PORTS:-18081 18082 18083}"
    export KUMMERER_PORTS="${ports[*]}"
    export KUMMERER_DB_PREFIX="kummerer_$run_id"
    export KUMMERER_BROKER_PREFIX="kummerer_$run_id"
    export KUMMERER_OPERATOR_TOKEN="${KUMMERER_OPERATOR_TOKEN:-dev-operator-token}"
    say "build (cargo build, debug)"
    cargo build -q -p retailer -p manufacturer -p logistics
    mark "build"
    say "start (deploy/native/up.sh)"
    deploy/native/up.sh >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; die "up.sh failed"; }
    mark "services ready"
    retailer="http://127.0.0.1:${ports[0]}"
    logistics="http://127.0.0.1:${ports[2]}"
    say "seed (deploy/demo/seed.sh)"
    RETAILER_URL="$retailer" MANUFACTURER_URL="http://127.0.0.1:${ports[1]}" \
      LOGISTICS_URL="$logistics" DEMO_STATE="$work/accounts.txt" \
      RETAILER_DATABASE_URL="${KUMMERER_PG_URL:-postgres://postgres@127.0.0.1:5432}/kummerer_${run_id}_retailer" \
      deploy/demo/seed.sh >"$work/seed.out" 2>"$work/seed.log" \
      || { cat "$work/seed.log" >&2; die "the seed failed"; }
    mark "demo seeded"
    ;;
  compose)
    retailer="http://localhost:8081"
    logistics="http://localhost:8083"
    say "build (docker compose build)"
    docker compose --profile demo build
    mark "build"
    say "start and seed (docker compose --profile demo up -d; waiting for demo-seed)"
    docker compose --profile demo up -d
    docker compose wait demo-seed >/dev/null || die "the demo-seed container failed"
    docker compose logs --no-log-prefix demo-seed >"$work/seed.out"
    mark "up and demo seeded"
    ;;
  *) die "MODE must be native or compose" ;;
esac

# The checks: every account the seed printed signs in, and its page shows what it should.
out="$work/seed.out"
sign_in() {
  curl -sS -o /dev/null -D - --max-time 20 -H "Origin: $1" --data-urlencode "email=$3" \
    --data-urlencode "password=$PASSWORD" "$1$2/sign-in" \
    | grep -i '^set-cookie:' | sed -E 's/^[Ss]et-[Cc]ookie: *([^;]*).*/\1/' \
    | grep -v -e '=$' -e '_probe=' | head -1
}
# shows BASE ROOT EMAIL PATH TEXT...: EMAIL signs in on ROOT and PATH shows every TEXT.
shows() {
  local base="$1" root="$2" email="$3" path="$4" cookie html text; shift 4
  grep -qF "$email" "$out" || die "$email not printed by the seed"
  cookie="$(sign_in "$base" "$root" "$email")"
  [[ -n "$cookie" ]] || die "$email cannot sign in on $root"
  html="$(curl -fsS --max-time 20 -H "Cookie: $cookie" "$base$path")" || die "GET $path as $email"
  for text in "$@"; do
    grep -qF "$text" <<<"$html" || die "$path as $email does not show '$text'"
  done
}
say "check the pages for the printed accounts"
case_url="$(grep -m1 'visit today' "$out" | grep -o 'http[^ ]*/desk/cases/[0-9a-f-]*')"
[[ -n "$case_url" ]] || die "no case URL printed"
shows "$retailer" /desk clerk@elektro-kaiser.example "${case_url#"$retailer"}" \
  'class="status swap_approved"' "Sabine Braun"
shows "$retailer" /desk manager@elektro-kaiser.example /desk "Look and decide"
shows "$retailer" /desk admin@elektro-kaiser.example /desk/admin "Kaiser Mitte" "Kaiser Neukölln"
shows "$logistics" /crew crew-mitte@spree-logistik.example /crew "Today" "Sabine Braun"
shows "$logistics" /crew crew-neukoelln@spree-logistik.example /crew "Today" "Ali Kaya"
shows "$logistics" /dispatch dispatch@spree-logistik.example /dispatch \
  "Team Mitte" "Team Neukölln" "Sabine Braun" "Ali Kaya"
mark "pages checked"

total=0
after_build=0
seen_build=0
printf '\nTime to the demo (%s, %s, %s cores, %s):\n' "$MODE" "$(uname -sm)" "$(nproc)" \
  "$(date -u +%Y-%m-%d)"
for line in "${STEPS[@]}"; do
  printf '  %s\n' "$line"
  s="${line##* }"; s="${s%s}"
  total=$((total + s))
  ((seen_build)) && after_build=$((after_build + s))
  [[ "$line" == build* ]] && seen_build=1
done
printf '  %-28s %4ds\n  %-28s %4ds\n' "total" "$total" "after the build" "$after_build"
