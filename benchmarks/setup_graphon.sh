#!/usr/bin/env bash
# Create benchmarks/.venv-graphon (Python >= 3.12) with Dify's engine, graphon 0.8.0,
# the optional peer of benchmarks/engine_overhead.py.
#   benchmarks/setup_graphon.sh            # uses $GRAPHON_PYTHON, else python3.12 on PATH or pyenv 3.12
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv-graphon"
python="${GRAPHON_PYTHON:-}"
if [[ -z "$python" ]]; then
    for candidate in python3.13 python3.12 "$HOME/.pyenv/versions/3.12.1/bin/python"; do
        if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
            python="$(command -v "$candidate")"
            break
        fi
    done
fi
if [[ -z "$python" ]] || ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then
    echo "graphon needs Python >= 3.12: set GRAPHON_PYTHON=/path/to/python3.12" >&2
    exit 2
fi
if [[ ! -x "$venv/bin/python" ]]; then
    "$python" -m venv "$venv"
fi
timeout 900 "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "graphon==0.8.0"
"$venv/bin/python" -c 'import graphon.dsl, importlib.metadata as m; print("graphon", m.version("graphon"), "ready in '"$venv"'")'
