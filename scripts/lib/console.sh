# Helpers for scripts that drive a real bento-console (sourced, not run). They expect:
#   bin   the bento-console binary,
#   work  a scratch directory (the database, cookies and logs go there).
# DATABASE_URL is pointed at $work/console.db when this file is sourced.

export DATABASE_URL="sqlite://$work/console.db" RUST_LOG="${RUST_LOG:-warn}"
console_password="correct horse battery"
console_pid=""
curl_tls=()

# require TOOL...: stops with what to install when a tool is missing.
require() {
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (Debian: apt-get install wrk nginx-light)" >&2; exit 1; }
  done
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# console_admin EMAIL ORGANIZATION: the first user, an admin, in a new organization.
console_admin() {
  echo "$console_password" | "$bin" user create --email "$1" --name Admin --admin --organization "$2" >/dev/null
  console_email="$1"
}

# console_start BASE_URL [SERVE FLAGS...]: serves in the background until /healthz answers.
# For https, set curl_tls=(--cacert FILE) first.
console_start() {
  base="$1"; shift
  "$bin" serve "$@" &
  console_pid=$!
  for _ in $(seq 100); do curl -fs "${curl_tls[@]}" "$base/healthz" >/dev/null && return; sleep 0.1; done
  echo "bento-console did not start at $base" >&2
  return 1
}

console_stop() {
  [[ -n "$console_pid" ]] && kill "$console_pid" 2>/dev/null && wait "$console_pid" 2>/dev/null
  console_pid=""
}

# console_rpc NAME FORM: a server-function call as the console's page makes it, signed in.
console_rpc() {
  curl -fsS "${curl_tls[@]}" -b "$work/cookies" -c "$work/cookies" -H "Origin: $base" -H "Accept: application/json" \
    --data "$2" "$base/rpc/$1"
}

console_sign_in() {
  console_rpc login "email=$console_email&password=${console_password// /+}" >/dev/null
}

# console_token FORM: creates a token (name=...&user=on&...) and prints its secret.
console_token() {
  console_rpc create_api_token "description=&expiration=never&confirm_never=on&$1" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["secret"])'
}

# wrk_measure CONNECTIONS SECONDS URL [wrk args...]: prints "requests/s p50 p99 non-2xx" of one
# keep-alive wrk run (2 threads, 1 for a single connection); latencies in ms.
wrk_measure() {
  local connections="$1" seconds="$2" url="$3"; shift 3
  wrk --latency -t"$((connections < 2 ? 1 : 2))" -c"$connections" -d"${seconds}s" "$@" "$url" |
    awk 'function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
         /Requests\/sec/ {rps=$2} / 50%/ {p50=ms($2)} / 99%/ {p99=ms($2)} /Non-2xx/ {bad=$NF}
         END {printf "%.0f %.3f %.3f %d\n", rps, p50, p99, bad}'
}

# rss_mb PID [VmRSS|VmHWM]: the process's resident memory now (or its peak), in MB.
rss_mb() {
  awk -v field="${2:-VmRSS}:" '$1 == field {printf "%.1f\n", $2 / 1024}' "/proc/$1/status"
}
