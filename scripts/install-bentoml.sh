#!/usr/bin/env bash
# Installs the real `bentoml` CLI into a cached virtualenv for the CLI tests, skipping it when
# already there, and pexpect, which drives its interactive prompts (`bentoml cloud login`
# through the browser, end2end/tests/cli-login.spec.ts). `pip install bentoml` fails here on its pin of a certifi release newer than the
# package index has, so: the bentoml wheel without dependencies, then its requirements (extras
# left out, certifi unpinned; it is only the CA bundle).
set -euo pipefail

BENTOML_VERSION="${BENTOML_VERSION:-1.4.40}"
PEXPECT_VERSION=4.9.0
venv="${BENTO_CONSOLE_VENV:-$HOME/.cache/bento-console/venv}"

# Written last, so a half-finished install is redone.
pexpect_stamp="$venv/.installed-pexpect-$PEXPECT_VERSION"
stamp="$venv/.installed-bentoml-$BENTOML_VERSION"
install_pexpect() {
  if [[ ! -f "$pexpect_stamp" ]]; then
    "$venv/bin/pip" install --quiet "pexpect==$PEXPECT_VERSION"
    touch "$pexpect_stamp"
  fi
}
if [[ -f "$stamp" ]]; then
  install_pexpect
  exit 0
fi
echo "==> installing bentoml $BENTOML_VERSION into $venv (about a minute once)" >&2
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
wheels="$(mktemp -d)"
"$venv/bin/pip" download --quiet --no-deps "bentoml==$BENTOML_VERSION" -d "$wheels"
"$venv/bin/pip" install --quiet --no-deps "$wheels"/bentoml-*.whl
"$venv/bin/python" - <<'PY' > "$wheels/requirements.txt"
import importlib.metadata as metadata
for requirement in metadata.requires("bentoml") or []:
    if "extra ==" in requirement:
        continue
    print("certifi" if requirement.startswith("certifi") else requirement)
PY
"$venv/bin/pip" install --quiet -r "$wheels/requirements.txt"
rm -rf "$wheels"
"$venv/bin/bentoml" --version >&2
touch "$stamp"
install_pexpect
