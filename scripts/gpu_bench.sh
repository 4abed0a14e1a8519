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
# (speed and cosine drift), then opening the fp32 SemCor index and its first answers.
# Figures go to $OUT (the device tool's folder; runs/gpu here).
# About 4-6 minutes on one H200 (a SemCor job there took 17 s, a bare pass 5-7 s).
set -u
OUT=${OUT:-runs/gpu}
DATA=${DATA:-/tmp/data/semcor.data.xml}
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.csv" 2>&1
# STEPS=open runs only the last step (it builds the index it opens first, one round)
STEPS=${STEPS:-all}
if [ "$STEPS" = all ]; then
for dtype in fp32 bf16; do
    timeout 240 python3 scripts/bench_index.py --data "$DATA" --index "/tmp/bench-index-$dtype" \
        --device cuda --dtype "$dtype" --modes serial,pipelined --rounds 2 \
        --json "$OUT/bench_index_$dtype.json" > "$OUT/bench_index_$dtype.log" 2>&1
    echo "bench_index $dtype: exit $?"
    [ "$dtype" = fp32 ] && mv /tmp/bench-index-fp32-serial /tmp/semcor-index
    rm -rf "/tmp/bench-index-$dtype"-*
done
timeout 90 python3 scripts/bench_dtype.py --data "$DATA" --dtype bf16 --device cuda --rounds 2 \
    --work /tmp/bench-dtype --json "$OUT/bench_dtype_bf16.json" > "$OUT/bench_dtype.log" 2>&1
echo "bench_dtype bf16: exit $?"
else
    timeout 120 python3 scripts/bench_index.py --data "$DATA" --index /tmp/bench-index-fp32 \
        --device cuda --rounds 1 > "$OUT/bench_index_open.log" 2>&1
    echo "bench_index (for bench_open): exit $?"
    mv /tmp/bench-index-fp32-serial /tmp/semcor-index
fi
# opening the SemCor index and its first answer, from process start (the issue saw 30 s there)
timeout 90 python3 scripts/bench_open.py --index /tmp/semcor-index --rounds 3 --profile \
    --json "$OUT/bench_open.json" > "$OUT/bench_open.log" 2>&1
echo "bench_open: exit $?"
for n in 1 2; do
    timeout 60 python3 scripts/bench_open_steps.py --index /tmp/semcor-index \
        > "$OUT/bench_open_steps_$n.log" 2>&1
done
echo "bench_open_steps: exit $?"
cat "$OUT"/bench_open_steps_*.log
tail -n 40 "$OUT"/bench_*.json
