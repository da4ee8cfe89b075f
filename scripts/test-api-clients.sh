#!/usr/bin/env bash
# Real clients against a real bento-console and its Developer API:
# - the `bentoml` CLI: a Developer token logs in and lists deployments and tokens; a User-only
#   token and a bogus token are refused with the CLI's 401 message;
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
