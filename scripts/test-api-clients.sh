#!/usr/bin/env bash
# Real clients against a real bento-console and its Developer API:
# - the `bentoml` CLI: a Developer token logs in and lists deployments and tokens; a User-only
#   token and a bogus token are refused with the CLI's 401 message;
# - schemathesis: property-based requests generated from /api/openapi.json, checking that
#   nothing answers 5xx and every response matches the document.
# Run by `make test` after scripts/install-bentoml.sh and scripts/install-schemathesis.sh.
set -euo pipefail

bin="${BENTO_CONSOLE_BIN:?set BENTO_CONSOLE_BIN to the bento-console binary}"
bentoml="${BENTO_CONSOLE_VENV:-$HOME/.cache/bento-console/venv}/bin/bentoml"
schemathesis="${BENTO_CONSOLE_SCHEMATHESIS_VENV:-$HOME/.cache/bento-console/schemathesis-venv}/bin/st"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

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

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
export DATABASE_URL="sqlite://$work/console.db" RUST_LOG=warn
echo "correct horse battery" | "$bin" user create --email ada@example.com --name Ada --admin --organization mybentocloud >/dev/null
"$bin" deployment create --name summarize --upstream http://127.0.0.1:3999 --access protected >/dev/null
"$bin" serve --addr "127.0.0.1:$port" &
server_pid=$!
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done

# Tokens are created the way the console's page creates them: signed in, through its server function.
rpc() { curl -fsS -b "$work/cookies" -c "$work/cookies" -H "Origin: $base" -H "Accept: application/json" --data "$2" "$base/rpc/$1"; }
secret() { python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])'; }
rpc login "email=ada@example.com&password=correct+horse+battery" >/dev/null
developer="$(rpc create_api_token "name=cli&description=&developer=on&expiration=never" | secret)"
user_only="$(rpc create_api_token "name=frontend&description=&user=on&deployment_ids[]=1&expiration=never" | secret)"

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
fuzz_token="$(rpc create_api_token "name=schemathesis&description=&developer=on&expiration=never" | secret)"
if "$schemathesis" run "$base/api/openapi.json" -H "X-YATAI-API-TOKEN: $fuzz_token" --max-examples 25 \
    --checks all --exclude-checks positive_data_acceptance --exclude-operation-id delete_api_token \
    --seed 1 --no-color >"$work/schemathesis.log" 2>&1; then
  passed=$((passed + 1)); echo "ok - schemathesis: $(grep -E '[0-9]+ generated' "$work/schemathesis.log" | tr -s ' ')"
else
  failed=$((failed + 1)); echo "FAILED - schemathesis:"; sed 's/^/    /' "$work/schemathesis.log"
fi

echo "$passed passed, $failed failed"
[[ "$failed" == 0 ]]
