#!/usr/bin/env bash
# Create the separate environment the benchmarks run the peer toolkits in.
#
#   bash bench/setup_peers.sh [VENV_DIR]      (default: bench/.peers-venv, git-ignored)
#
# The peers are NEVER dependencies of spacy-weak: they live in their own venv and
# bench/speed.py talks to them only through the small scripts in bench/_peers/
# (JSON / DocBin in, JSON timings out).
#
# - skweak==0.3.3 (span-level peer: GazetteerAnnotator, HMM). Its metadata only says
#   spacy>=3.0, hmmlearn>=0.3.0, pandas>=0.23; it calls hmmlearn's private
#   `_hmmc.forward_log` / `base._BaseHMM`, which hmmlearn 0.3.x still has, and it was
#   written against pandas 1.x/2.x, so pandas is pinned below 3. spaCy is pinned to the
#   same minor as the package so DocBins written by the benchmark load in the peer.
# - snorkel==0.10.0 (document-level peer for bench/textcat.py). torch is installed FIRST
#   from the CPU wheel (a local file satisfies torch==2.13.0), so pip never pulls a
#   CUDA build as a dependency of snorkel.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="${1:-$HERE/.peers-venv}"
PY="${PYTHON:-python3}"

SPACY_PIN="spacy==3.8.18"
HMMLEARN_PIN="hmmlearn==0.3.3"
PANDAS_PIN="pandas==2.2.3"
TORCH_PIN="torch==2.13.0"

if [ ! -x "$VENV/bin/python" ]; then
    echo "creating $VENV"
    "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install -q --disable-pip-version-check)

# 1. torch (CPU) before anything that could depend on it.
# A local CPU wheel (e.g. in pip's find-links) satisfies the pin; 2.13.0+cpu sorts above
# 2.13.0 so pip prefers it. The check below refuses a CUDA build.
"${PIP[@]}" "$TORCH_PIN"
"$VENV/bin/python" - <<'EOF'
import torch
assert not torch.version.cuda, f"a CUDA torch was installed ({torch.version.cuda}); remove it"
print("torch", torch.__version__, "(cpu)")
EOF

# 2. skweak with a working combination of its old dependencies.
"${PIP[@]}" "$SPACY_PIN" "$HMMLEARN_PIN" "$PANDAS_PIN" "skweak==0.3.3"

# 3. snorkel (its own pins; torch is already satisfied).
"${PIP[@]}" "snorkel==0.10.0" "$TORCH_PIN"

"$VENV/bin/python" - <<'EOF'
import hmmlearn, pandas, skweak, snorkel, spacy, torch
from skweak import gazetteers, generative  # noqa: F401  (imports the hmmlearn private paths)
print("peers ok: spacy", spacy.__version__, "skweak 0.3.3 hmmlearn", hmmlearn.__version__,
      "pandas", pandas.__version__, "snorkel", snorkel.__version__, "torch", torch.__version__)
EOF
echo "peers venv ready: $VENV"
