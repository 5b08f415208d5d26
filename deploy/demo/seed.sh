#!/usr/bin/env bash
# The demo cast, through the services' own doors (operator API, `retailer create-admin`, the
# desk's admin forms, the retailer's, manufacturer's and carrier's APIs), never their databases:
#
#   a retailer (Elektro Kaiser) with two stores, a stock location each with stock, an admin, a
#   manager and a clerk with authority limits, an integration key; a manufacturer (Waschwerk)
#   with an agreement and its API key; a carrier (Spree Logistik) with its region, contracted by
#   the retailer for it (offer through the retailer's API, accepted with the carrier's token), two crews
#   with a member each, a dispatcher; sales and cases in every state the system has: open,
#   waiting for a manager, swap approved with a visit today, crew on the way, delivered with the
#   claim decided, refused.
#
# Then it waits (on conditions, never a fixed sleep) until the visits are on the crews' pages,
# and prints every URL with the e-mail and password to sign in and the full keys. A second run
# finds the demo admin signing in and only prints what the first run saved.
#
#   RETAILER_URL, MANUFACTURER_URL, LOGISTICS_URL  default http://localhost:8081, :8082, :8083
#   DEMO_SHOW_RETAILER_URL, DEMO_SHOW_MANUFACTURER_URL, DEMO_SHOW_LOGISTICS_URL  the URLs to
#                    print, where they differ from those the seed calls (compose: localhost)
#   KUMMERER_OPERATOR_TOKEN  the services' operator token (default dev-operator-token, as
#                    deploy/native/up.sh and docker compose set it)
#   RETAILER_BIN     the retailer binary, for `create-admin` (default: target/debug/retailer,
#                    or `retailer` on the PATH as in the compose seed container)
#   RETAILER_DATABASE_URL  the retailer's database for `create-admin` (default
#                    postgres://postgres@127.0.0.1:5432/kummerer_retailer)
#   DEMO_PASSWORD    every demo account's password (default kummerer-demo)
#   DEMO_STATE       where the printed accounts are saved (default .run/demo-accounts.txt)
#   DEMO_TIMEOUT     seconds to wait for each asynchronous step (default 60)
# Needs bash, curl and jq.
set -euo pipefail

RETAILER_URL="${RETAILER_URL:-http://localhost:8081}"
MANUFACTURER_URL="${MANUFACTURER_URL:-http://localhost:8082}"
LOGISTICS_URL="${LOGISTICS_URL:-http://localhost:8083}"
SHOW_RETAILER_URL="${DEMO_SHOW_RETAILER_URL:-$RETAILER_URL}"
SHOW_MANUFACTURER_URL="${DEMO_SHOW_MANUFACTURER_URL:-$MANUFACTURER_URL}"
SHOW_LOGISTICS_URL="${DEMO_SHOW_LOGISTICS_URL:-$LOGISTICS_URL}"
OPERATOR_TOKEN="${KUMMERER_OPERATOR_TOKEN:-dev-operator-token}"
RETAILER_DATABASE_URL="${RETAILER_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/kummerer_retailer}"
PASSWORD="${DEMO_PASSWORD:-kummerer-demo}"
DEMO_STATE="${DEMO_STATE:-.run/demo-accounts.txt}"
DEMO_TIMEOUT="${DEMO_TIMEOUT:-60}"
if [[ -z "${RETAILER_BIN:-}" ]]; then
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  RETAILER_BIN="${CARGO_TARGET_DIR:-$repo/target}/${PROFILE:-debug}/retailer"
  [[ -x "$RETAILER_BIN" ]] || RETAILER_BIN="$(command -v retailer || true)"
fi

ADMIN=admin@elektro-kaiser.example
MANAGER=manager@elektro-kaiser.example
CLERK=clerk@elektro-kaiser.example
CREW_NORTH=crew-mitte@spree-logistik.example
CREW_SOUTH=crew-neukoelln@spree-logistik.example
DISPATCHER=dispatch@spree-logistik.example

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'seed: %s\n' "$*" >&2; exit 1; }
for tool in curl jq; do
  command -v "$tool" >/dev/null || die "$tool not found in PATH (apt-get install $tool)"
done
((${#PASSWORD} >= 12)) || die "DEMO_PASSWORD must be at least 12 characters"

# call METHOD URL AUTH [JSON]: the response body; fails on a non-2xx status, showing the
# problem+json. AUTH is "Bearer <token>", "Basic <user:password>" or "".
call() {
  local method="$1" url="$2" auth="$3" body="${4:-}" out status
  local args=(-sS -X "$method" -H 'Accept: application/json' -w '\n%{http_code}' --max-time 20)
  case "$auth" in
    Bearer\ *) args+=(-H "Authorization: $auth") ;;
    Basic\ *) args+=(-u "${auth#Basic }") ;;
  esac
  [[ -z "$body" ]] || args+=(-H 'Content-Type: application/json' --data "$body")
  out="$(curl "${args[@]}" "$url")" || die "$method $url: request failed"
  status="${out##*$'\n'}"
  out="${out%$'\n'*}"
  [[ "$status" == 2?? ]] || die "$method $url -> HTTP $status: $out"
  printf '%s' "$out"
}

# sign_in BASE ROOT EMAIL: the session cookie (`name=value`) of a page's sign-in, or nothing.
# The cookie is read from the answer and sent back by hand: it is `Secure`, and curl keeps such
# a cookie from a plain-HTTP answer only for localhost.
sign_in() {
  local base="$1" root="$2" email="$3" headers
  headers="$(curl -sS -o /dev/null -D - --max-time 20 -H "Origin: $base" \
    --data-urlencode "email=$email" --data-urlencode "password=$PASSWORD" \
    "$base$root/sign-in")" || die "POST $base$root/sign-in: request failed"
  grep -q '^HTTP/[0-9.]* 303' <<<"$headers" || return 0
  grep -i '^set-cookie:' <<<"$headers" | sed -E 's/^[Ss]et-[Cc]ookie: *([^;]*).*/\1/' \
    | grep -v -e '=$' -e '_probe=' | head -1
}

# page BASE PATH COOKIE: a signed-in page's HTML.
page() {
  curl -fsS --max-time 20 -H "Cookie: $3" "$1$2" || die "GET $1$2 failed"
}

# desk_form PATH FIELD=VALUE...: an admin form on the desk, as the admin; must answer 303.
desk_form() {
  local path="$1"; shift
  local args=() kv status
  for kv in "$@"; do args+=(--data-urlencode "$kv"); done
  status="$(curl -sS -o /tmp/kummerer-seed-form.$$ -w '%{http_code}' --max-time 20 \
    -H "Cookie: $DESK_COOKIE" -H "Origin: $RETAILER_URL" \
    --data-urlencode "csrf=$DESK_CSRF" "${args[@]}" "$RETAILER_URL/desk$path")"
  if [[ "$status" != 303 ]]; then
    sed -e 's/<[^>]*>/ /g' /tmp/kummerer-seed-form.$$ | tr -s ' \n' | grep -i -m3 'must\|error\|refused' >&2 || true
    rm -f /tmp/kummerer-seed-form.$$
    die "POST /desk$path -> HTTP $status"
  fi
  rm -f /tmp/kummerer-seed-form.$$
}

# option_id HTML LABEL: the value of the first <option> whose label starts with LABEL.
option_id() {
  grep -o "<option value=\"[0-9a-f-]\{36\}\"[^>]*>$2[^<]*" <<<"$1" | head -1 \
    | sed -E 's/<option value="([0-9a-f-]{36})".*/\1/'
}

# wait_until DESCRIPTION COMMAND...: retries COMMAND every half second until it succeeds.
wait_until() {
  local what="$1"; shift
  local deadline=$((SECONDS + DEMO_TIMEOUT))
  until "$@"; do
    ((SECONDS < deadline)) || die "timed out after ${DEMO_TIMEOUT}s waiting for: $what"
    sleep 0.5
  done
}

ts() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }

for url in "$RETAILER_URL" "$MANUFACTURER_URL" "$LOGISTICS_URL"; do
  wait_until "$url/ready" curl -fsS -o /dev/null --max-time 3 "$url/ready"
done

if [[ -n "$(sign_in "$RETAILER_URL" /desk "$ADMIN")" ]]; then
  say "the demo is seeded already ($ADMIN signs in)"
  if [[ -f "$DEMO_STATE" ]]; then
    cat "$DEMO_STATE"
  else
    echo "Its accounts were printed by the run that seeded it, but are not saved in $DEMO_STATE"
    echo "(another machine or container ran it, or it stopped half-way). Every account's password"
    echo "is $PASSWORD; the keys were shown once. To seed afresh, start with empty databases."
  fi
  exit 0
fi
[[ -n "$RETAILER_BIN" && -x "$RETAILER_BIN" ]] \
  || die "set RETAILER_BIN to the retailer binary (for create-admin); build it first"

say "manufacturer Waschwerk GmbH (operator)"
manufacturer="$(call POST "$MANUFACTURER_URL/api/manufacturers" "Bearer $OPERATOR_TOKEN" \
  '{"name": "Waschwerk GmbH"}')"
mid="$(jq -r .id <<<"$manufacturer")"
mkey="$(jq -r .api_key <<<"$manufacturer")"

say "retailer Elektro Kaiser and its first admin (retailer create-admin)"
created="$(KUMMERER_ADMIN_PASSWORD="$PASSWORD" DATABASE_URL="$RETAILER_DATABASE_URL" \
  "$RETAILER_BIN" create-admin --email "$ADMIN" --name "Anna Kaiser" \
  --new-retailer "Elektro Kaiser")" || die "retailer create-admin failed"
rid="$(awk '$1 == "retailer" {print $2}' <<<"$created")"
[[ -n "$rid" ]] || die "no retailer id in: $created"

say "integration key (the admin, HTTP Basic): swaps up to 1000.00 EUR alone"
rkey="$(call POST "$RETAILER_URL/api/retailers/$rid/keys" "Basic $ADMIN:$PASSWORD" \
  '{"name": "till", "approval_limit": {"amount": "1000.00", "currency": "EUR"}}' | jq -r .secret)"

# partner_state: the link's state as the retailer (R) or the manufacturer (M) holds it.
partner_state() {
  if [[ "$1" == R ]]; then
    call GET "$RETAILER_URL/api/retailers/$rid/partners" "Basic $ADMIN:$PASSWORD" \
      | jq -r --arg m "$mid" '.items[] | select(.manufacturer_id == $m) | .state'
  else
    call GET "$MANUFACTURER_URL/api/manufacturers/$mid/partners" "Bearer $mkey" \
      | jq -r --arg r "$rid" '.items[] | select(.retailer_id == $r) | .state'
  fi
}
partner_is() { [[ "$(partner_state "$1")" == "$2" ]]; }

say "partners: the admin invites Waschwerk GmbH (found by name), the manufacturer accepts"
wait_until "Waschwerk GmbH in the retailer's directory" partner_is R none
call POST "$RETAILER_URL/api/retailers/$rid/partners/$mid/invite" "Basic $ADMIN:$PASSWORD" >/dev/null
wait_until "the invitation at the manufacturer" partner_is M invited
call POST "$MANUFACTURER_URL/api/manufacturers/$mid/partners/$rid/accept" "Bearer $mkey" >/dev/null
wait_until "the link at the retailer" partner_is R linked

say "agreement: 24 months, 14 days DOA, 100 %, 25.00 EUR handling fee"
aid="$(call POST "$MANUFACTURER_URL/api/manufacturers/$mid/agreements" "Bearer $mkey" "$(jq -nc \
  --arg r "$rid" '{retailer_id: $r, currency: "EUR", coverage_months: 24, doa_days: 14,
  reimbursement_percent: 100, handling_fee: {amount: "25.00", currency: "EUR"},
  decision_deadline_days: 14}')" | jq -r .id)"
agreement_held() {
  [[ "$(call GET "$RETAILER_URL/api/retailers/$rid/agreements" "Basic $ADMIN:$PASSWORD" \
    | jq -r --arg a "$aid" '[.items[] | select(.agreement_id == $a)] | length')" == 1 ]]
}
wait_until "the agreement at the retailer" agreement_held
say "the admin accepts the agreement's version 1 (it takes effect)"
call POST "$RETAILER_URL/api/retailers/$rid/agreements/$aid/versions/1/accept" \
  "Basic $ADMIN:$PASSWORD" >/dev/null

say "products"
for p in "WM-8000|Waschmaschine 8000|499.00" "TR-9000|Wärmepumpentrockner 9000|1299.00"; do
  IFS='|' read -r sku name price <<<"$p"
  call POST "$RETAILER_URL/api/retailers/$rid/products" "Bearer $rkey" "$(jq -nc \
    --arg s "$sku" --arg n "$name" --arg p "$price" --arg m "$mid" \
    '{sku: $s, name: $n, manufacturer_id: $m, price: {amount: $p, currency: "EUR"}}')" >/dev/null
done

say "stores, stock, staff and limits (the desk's admin forms)"
DESK_COOKIE="$(sign_in "$RETAILER_URL" /desk "$ADMIN")"
[[ -n "$DESK_COOKIE" ]] || die "the admin cannot sign in on the desk"
admin_page() { page "$RETAILER_URL" /desk/admin "$DESK_COOKIE"; }
DESK_CSRF="$(admin_page | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')"
desk_form /admin/stores name="Kaiser Mitte"
desk_form /admin/stores name="Kaiser Neukölln"
html="$(admin_page)"
store_mitte="$(option_id "$html" "Kaiser Mitte")"
store_neukoelln="$(option_id "$html" "Kaiser Neukölln")"
desk_form /admin/locations name="Lager Mitte" phone="+49 30 1110000" street="Torstraße 1" \
  postcode=10119 city=Berlin country=DE store_id="$store_mitte"
desk_form /admin/locations name="Lager Neukölln" phone="+49 30 2220000" \
  street="Karl-Marx-Straße 100" postcode=12043 city=Berlin country=DE store_id="$store_neukoelln"
html="$(admin_page)"
for loc in "Lager Mitte" "Lager Neukölln"; do
  id="$(option_id "$html" "$loc")"
  [[ -n "$id" ]] || die "stock location $loc not on the admin page"
  desk_form /admin/stock location_id="$id" sku=WM-8000 quantity=12
  desk_form /admin/stock location_id="$id" sku=TR-9000 quantity=4
done
desk_form /admin/staff email="$MANAGER" name="Murat Yilmaz" role=manager password="$PASSWORD" \
  store_id="$store_mitte"
# The first clerk comes with the clerks' authority limit (the form asks for it).
desk_form /admin/staff email="$CLERK" name="Clara Becker" role=clerk password="$PASSWORD" \
  store_id="$store_neukoelln" clerk_limit=600.00 clerk_limit_currency=EUR
desk_form /admin/limits/manager amount=2500.00 currency=EUR

say "carrier Spree Logistik (operator): region Berlin 1x, two crews, a dispatcher"
carrier="$(call POST "$LOGISTICS_URL/api/carriers" "Bearer $OPERATOR_TOKEN" \
  '{"name": "Spree Logistik"}')"
cid="$(jq -r .id <<<"$carrier")"
ctoken="$(jq -r .api_token <<<"$carrier")"
call PUT "$LOGISTICS_URL/api/carriers/$cid/regions" "Bearer $OPERATOR_TOKEN" \
  '{"postcode_prefixes": ["10", "12"]}' >/dev/null
new_crew() {
  call POST "$LOGISTICS_URL/api/carriers/$cid/crews" "Bearer $ctoken" "$(jq -nc --arg n "$1" \
    --arg p "$2" '{name: $n, home_postcode_prefixes: [$p], visits_per_day: 8}')" | jq -r .id
}
new_member() {
  call POST "$1" "Bearer $ctoken" "$(jq -nc --arg e "$2" --arg n "$3" --arg p "$PASSWORD" \
    '{email: $e, name: $n, password: $p}')" >/dev/null
}
crew_north="$(new_crew "Team Mitte" 10)"
crew_south="$(new_crew "Team Neukölln" 12)"
new_member "$LOGISTICS_URL/api/carriers/$cid/crews/$crew_north/members" "$CREW_NORTH" "Jonas Wolf"
new_member "$LOGISTICS_URL/api/carriers/$cid/crews/$crew_south/members" "$CREW_SOUTH" "Leyla Demir"
new_member "$LOGISTICS_URL/api/carriers/$cid/dispatchers" "$DISPATCHER" "Paula Schmidt"

say "carrier contract: Elektro Kaiser contracts Spree Logistik for 10 and 12; the carrier accepts"
# The retailer finds the carrier by name in its directory (announced by logistics), offers the
# contract with its key, the carrier accepts with its token; jobs route only under a contract.
in_directory() {
  [[ -n "$(call GET "$RETAILER_URL/api/retailers/$rid/carriers?name=Spree" "Bearer $rkey"     | jq -r --arg c "$cid" '.items[] | select(.carrier_id == $c and (.regions | length) > 0) | .carrier_id')" ]]
}
wait_until "Spree Logistik in the retailer's carrier directory" in_directory
contract="$(call POST "$RETAILER_URL/api/retailers/$rid/carrier-contracts" "Bearer $rkey"   "$(jq -nc --arg c "$cid" '{carrier_id: $c, postcode_prefixes: ["10", "12"]}')" | jq -r .id)"
offer_arrived() {
  [[ -n "$(call GET "$LOGISTICS_URL/api/carriers/$cid/contracts" "Bearer $ctoken"     | jq -r --arg k "$contract" '.items[] | select(.id == $k) | .id')" ]]
}
wait_until "the contract offer at the carrier" offer_arrived
call POST "$LOGISTICS_URL/api/carriers/$cid/contracts/$contract/accept" "Bearer $ctoken" '{}' >/dev/null
contract_active() {
  [[ "$(call GET "$RETAILER_URL/api/retailers/$rid/carrier-contracts" "Bearer $rkey"     | jq -r --arg k "$contract" '.items[] | select(.id == $k) | .status')" == active ]]
}
wait_until "the contract active at the retailer" contract_active

say "sales and cases"
run="$(date -u +%Y%m%d%H%M%S)"
# sale N SKU PRICE DAYS_AGO NAME STREET POSTCODE: a sale; prints its serial.
sale() {
  local serial="SN-$2-$run-$1"
  call POST "$RETAILER_URL/api/retailers/$rid/sales" "Bearer $rkey" "$(jq -nc \
    --arg r "R-$run-$1" --arg sku "$2" --arg s "$serial" --arg p "$3" \
    --arg at "$(ts "$4 days ago")" --arg n "$5" --arg st "$6" --arg pc "$7" '{
    receipt_no: $r, sku: $sku, serial: $s, price_paid: {amount: $p, currency: "EUR"},
    sold_at: $at, customer: {name: $n, phone: "+49 30 5550100", street: $st, postcode: $pc,
    city: "Berlin", country: "DE"}}')" >/dev/null
  printf '%s' "$serial"
}
# open_case SERIAL CATEGORY TEXT: prints the case id.
open_case() {
  call POST "$RETAILER_URL/api/retailers/$rid/cases" "Bearer $rkey" "$(jq -nc --arg s "$1" \
    --arg c "$2" --arg d "$3" '{serial: $s, defect_category: $c, defect_description: $d}')" \
    | jq -r .id
}
# A window today (UTC), so the visits are on the crews' pages now.
window_start="$(date -u +%Y-%m-%dT%H:00:00Z)"
window_end="$(date -u -d "$window_start + 4 hours" +%Y-%m-%dT%H:%M:%SZ)"
[[ "${window_end:0:10}" == "${window_start:0:10}" ]] || window_end="${window_start:0:10}T23:59:00Z"
# swap CASE: approves the swap with today's window (the key); prints the answer.
swap() {
  call POST "$RETAILER_URL/api/retailers/$rid/cases/$1/swap" "Bearer $rkey" "$(jq -nc \
    --arg s "$window_start" --arg e "$window_end" '{window_start: $s, window_end: $e}')"
}
# job_of SWAP_ID: the logistics job of a swap, as the carrier sees it (empty until it arrives).
job_of() {
  call GET "$LOGISTICS_URL/api/jobs" "Bearer $ctoken" \
    | jq -r --arg s "$1" '(if type == "array" then . else .items // .jobs // [] end)
      | map(select(.swap_id == $s)) | .[0].id // empty'
}
has_job() { [[ -n "$(job_of "$1")" ]]; }

serial_open="$(sale 1 WM-8000 499.00 20 "Erika Mustermann" "Invalidenstraße 12" 10115)"
case_open="$(open_case "$serial_open" noise "Loud knocking when spinning.")"

serial_wait="$(sale 2 TR-9000 1299.00 5 "Hans Meier" "Chausseestraße 40" 10115)"
case_wait="$(open_case "$serial_wait" does_not_start "Shows error E21, does not start.")"
[[ -n "$(swap "$case_wait" | jq -r '.request_id // empty')" ]] \
  || die "the dryer's swap (1299.00 EUR) should wait for a manager (key limit 1000.00)"

serial_today="$(sale 3 WM-8000 499.00 3 "Sabine Braun" "Bergstraße 7" 10115)"
case_today="$(open_case "$serial_today" leak "Water under the machine after every wash.")"
swap_today="$(swap "$case_today" | jq -r .swap_id)"

serial_way="$(sale 4 WM-8000 499.00 6 "Ali Kaya" "Sonnenallee 50" 12045)"
case_way="$(open_case "$serial_way" does_not_start "Dead, no lights at all.")"
swap_way="$(swap "$case_way" | jq -r .swap_id)"

serial_done="$(sale 5 WM-8000 499.00 9 "Jana Novak" "Weserstraße 3" 12047)"
case_done="$(open_case "$serial_done" display "Display flickers and goes dark.")"
swap_done="$(swap "$case_done" | jq -r .swap_id)"

serial_refused="$(sale 6 WM-8000 499.00 400 "Peter Lang" "Linienstraße 8" 10119)"
case_refused="$(open_case "$serial_refused" other "Door seal torn, the customer moved it himself.")"
desk_form "/cases/$case_refused/refuse" reason_code=damage_by_customer \
  reason_text="Door seal torn in transport by the customer; not a manufacturing defect."

say "waiting for the jobs to reach the carrier"
for s in "$swap_today" "$swap_way" "$swap_done"; do
  wait_until "the job of swap $s at the carrier" has_job "$s"
done
job_way="$(job_of "$swap_way")"
job_done="$(job_of "$swap_done")"
call POST "$LOGISTICS_URL/api/jobs/$job_way/on-the-way" "Bearer $ctoken" '{}' >/dev/null
call POST "$LOGISTICS_URL/api/jobs/$job_done/complete" "Bearer $ctoken" "$(jq -nc \
  --arg d "$serial_done-R" --arg c "$serial_done" \
  '{delivered_serial: $d, recipient_name: "Jana Novak", collected_serial: $c}')" >/dev/null

case_has() {
  call GET "$RETAILER_URL/api/retailers/$rid/cases/$1" "Bearer $rkey" \
    | jq -e --arg k "$2" '.timeline | any(.kind == $k)' >/dev/null
}
wait_until "the delivered case on the desk" case_has "$case_done" delivered_and_collected
wait_until "the manufacturer's decision on the delivered case" case_has "$case_done" claim_decided
crew_page_has() {
  local cookie
  cookie="$(sign_in "$LOGISTICS_URL" /crew "$1")"
  [[ -n "$cookie" ]] && page "$LOGISTICS_URL" /crew "$cookie" | grep -qF "$2"
}
wait_until "Sabine Braun's visit on Team Mitte's page" crew_page_has "$CREW_NORTH" "Sabine Braun"
wait_until "Ali Kaya's visit on Team Neukölln's page" crew_page_has "$CREW_SOUTH" "Ali Kaya"

mkdir -p "$(dirname "$DEMO_STATE")"
cat >"$DEMO_STATE" <<EOF
Kümmerer demo, seeded $(date -u +%Y-%m-%dT%H:%M:%SZ). Every account's password: $PASSWORD

Retailer desk        $SHOW_RETAILER_URL/desk
  admin              $ADMIN        (Anna Kaiser: staff, limits, stores, stock, keys)
  manager            $MANAGER      (Murat Yilmaz, Kaiser Mitte: approves up to 2500.00 EUR)
  clerk              $CLERK        (Clara Becker, Kaiser Neukölln: approves up to 600.00 EUR)
  cases (desk pages, signed in)
    open                      $SHOW_RETAILER_URL/desk/cases/$case_open   (Erika Mustermann)
    waiting for a manager     $SHOW_RETAILER_URL/desk/cases/$case_wait   (Hans Meier, 1299.00 EUR)
    visit today               $SHOW_RETAILER_URL/desk/cases/$case_today   (Sabine Braun)
    crew on the way           $SHOW_RETAILER_URL/desk/cases/$case_way   (Ali Kaya)
    delivered, claim decided  $SHOW_RETAILER_URL/desk/cases/$case_done   (Jana Novak)
    refused                   $SHOW_RETAILER_URL/desk/cases/$case_refused   (Peter Lang)
  ledger             $SHOW_RETAILER_URL/desk/ledger
Crew page            $SHOW_LOGISTICS_URL/crew
  Team Mitte         $CREW_NORTH    (Jonas Wolf: Sabine Braun today)
  Team Neukölln      $CREW_SOUTH    (Leyla Demir: Ali Kaya today, on the way)
Dispatcher's board   $SHOW_LOGISTICS_URL/dispatch
  dispatcher         $DISPATCHER    (Paula Schmidt)

Keys (shown this once; keep them)
  retailer           $rid
    integration key  $rkey
                     (Authorization: Bearer; swaps up to 1000.00 EUR alone)
  manufacturer       $mid
    API key          $mkey
  carrier            $cid
    API token        $ctoken
  operator token     $OPERATOR_TOKEN   (all three services)

API documents: $SHOW_RETAILER_URL/docs  $SHOW_MANUFACTURER_URL/docs  $SHOW_LOGISTICS_URL/docs
EOF
cat "$DEMO_STATE"
