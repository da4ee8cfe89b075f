#!/usr/bin/env bash
# Installs pinned Python packages into a cached virtualenv, skipping it when they are there.
# Usage: scripts/install-venv.sh VENV_DIR PACKAGE==VERSION...
set -euo pipefail

venv="$1"; shift
# Written last and named after the package list, so a half-finished or changed install is redone.
stamp="$venv/.installed-$(echo "$*" | sha256sum | cut -c1-16)"
[[ -f "$stamp" ]] && exit 0
echo "==> installing $* into $venv" >&2
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet "$@"
touch "$stamp"
