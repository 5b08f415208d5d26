#!/usr/bin/env bash
# Walk one swap through the running system (deploy/native/up.sh or docker compose up):
# manufacturer, retailer, agreement, product, a sale three days ago, a case, a swap approval;
# then wait until the case timeline shows the delivery job scheduled and the claim decided,
# complete the job as the crew, and print the final timeline.
#
#   RETAILER_URL      default http://127.0.0.1:8081
#   MANUFACTURER_URL  default http://127.0.0.1:8082
#   LOGISTICS_URL     default http://127.0.0.1:8083
#   KUMMERER_OPERATOR_TOKEN  the services' operator token (creates the manufacturer and the
#                     retailer), default dev-operator-token as up.sh and docker compose set it
#   DEMO_TIMEOUT      seconds to wait for each asynchronous step, default 30
#   KUMMERER_OPERATOR_TOKEN  the operator's token the logistics service was started with
#                     (its JSON API wants a bearer token; the operator's reaches every job)
# Needs curl and jq.
set -euo pipefail

RETAILER_URL="${RETAILER_URL:-http://127.0.0.1:8081}"
MANUFACTURER_URL="${MANUFACTURER_URL:-http://127.0.0.1:8082}"
LOGISTICS_URL="${LOGISTICS_URL:-http://127.0.0.1:8083}"
DEMO_TIMEOUT="${DEMO_TIMEOUT:-30}"
KUMMERER_OPERATOR_TOKEN="${KUMMERER_OPERATOR_TOKEN:-dev-operator-token}"
OPERATOR_TOKEN="$KUMMERER_OPERATOR_TOKEN"

say() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
for tool in curl jq; do
  command -v "$tool" >/dev/null || die "$tool not found in PATH (apt-get install $tool)"
done
[[ -n "$OPERATOR_TOKEN" ]] \
  || die "set KUMMERER_OPERATOR_TOKEN to the token the logistics service was started with"

# api METHOD URL [JSON-BODY [API-KEY]]: prints the response body; fails on a non-2xx status and
# shows the problem+json document the service returned. With an API key, sends it as
# `Authorization: Bearer <key>` (the manufacturer API wants one).
api() {
  local method="$1" url="$2" body="${3:-}" key="${4:-}" out status
  local args=(-sS -X "$method" -H 'Accept: application/json' -w '\n%{http_code}' --max-time 10)
  if [[ -n "$key" ]]; then
    args+=(-H "Authorization: Bearer $key")
  fi
  if [[ -n "$body" ]]; then
    args+=(-H 'Content-Type: application/json' --data "$body")
  fi
  out="$(curl "${args[@]}" "$url")" || die "$method $url: request failed"
  status="${out##*$'\n'}"
  out="${out%$'\n'*}"
  if [[ "$status" != 2?? ]]; then
    printf '%s %s -> HTTP %s\n%s\n' "$method" "$url" "$status" "$out" >&2
    exit 1
  fi
  printf '%s' "$out"
}

# RFC 3339 timestamps (GNU date; python3 as a fallback, e.g. on macOS).
ts() {
  date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null \
    || python3 - "$1" <<'PY'
import sys, datetime as d
now = d.datetime.now(d.timezone.utc).replace(microsecond=0)
spec = sys.argv[1]
if spec == "3 days ago":
    t = now - d.timedelta(days=3)
else:  # "tomorrow HH:MM"
    hh, mm = map(int, spec.split()[1].split(":"))
    t = (now + d.timedelta(days=1)).replace(hour=hh, minute=mm, second=0)
print(t.strftime("%Y-%m-%dT%H:%M:%SZ"))
PY
}

run="$(date +%s)-$RANDOM"
serial="SN-WM8-$run"
customer_name="Erika Mustermann"

for url in "$RETAILER_URL" "$MANUFACTURER_URL" "$LOGISTICS_URL"; do
  curl -fsS -o /dev/null --max-time 3 "$url/ready" || die "$url/ready does not answer 200: start the services first"
done

say "manufacturer"
# An operator's action (the operator token); the answer holds the manufacturer's first API key,
# shown this once.
manufacturer="$(api POST "$MANUFACTURER_URL/api/manufacturers" \
  "$(jq -nc --arg n "Waschwerk GmbH $run" '{name: $n}')" "$KUMMERER_OPERATOR_TOKEN")"
mid="$(echo "$manufacturer" | jq -r .id)"
mkey="$(echo "$manufacturer" | jq -r .api_key)"
[[ "$mkey" == kmr_* ]] || die "no api_key in the manufacturer's answer: $manufacturer"
echo "manufacturer id: $mid"; echo "manufacturer API key: $mkey"

say "retailer"
# An operator's action too; the answer holds the retailer's first integration key (krt_…, shown
# this once), which approves swaps up to 1000.00 EUR alone (above: a manager on the desk).
retailer="$(api POST "$RETAILER_URL/api/retailers" "$(jq -nc --arg n "Elektro Kaiser $run" '{
  name: $n, first_key: {name: "demo", approval_limit: {amount: "1000.00", currency: "EUR"}}}')" \
  "$KUMMERER_OPERATOR_TOKEN")"
rid="$(echo "$retailer" | jq -r .id)"
rkey="$(echo "$retailer" | jq -r .first_key.secret)"
[[ "$rkey" == krt_* ]] || die "no first_key in the retailer's answer: $retailer"
echo "retailer id: $rid"; echo "retailer integration key: $rkey"

say "agreement between them (24 months coverage, 14 days DOA, 100 %, 25.00 EUR handling fee)"
api POST "$MANUFACTURER_URL/api/manufacturers/$mid/agreements" "$(jq -nc --arg r "$rid" '{
  retailer_id: $r, currency: "EUR", coverage_months: 24, doa_days: 14,
  reimbursement_percent: 100, handling_fee: {amount: "25.00", currency: "EUR"},
  decision_deadline_days: 14}')" "$mkey" | jq .

say "product"
api POST "$RETAILER_URL/api/retailers/$rid/products" "$(jq -nc --arg m "$mid" '{
  sku: "WM-8000", name: "Waschmaschine 8000", manufacturer_id: $m,
  price: {amount: "499.00", currency: "EUR"}}')" "$rkey" | jq .

say "sale, three days ago (serial $serial)"
api POST "$RETAILER_URL/api/retailers/$rid/sales" "$(jq -nc \
  --arg receipt "R-$run" --arg serial "$serial" --arg sold "$(ts '3 days ago')" \
  --arg cust "$customer_name" '{
  receipt_no: $receipt, sku: "WM-8000", serial: $serial,
  price_paid: {amount: "499.00", currency: "EUR"}, sold_at: $sold,
  customer: {name: $cust, phone: "+49 30 1234567", street: "Hauptstraße 1",
             postcode: "10115", city: "Berlin", country: "DE"}}')" "$rkey" | jq .

say "case: the machine washes badly"
case_id="$(api POST "$RETAILER_URL/api/retailers/$rid/cases" "$(jq -nc --arg s "$serial" '{
  serial: $s, defect_category: "does_not_start",
  defect_description: "Washes badly since the second day, drum barely turns."}')" "$rkey" | jq -r .id)"
echo "case id: $case_id"

say "swap approved at the counter (same model, delivery tomorrow 08:00-12:00 UTC)"
swap="$(api POST "$RETAILER_URL/api/retailers/$rid/cases/$case_id/swap" "$(jq -nc \
  --arg ws "$(ts 'tomorrow 08:00')" --arg we "$(ts 'tomorrow 12:00')" '{
  window_start: $ws, window_end: $we}')" "$rkey")"
echo "$swap" | jq .
swap_id="$(echo "$swap" | jq -r .swap_id)"

case_url="$RETAILER_URL/api/retailers/$rid/cases/$case_id"
# timeline_has CASE_JSON KIND: the case's timeline has an entry of that kind.
timeline_has() { jq -e --arg k "$2" '.timeline | any(.kind == $k)' <<<"$1" >/dev/null; }

# wait_for LABEL KIND...: poll the case until its timeline has an entry of every KIND.
wait_for() {
  local label="$1"; shift
  local deadline=$((SECONDS + DEMO_TIMEOUT)) case_json ok re
  say "waiting (up to ${DEMO_TIMEOUT}s) for: $label"
  while :; do
    case_json="$(api GET "$case_url" "" "$rkey")"
    ok=1
    for re in "$@"; do timeline_has "$case_json" "$re" || ok=0; done
    if ((ok)); then CASE_JSON="$case_json"; echo "seen after $((SECONDS - deadline + DEMO_TIMEOUT))s"; return 0; fi
    if ((SECONDS >= deadline)); then
      echo "$case_json" | jq . >&2
      die "timed out waiting for: $label"
    fi
    sleep 0.5
  done
}

wait_for "delivery job scheduled and claim decided" job_scheduled claim_decided

say "the crew's job"
job_id="$(jq -r '[.. | objects | .job_id? // empty] | first // empty' <<<"$CASE_JSON")"
if [[ -z "$job_id" ]]; then
  job_id="$(api GET "$LOGISTICS_URL/api/jobs?status=scheduled" "" "$OPERATOR_TOKEN" | jq -r \
    --arg swap "$swap_id" --arg case "$case_id" --arg serial "$serial" '
    (if type == "array" then . else (.items // .jobs // .data // []) end)
    | map(select(.swap_id == $swap or .case_id == $case or (tostring | contains($serial))))
    | .[0].id // empty')"
fi
[[ -n "$job_id" ]] || die "no scheduled logistics job found for swap $swap_id"
api GET "$LOGISTICS_URL/api/jobs/$job_id" "" "$OPERATOR_TOKEN" | jq .

say "crew delivers the replacement and collects $serial"
api POST "$LOGISTICS_URL/api/jobs/$job_id/complete" "$(jq -nc \
  --arg d "SN-WM8-$run-R" --arg c "$serial" --arg n "$customer_name" '{
  delivered_serial: $d, collected_serial: $c, recipient_name: $n}')" "$OPERATOR_TOKEN" | jq .

wait_for "replacement delivered and defective unit collected" delivered_and_collected

say "final case timeline"
jq '.timeline' <<<"$CASE_JSON"
