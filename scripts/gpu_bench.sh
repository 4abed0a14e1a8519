#!/usr/bin/env bash
# The GPU figures of BENCHMARKS.md ("bulk indexing") in one call on the lent GPU machine.
# Here, once: bash ../shared/gpu/prepare.sh (fills .gpu/: wheels, the model's shape, WordNet,
# SemCor), then, through the device tool, from the project root:
#
#     bash .gpu/run.sh bash scripts/gpu_bench.sh          (with --carry .gpu)
#
# It runs, on all of SemCor (run.sh unpacks it to /tmp/data): the job against bare encoder
# passes, serial and pipelined, two rounds, in fp32 then in bf16 (words/s, the ratio, GPU
# utilization and memory sampled every 100 ms), then bf16 against fp32 on the same sentences
# (speed and cosine drift). Figures go to $OUT (the device tool's folder; runs/gpu here).
# About 4-6 minutes on one H200 (a SemCor job there took 17 s, a bare pass 5-7 s).
set -u
OUT=${OUT:-runs/gpu}
DATA=${DATA:-/tmp/data/semcor.data.xml}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.csv" 2>&1
for dtype in fp32 bf16; do
    python3 scripts/bench_index.py --data "$DATA" --index "/tmp/bench-index-$dtype" \
        --device cuda --dtype "$dtype" --modes serial,pipelined --rounds 2 \
        --json "$OUT/bench_index_$dtype.json" > "$OUT/bench_index_$dtype.log" 2>&1
    echo "bench_index $dtype: exit $?"
    rm -rf "/tmp/bench-index-$dtype"-*
done
python3 scripts/bench_dtype.py --data "$DATA" --dtype bf16 --device cuda --rounds 2 \
    --work /tmp/bench-dtype --json "$OUT/bench_dtype_bf16.json" > "$OUT/bench_dtype.log" 2>&1
echo "bench_dtype bf16: exit $?"
tail -n 40 "$OUT"/bench_index_fp32.json "$OUT"/bench_index_bf16.json
