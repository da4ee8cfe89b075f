#!/usr/bin/env bash
# Real gRPC through the gateway, as the seed shows it: a grpcio health server as the
# deployment's upstream, and grpcio clients calling it over the console's TLS listener with
# grpc.secure_channel and grpc.access_token_call_credentials (the access matrix, unary and
# server-streaming calls; scripts/grpc_clients.py). Run by `make test` after
# scripts/install-venv.sh has installed grpcio.
set -euo pipefail

bin="${BENTO_CONSOLE_BIN:?set BENTO_CONSOLE_BIN to the bento-console binary}"
python="${BENTO_CONSOLE_GRPC_VENV:-$HOME/.cache/bento-console/grpc-venv}/bin/python"
clients="$(dirname "$0")/grpc_clients.py"
work="$(mktemp -d)"
source "$(dirname "$0")/lib/console.sh"
upstream_pid=""
trap 'console_stop; kill $upstream_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

domain="mybentocloud.apps.localhost"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj "/CN=bento-console test" \
  -addext "subjectAltName=DNS:*.$domain,IP:127.0.0.1" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

upstream_port="$(free_port)"
"$python" "$clients" serve "$upstream_port" >"$work/upstream.log" 2>&1 &
upstream_pid=$!

port="$(free_port)"
console_admin ada@example.com mybentocloud
for deployment in summarize:protected open:public hidden:private; do
  "$bin" deployment create --name "${deployment%%:*}" --upstream "http://127.0.0.1:$upstream_port" \
    --access "${deployment##*:}" >/dev/null
done
curl_tls=(--cacert "$work/cert.pem")
console_start "https://127.0.0.1:$port" --addr "127.0.0.1:$port" --tls-cert "$work/cert.pem" --tls-key "$work/key.pem"
for _ in $(seq 100); do grep -q ready "$work/upstream.log" && break; sleep 0.1; done
console_sign_in
user="$(console_token "name=grpc-user&user=on&deployment_ids[]=1")"
developer="$(console_token "name=grpc-developer&developer=on")"

"$python" "$clients" check --target "127.0.0.1:$port" --ca "$work/cert.pem" --domain "$domain" \
  --user "$user" --developer "$developer"
