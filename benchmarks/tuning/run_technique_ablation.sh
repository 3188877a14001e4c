#!/usr/bin/env bash
# Each technique of FlowDensity's training recipe alone, on top of the plain fit, at the code of
# the current defaults: P2 and P1 on the 45 shared sets (PROTOCOL.md splits), seeds from SEEDS
# (default "0 1 2"). FlowDensity ignores labels, so its P3 is its P1. The full recipe is the
# grid's FlowDensity rows (benchmarks/results/grid/results.csv). Resumes from its CSV.
#   SKFLOWAD_DATA=../shared/data/adbench nohup bash benchmarks/tuning/run_technique_ablation.sh > ablation.log 2>&1 &
#   python benchmarks/tuning/technique_ablation_report.py
# The variants (each a --param override of FlowDensity):
#   [none]         no noise, no clip, no trim, no whitening: the papers' LL-Flow (with the off-support term)
#   [noise_only]   train_noise="auto" (dequantisation of grid columns, N(0, 0.01^2) on the others)
#   [clip_only]    train_clip=10        [trim_only] train_trim="auto"
#   [whiten_only]  train_whiten="auto" (acts on the 16 sets wider than 128 features)
set -euo pipefail -f
OUT=${OUT:-benchmarks/results/recipe/techniques}
JOBS=${JOBS:-2}
PY=${PY:-python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
DATASETS=$(sed -n '/^DATASETS="/,/"$/p' "$(dirname "$0")/../run_grid.sh" | tr -d '"' | sed 's/^DATASETS=//')
OFF="train_noise=None train_clip=None train_trim=0 train_whiten=False"
declare -A KEEP=([none]="" [noise_only]=train_noise [clip_only]=train_clip
                 [trim_only]=train_trim [whiten_only]=train_whiten)
for SEED in ${SEEDS:-0 1 2}; do
  for NAME in none noise_only clip_only trim_only whiten_only; do
    PARAMS=()
    for SETTING in $OFF; do
      [[ "${SETTING%%=*}" == "${KEEP[$NAME]}" ]] || PARAMS+=(--param "FlowDensity[$NAME].$SETTING")
    done
    $PY -m skflowad.benchmark --datasets $DATASETS --settings P2 P1 --seeds "$SEED" \
        --detectors "FlowDensity[$NAME]" "${PARAMS[@]}" --out "$OUT" --n-jobs "$JOBS" \
        --no-progress --no-figures
  done
done
