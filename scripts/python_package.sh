#!/usr/bin/env bash
# The Python package as a user gets it: a fresh venv, `pip install .` (maturin builds the
# binary), pandas and polars, then tests/python. Run by .ci/run after `cargo test`.
# PROFILE=dev (the default here) reuses the debug build `cargo test` just made; users get
# the release build `pip install .` makes by default.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/python-package/venv
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
MATURIN_PEP517_ARGS="--profile ${PROFILE:-dev}" "$venv/bin/python" -m pip install --quiet .
"$venv/bin/python" -m pip install --quiet pandas polars
# From outside the repository, so that `import mdl_fetch` is the installed package.
cd "$venv"
"$(pwd)/bin/python" -m unittest discover -v -s "$OLDPWD/tests/python" -t "$OLDPWD/tests/python"
