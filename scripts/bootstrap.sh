# Sourced by scripts/demo and scripts/test: create .venv if needed and install the pinned dependencies.
# Usage: bootstrap_venv requirements/base.txt [more requirement files...]
set -euo pipefail

bootstrap_venv() {
  local python="${PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
    echo "Tandem needs Python 3.11 or newer (set PYTHON=/path/to/python3.11)." >&2
    exit 1
  fi
  if [ ! -x .venv/bin/python ]; then
    echo "Creating the virtualenv in .venv"
    "$python" -m venv .venv
  fi
  local stamp=".venv/.installed-$(cat "$@" pyproject.toml | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    echo "Installing pinned dependencies ($*)"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
    for req in "$@"; do
      .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"
    done
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
    rm -f .venv/.installed-* && touch "$stamp"
  fi
}
