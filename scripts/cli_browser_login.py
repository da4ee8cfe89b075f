"""Drives the real `bentoml cloud login` through its prompts, for end2end/tests/cli-login.spec.ts.

Run with the Python of the bentoml virtualenv (scripts/install-bentoml.sh installs bentoml and
pexpect there):

    python cli_browser_login.py ENDPOINT approve|decline

It chooses "Create a new API token with a web browser", says no to opening a browser, and
prints the sign-in URL the CLI shows as one JSON line: {"url": ...}. Then:

- approve: waits for the CLI to say it is logged in, runs `bentoml deployment list` with the
  context it stored, and prints {"logged_in": LINE, "deployments": OUTPUT}.
- decline: waits for a line on standard input (the browser has declined), watches the CLI keep
  polling for 3 seconds without a token, stops it with Ctrl+C, and prints
  {"logged_in": false, "context": OUTPUT of `bentoml cloud current-context`}.

Every run uses a temporary BENTOML_HOME and TZ=UTC, and exits non-zero on anything unexpected.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

import pexpect

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)")
BENTOML = os.path.join(os.path.dirname(sys.executable), "bentoml")


def plain(text):
    return ANSI.sub("", text)


def say(**fields):
    print(json.dumps(fields), flush=True)


def main(endpoint, mode):
    home = tempfile.mkdtemp(prefix="bentoml-home-")
    env = {**os.environ, "BENTOML_HOME": home, "BENTOML_DO_NOT_TRACK": "true", "TZ": "UTC"}
    cli = pexpect.spawn(BENTOML, ["cloud", "login", "--endpoint", endpoint], env=env,
                        encoding="utf-8", timeout=30, dimensions=(40, 300))
    cli.logfile_read = sys.stderr
    cli.expect("Create a new API token with a web browser")
    cli.send("\r")  # the first choice is selected
    cli.expect("Would you like to open")
    cli.sendline("n")
    cli.expect("yourself")
    url = re.search(r"Open (\S+) yourself", plain(cli.before + cli.after))
    if url is None:
        raise SystemExit("the CLI printed no sign-in URL")
    say(url=url.group(1))
    cli.expect("Waiting for authentication")

    if mode == "approve":
        cli.expect(r"Logged in as [^\r\n]+", timeout=60)
        logged_in = plain(cli.after).strip()
        cli.expect(pexpect.EOF)
        listed = subprocess.run([BENTOML, "deployment", "list"], env=env, capture_output=True, text=True)
        say(logged_in=logged_in, deployments=plain(listed.stdout + listed.stderr))
        return 0 if listed.returncode == 0 else 1

    sys.stdin.readline()
    if cli.expect([r"Logged in as", pexpect.TIMEOUT], timeout=3) == 0:
        raise SystemExit("the CLI logged in after the sign-in was declined")
    cli.sendintr()
    cli.expect(pexpect.EOF)
    context = subprocess.run([BENTOML, "cloud", "current-context"], env=env, capture_output=True, text=True)
    say(logged_in=False, context=plain(context.stdout + context.stderr))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
