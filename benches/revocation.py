"""Revocation propagation between two replicas (run by benches/replicas.sh).

For each round: create a User token on replica A, call the deployment through replica B (B
now has the token cached), delete the token on A, then poll B until it refuses the token. The
time from A's answer to the delete to B's first refusal is one sample.

Usage: revocation.py A_BASE_URL B_BASE_URL COOKIE_FILE ROUNDS
"""

import http.client
import json
import statistics
import sys
import time
import urllib.parse


def session_cookie(path):
    for line in open(path):
        fields = line.rstrip("\n").split("\t")
        if len(fields) == 7 and fields[5] == "bento_console_session":
            return f"bento_console_session={fields[6]}"
    raise SystemExit("no session cookie in " + path)


def connection(base):
    url = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(url.hostname, url.port), url.port


def main():
    a_base, b_base, cookies, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    cookie = session_cookie(cookies)
    a, _ = connection(a_base)
    b, b_port = connection(b_base)
    host = f"fast.bench.apps.localhost:{b_port}"
    rpc_headers = {
        "Cookie": cookie,
        "Origin": a_base,
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded",
    }

    def rpc(name, form):
        a.request("POST", f"/rpc/{name}", urllib.parse.urlencode(form), rpc_headers)
        response = a.getresponse()
        body = response.read()
        if response.status >= 400:
            raise SystemExit(f"{name}: {response.status} {body[:200]!r}")
        return body

    def through_b(secret):
        b.request("GET", "/", headers={"Host": host, "Authorization": f"Bearer {secret}"})
        response = b.getresponse()
        response.read()
        return response.status

    samples = []
    for i in range(rounds):
        form = [("name", f"revoked-{time.time_ns()}-{i}"), ("description", ""), ("user", "on"),
                ("deployment_ids[]", "1"), ("expiration", "never"), ("confirm_never", "on")]
        created = json.loads(rpc("create_api_token", form))
        secret, token_id = created["secret"], created["token"]["id"]
        if through_b(secret) != 200:
            raise SystemExit("B refused a fresh token")
        rpc("delete_api_token", [("id", token_id)])
        acknowledged = time.perf_counter()
        # Refused is 401, or 429 once this address has failed 30 times in a minute (the
        # gateway's limiter): anything but 200.
        while through_b(secret) == 200:
            if time.perf_counter() - acknowledged > 5:
                raise SystemExit("B still accepts a deleted token after 5 s")
        samples.append(time.perf_counter() - acknowledged)

    samples.sort()
    ms = lambda s: f"{s * 1000:.2f} ms"
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    print(f"{len(samples)} revocations: p50 {ms(statistics.median(samples))}, p99 {ms(p99)}, max {ms(samples[-1])}")


main()
