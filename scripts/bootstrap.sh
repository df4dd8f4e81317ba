#!/usr/bin/env bash
# Set up a development environment in .venv (core, every plugin, test tools) and play
# the offline demo stream. Safe to run again. Needs python3 >= 3.10 and PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
plugins=()
for dir in plugins/*/; do
  [ -f "$dir/pyproject.toml" ] && plugins+=(-e "$dir")
done
.venv/bin/python -m pip install --quiet -e ".[testing,serve,postgres,otel]" "${plugins[@]}" -r requirements-dev.txt
echo "rillet is installed in .venv — streaming the offline demo:"
.venv/bin/rillet chat -m replay/demo "Why is the sky blue?" -u
