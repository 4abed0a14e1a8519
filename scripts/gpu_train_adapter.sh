#!/usr/bin/env bash
# Train adapter heads on the lent GPU machine in one call (BENCHMARKS.md "An adapter head").
#
# Here, once:   bash scripts/gpu_train_adapter.sh prepare
#   fills .gpu-train/ (keep it out of git: /.gpu-train/ in .git/info/exclude): the default
#   model in float16 (44 MB; training runs in float32 with bf16 autocast), the word-piece data
#   (scripts/adapter_head_data.py, 6 MB), the wheels sensedb's import needs that the machine
#   lacks (SQLAlchemy, click, nltk: from .gpu/whl, see ../shared/gpu/prepare.sh) and a faiss
#   stand-in (training never searches; faiss's 19 MB wheel would not fit the 64 MiB carry).
# There:        device run --carry .gpu-train "bash scripts/gpu_train_adapter.sh run SECONDS \
#                   'NAME ARGS...' ..."
#   runs each 'NAME ARGS' (arguments of scripts/train_adapter_head.py) at once on the GPU,
#   each capped at SECONDS, and copies back only each run's head files and log (the call
#   returns few files). For a head whose scoring formula is then chosen here on its own
#   features, run 'tune --fold tuning' (SemCor minus scripts/tune_weights.py's documents)
#   beside 'all --fold -1', then here:
#     SENSEDB_HOME=H python scripts/tune_weights.py cache --head HEAD.npz --cache C   # ~6 min
#     python scripts/tune_weights.py tune --cache C --json OUT.json --keep corpus
set -u
mode=${1:-}; shift || true
if [ "$mode" = prepare ]; then
  set -e
  mkdir -p .gpu-train/whl .gpu-train/stub
  PYTHONPATH=. .venv/bin/python - <<'PY'
from transformers import AutoModel
from sensedb.encoder import default_model_path
AutoModel.from_pretrained(str(default_model_path())).half().save_pretrained(".gpu-train/model")
PY
  PYTHONPATH=. .venv/bin/python scripts/adapter_head_data.py --data ../shared/data \
      --out .gpu-train/data.npz
  cp .gpu/whl/sqlalchemy-*.whl .gpu/whl/click-*.whl .gpu/whl/nltk-*.whl .gpu-train/whl/
  printf '%s\n' '"""faiss stand-in: training an adapter head never searches."""' '' \
    'def __getattr__(name):' \
    '    raise ImportError(f"faiss.{name}: not installed on this machine")' \
    > .gpu-train/stub/faiss.py
  du -sh .gpu-train
  exit 0
fi
[ "$mode" = run ] || { echo "usage: $0 prepare | run SECONDS 'NAME ARGS...' ..." >&2; exit 2; }
cap=$1; shift
[ -n "${SKIP_WHEELS:-}" ] || python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site \
    .gpu-train/whl/*.whl || exit 1
export PYTHONPATH=.gpu-train/stub:/tmp/site:$PWD PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 \
       OMP_NUM_THREADS=2 TOKENIZERS_PARALLELISM=false
command -v nvidia-smi >/dev/null && nvidia-smi -L
out=${OUT:-/tmp/out}; mkdir -p "$out"
pids=()
for spec in "$@"; do
  set -- $spec; name=$1; shift
  ( timeout "$cap" python3 scripts/train_adapter_head.py --data .gpu-train/data.npz \
      --model .gpu-train/model --out "/tmp/runs/$name" --bf16 "$@" > "/tmp/runs-$name.log" 2>&1
    for f in /tmp/runs/"$name"/head-epoch*.npz /tmp/runs/"$name"/head-epoch*.json \
             /tmp/runs/"$name"/log.json; do
      [ -e "$f" ] && cp "$f" "$out/$name-$(basename "$f")"
    done ) &
  pids+=($!)
done
wait "${pids[@]}"
for log in /tmp/runs-*.log; do echo "== $log"; grep -vE "Warning|warn|Loading weights" "$log" | cut -c1-300 | tail -4; done
