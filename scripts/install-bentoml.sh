#!/usr/bin/env bash
# Installs the real `bentoml` CLI into a cached virtualenv for the CLI tests, skipping it when
# already there. `pip install bentoml` fails here on its pin of a certifi release newer than the
# package index has, so: the bentoml wheel without dependencies, then its requirements (extras
# left out, certifi unpinned; it is only the CA bundle).
set -euo pipefail

BENTOML_VERSION="${BENTOML_VERSION:-1.4.40}"
venv="${BENTO_CONSOLE_VENV:-$HOME/.cache/bento-console/venv}"

# Written last, so a half-finished install is redone.
stamp="$venv/.installed-bentoml-$BENTOML_VERSION"
[[ -f "$stamp" ]] && exit 0
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
