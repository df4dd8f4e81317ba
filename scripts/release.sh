#!/usr/bin/env bash
# Build the release wheels into dist/: the core (rillet) and every plugin under plugins/,
# with `python -m build` (hatchling comes from PyPI into build's isolated environment).
# Usage: bash scripts/release.sh [PYTHON]   (default: .venv/bin/python, which has `build`)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${1:-.venv/bin/python}"
rm -rf dist
projects=(.)
for dir in plugins/*/; do
  [ -f "$dir/pyproject.toml" ] && projects+=("${dir%/}")
done
for project in "${projects[@]}"; do
  if ! output="$("$PYTHON" -m build --wheel --outdir dist "$project" 2>&1)"; then
    echo "$output" >&2  # build's output only when it failed
    exit 1
  fi
done
ls dist/*.whl
