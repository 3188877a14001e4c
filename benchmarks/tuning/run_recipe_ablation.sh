#!/usr/bin/env bash
# FlowDensity's training recipe, each technique alone and together, P1 and P2 on the 45 shared
# sets (PROTOCOL.md splits), seeds from SEEDS (default 0). Resumes from its CSV.
#   SKFLOWAD_DATA=../shared/data/adbench SEEDS="0 1 2" nohup bash benchmarks/tuning/run_recipe_ablation.sh > recipe.log 2>&1 &
# (seeds 1 and 2 were run for [noise+clip], the fixed trims and [trim_auto] only.)
# The variants (each a --param override of FlowDensity; the others' values are the defaults:
# train_noise="auto", train_clip=10, train_trim="auto"):
#   [plain]        no noise, no clip, no trim: the papers' LL-Flow (with the off-support term)
#   [noise]        dequantisation alone          [clip]   training-row clip alone
#   [gauss]        N(0, 0.01^2) on every column + clip (instead of the per-column noise)
#   [noise+clip]   noise and clip, no trim       [trim05] [trim10] [trim20]: a fixed trim share
#   [b256]         noise + clip + the floor script's batch 256 and learning rate 1e-3
#   [trim_auto]    the defaults (noise + clip + trim "auto")
# Runs finished before the defaults settled are recorded under these names in results.csv.
set -euo pipefail -f
OUT=${OUT:-benchmarks/results/recipe}
JOBS=${JOBS:-2}
PY=${PY:-python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
DATASETS=$(sed -n '/^DATASETS="/,/"$/p' "$(dirname "$0")/../run_grid.sh" | tr -d '"' | sed 's/^DATASETS=//')
VARIANTS=(
  "FlowDensity[trim_auto]"
  "FlowDensity[plain] --param FlowDensity[plain].train_noise=None --param FlowDensity[plain].train_clip=None --param FlowDensity[plain].train_trim=0"
  "FlowDensity[noise] --param FlowDensity[noise].train_clip=None --param FlowDensity[noise].train_trim=0"
  "FlowDensity[clip] --param FlowDensity[clip].train_noise=None --param FlowDensity[clip].train_trim=0"
  "FlowDensity[gauss] --param FlowDensity[gauss].train_noise=0.01 --param FlowDensity[gauss].train_trim=0"
  "FlowDensity[noise+clip] --param FlowDensity[noise+clip].train_trim=0"
  "FlowDensity[trim05] --param FlowDensity[trim05].train_trim=0.05"
  "FlowDensity[trim10] --param FlowDensity[trim10].train_trim=0.1"
  "FlowDensity[trim20] --param FlowDensity[trim20].train_trim=0.2"
  "FlowDensity[b256] --param FlowDensity[b256].train_trim=0 --param FlowDensity[b256].batch_size=256 --param FlowDensity[b256].learning_rate=1e-3"
)
for SEED in ${SEEDS:-0}; do
  for V in "${VARIANTS[@]}"; do
    read -r NAME REST <<< "$V"
    # shellcheck disable=SC2086
    $PY -m skflowad.benchmark --datasets $DATASETS --settings P2 P1 --seeds "$SEED" \
        --detectors "$NAME" $REST --out "$OUT" --n-jobs "$JOBS" --no-progress --no-figures
  done
done
