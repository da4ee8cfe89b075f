#!/usr/bin/env bash
# Installs schemathesis (property-based API tests from the OpenAPI document) into its own cached
# virtualenv, skipping it when already there.
set -euo pipefail

SCHEMATHESIS_VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
venv="${BENTO_CONSOLE_SCHEMATHESIS_VENV:-$HOME/.cache/bento-console/schemathesis-venv}"
stamp="$venv/.installed-schemathesis-$SCHEMATHESIS_VERSION"
[[ -f "$stamp" ]] && exit 0
echo "==> installing schemathesis $SCHEMATHESIS_VERSION into $venv" >&2
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
touch "$stamp"
