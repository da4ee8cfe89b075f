#!/usr/bin/env bash
# Real clients against a real bento-console and its Developer API:
# - the `bentoml` CLI: a Developer token logs in and lists deployments and tokens; `api-token
#   create/get/delete` and `deployment update --access-authorization` change what the console
#   shows (its own server functions and command line, and the gateway); a User-only token and a
#   bogus token are refused with the CLI's 401 message;
# - schemathesis: property-based requests generated from /api/openapi.json, checking that
#   nothing answers 5xx and every response matches the document.
# Run by `make test` after scripts/install-bentoml.sh and scripts/install-venv.sh.
set -euo pipefail

bin="${BENTO_CONSOLE_BIN:?set BENTO_CONSOLE_BIN to the bento-console binary}"
bentoml="${BENTO_CONSOLE_VENV:-$HOME/.cache/bento-console/venv}/bin/bentoml"
schemathesis="${BENTO_CONSOLE_SCHEMATHESIS_VENV:-$HOME/.cache/bento-console/schemathesis-venv}/bin/st"
work="$(mktemp -d)"
source "$(dirname "$0")/lib/console.sh"
trap 'console_stop; rm -rf "$work"' EXIT

passed=0
failed=0
check() { # check NAME EXPECTED_TEXT ACTUAL_TEXT
  if grep -qF -- "$2" <<<"$3"; then
    passed=$((passed + 1)); echo "ok - $1"
  else
    failed=$((failed + 1)); echo "FAILED - $1: expected to find '$2' in:"; sed 's/^/    /' <<<"$3"
  fi
}
refute() { # refute NAME UNEXPECTED_TEXT ACTUAL_TEXT
  if grep -qF -- "$2" <<<"$3"; then
    failed=$((failed + 1)); echo "FAILED - $1: found '$2'"
  else
    passed=$((passed + 1)); echo "ok - $1"
  fi
}

port="$(free_port)"
console_admin ada@example.com mybentocloud
"$bin" deployment create --name summarize --upstream http://127.0.0.1:3999 --access protected >/dev/null
console_start "http://127.0.0.1:$port" --addr "127.0.0.1:$port"

# Tokens are created the way the console's page creates them: signed in, through its server function.
console_sign_in
developer="$(console_token "name=cli&developer=on")"
user_only="$(console_token "name=frontend&user=on&deployment_ids[]=1")"

export BENTOML_HOME="$work/bentoml" BENTOML_DO_NOT_TRACK=true
out="$("$bentoml" cloud login --api-token "$developer" --endpoint "$base" 2>&1)"
check "cloud login succeeds" "Logged in as ada@example.com at mybentocloud organization" "$out"
out="$("$bentoml" cloud current-context 2>&1)"
check "current-context names the endpoint" "\"endpoint\": \"$base\"" "$out"
check "current-context names the user" '"email": "ada@example.com"' "$out"
out="$("$bentoml" deployment list 2>&1)"
check "deployment list shows the deployment" "summarize" "$out"
out="$("$bentoml" deployment get summarize 2>&1)"
check "deployment get shows its URL" "http://summarize.mybentocloud.apps.localhost:$port" "$out"
out="$("$bentoml" deployment get nope 2>&1 || true)"
check "deployment get of an unknown name fails" "not found" "${out,,}"
out="$("$bentoml" api-token list 2>&1)"
check "api-token list shows the tokens" "frontend" "$out"
refute "api-token list never shows a secret" "${developer:10:20}" "$out"

# `--expires` goes out as the CLI's local clock without an offset, which the console takes as
# UTC: run the CLI in UTC so that the dates below are the ones it meant.
export TZ=UTC
# console_token_field NAME FIELD: a field of the token NAME as the console's page lists it.
console_token_field() {
  console_rpc list_api_tokens "search=$1&page=1" |
    python3 -c 'import json, sys; items = json.load(sys.stdin)["items"]; print(items[0][sys.argv[1]] if items else "absent")' "$2"
}
out="$("$bentoml" api-token create weekly -d "CI, for a week" --scope api --expires 7d 2>&1)"
check "api-token create shows the secret once" "API Token (save this" "$out"
check "api-token create --expires 7d prints the day a week from now" "Expires: $(date -u -d '+7 days' +%Y-%m-%d)" "$out"
weekly_uid="$(grep -oE 'tok-[0-9]+' <<<"$out" | head -1)"
weekly_secret="$(grep -oE 'bcst_[A-Za-z0-9]{49}' <<<"$out" | head -1)"
left="$(python3 -c 'import sys, time; print(int(sys.argv[1]) - int(time.time()))' "$(console_token_field weekly expires_at)")"
check "the console shows weekly expiring in 7 days" "yes" "$( ((left > 7 * 86400 - 300 && left <= 7 * 86400)) && echo yes || echo "no: $left s")"
check "the console shows weekly as a Developer token" "True" "$(console_token_field weekly is_developer)"
out="$("$bentoml" api-token create dated --scope api --expires 2030-01-31 2>&1)"
check "api-token create --expires DATE" "Expires: 2030-01-31 00:00:00" "$out"
check "the console shows dated expiring then" "$(date -u -d 2030-01-31 +%s)" "$(console_token_field dated expires_at)"
out="$("$bentoml" api-token create odd --scope admin 2>&1 || true)"
check "an unknown scope is refused" 'This console has no scope \"admin\"' "$out"
check "nothing is created for it" "absent" "$(console_token_field odd name)"
out="$("$bentoml" api-token get "$weekly_uid" 2>&1)"
check "api-token get shows a new token as never used" "Last Used At  Never" "$out"
curl -fsS -o /dev/null -H "X-YATAI-API-TOKEN: $weekly_secret" "$base/api/v1/auth/current"
sleep 0.5 # the use is recorded in the background
out="$("$bentoml" api-token get "$weekly_uid" 2>&1)"
check "api-token get shows when it was last used" "Last Used At  $(date -u +%Y-%m-%d)" "$out"
check "api-token get shows the description" "CI, for a week" "$out"
check "api-token get shows the scopes" "api, read_organization" "$out"
check "api-token get shows it is not expired" "Is Expired    False" "$out"
python3 -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute("update api_tokens set expires_at = 1 where name = ?", ("dated",)); db.commit()' "$work/console.db"
out="$("$bentoml" api-token get "$(grep -oE 'tok-[0-9]+' <<<"$("$bentoml" api-token list --search dated 2>&1)")" 2>&1)"
check "api-token get shows an expired token as expired" "Is Expired    True" "$out"
out="$("$bentoml" api-token delete "$weekly_uid" 2>&1)"
check "api-token delete" "deleted successfully" "$out"
check "the console no longer lists it" "absent" "$(console_token_field weekly name)"
out="$("$bentoml" api-token get "$weekly_uid" 2>&1 || true)"
check "api-token get of a deleted token" "not found" "$out"

# deployment update --access-authorization: false makes it Public (the gateway passes calls
# without a token on to the upstream, which is down: 502), true Protected again (401).
gateway_status() {
  curl -s -o /dev/null -w '%{http_code}' -H "Host: summarize.mybentocloud.apps.localhost:$port" "$base/"
}
check "summarize starts Protected" "401" "$(gateway_status)"
out="$("$bentoml" deployment update summarize --access-authorization false 2>&1)"
check "deployment update --access-authorization false" "updated successfully" "$out"
check "the console lists summarize as Public" "$(printf 'summarize\tpublic')" "$("$bin" deployment list)"
check "the gateway lets calls without a token through" "502" "$(gateway_status)"
out="$("$bentoml" deployment update summarize --access-authorization true 2>&1)"
check "deployment update --access-authorization true" "updated successfully" "$out"
check "the console lists summarize as Protected" "$(printf 'summarize\tprotected')" "$("$bin" deployment list)"
check "the gateway asks for a token again" "401" "$(gateway_status)"
out="$("$bentoml" deployment get summarize 2>&1)"
check "deployment get shows the access" "access_authorization: true" "$out"

export BENTOML_HOME="$work/bentoml-refused"
out="$("$bentoml" cloud login --api-token "$user_only" --endpoint "$base" 2>&1 || true)"
check "a User-only token cannot log in" "HTTP 401: Bad credentials" "$out"
out="$("$bentoml" cloud login --api-token bogus --endpoint "$base" 2>&1 || true)"
check "a bogus token cannot log in" "HTTP 401: Bad credentials" "$out"

# The token schemathesis uses must survive its own requests, so deleting tokens is left to the
# integration tests; schema-valid input that breaks a domain rule (a name with "_") is a 422 by
# design, so positive_data_acceptance does not apply.
fuzz_token="$(console_token "name=schemathesis&developer=on")"
if "$schemathesis" run "$base/api/openapi.json" -H "X-YATAI-API-TOKEN: $fuzz_token" --max-examples 25 \
    --checks all --exclude-checks positive_data_acceptance --exclude-operation-id delete_api_token \
    --seed 1 --no-color >"$work/schemathesis.log" 2>&1; then
  passed=$((passed + 1)); echo "ok - schemathesis: $(grep -E '[0-9]+ generated' "$work/schemathesis.log" | tr -s ' ')"
else
  failed=$((failed + 1)); echo "FAILED - schemathesis:"; sed 's/^/    /' "$work/schemathesis.log"
fi

echo "$passed passed, $failed failed"
[[ "$failed" == 0 ]]
