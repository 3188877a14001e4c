#!/usr/bin/env bash
# FlowDensity's training recipe, each technique alone and together, P1 and P2 on the 45 shared
# sets (PROTOCOL.md splits), seeds from SEEDS (default 0). Resumes from its CSV.
#   SKFLOWAD_DATA=../shared/data/adbench nohup bash benchmarks/run_recipe_ablation.sh > recipe.log 2>&1 &
# FlowDensity: the adopted defaults (train_noise="auto", train_clip=10, off-support term);
# [plain]: no noise, no clip (the off-support term alone against the grid's FlowDensity rows);
# [noise]: noise alone; [clip]: clip alone; [gauss]: N(0, 0.01^2) on every column + clip;
# [trim]: the defaults + a trimmed likelihood (train_trim=0.1).
set -euo pipefail -f
OUT=${OUT:-benchmarks/results/recipe}
JOBS=${JOBS:-2}
PY=${PY:-python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
DATASETS=$(sed -n '/^DATASETS="/,/"$/p' "$(dirname "$0")/run_grid.sh" | tr -d '"' | sed 's/^DATASETS=//')
VARIANTS=(
  "FlowDensity"
  "FlowDensity[plain] --param FlowDensity[plain].train_noise=None --param FlowDensity[plain].train_clip=None"
  "FlowDensity[noise] --param FlowDensity[noise].train_clip=None"
  "FlowDensity[clip] --param FlowDensity[clip].train_noise=None"
  "FlowDensity[gauss] --param FlowDensity[gauss].train_noise=0.01"
  "FlowDensity[trim] --param FlowDensity[trim].train_trim=0.1"
)
for SEED in ${SEEDS:-0}; do
  for V in "${VARIANTS[@]}"; do
    read -r NAME REST <<< "$V"
    # shellcheck disable=SC2086
    $PY -m skflowad.benchmark --datasets $DATASETS --settings P2 P1 --seeds "$SEED" \
        --detectors "$NAME" $REST --out "$OUT" --n-jobs "$JOBS" --no-progress --no-figures
  done
done
