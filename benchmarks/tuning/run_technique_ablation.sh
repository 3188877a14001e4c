#!/usr/bin/env bash
# Each technique of FlowDensity's training recipe alone, on top of the plain fit, and the
# defaults without each one, at the code of the current defaults: P2 and P1 on the 45 shared
# sets (PROTOCOL.md splits), seeds from SEEDS (default "0 1 2"). FlowDensity ignores labels, so its P3 is its P1. The full recipe is the
# grid's FlowDensity rows (benchmarks/results/grid/results.csv). Resumes from its CSV.
#   SKFLOWAD_DATA=../shared/data/adbench nohup bash benchmarks/tuning/run_technique_ablation.sh > ablation.log 2>&1 &
#   python benchmarks/tuning/technique_ablation_report.py
# The variants (each a --param override of FlowDensity):
#   [none]         no noise, no clip, no trim, no whitening: the papers' LL-Flow (with the off-support term)
#   [noise_only]   train_noise="auto" (dequantisation of grid columns, N(0, 0.01^2) on the others)
#   [clip_only]    train_clip=10        [trim_only] train_trim="auto"
#   [whiten_only]  train_whiten="auto": run on the 16 sets wider than 128 features (WIDE) only;
#                  on the others it does not act, so their [none] rows stand for it (two
#                  narrow sets, 45_wine and 6_cardio, are run as a check of that identity)
#   [no_noise] [no_clip] [no_trim] [no_whiten]: the defaults with that one technique off
#                  ([no_whiten] on WIDE only, as [whiten_only])
set -euo pipefail -f
OUT=${OUT:-benchmarks/results/recipe/techniques}
JOBS=${JOBS:-2}
PY=${PY:-python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
DATASETS=$(sed -n '/^DATASETS="/,/"$/p' "$(dirname "$0")/../run_grid.sh" | tr -d '"' | sed 's/^DATASETS=//')
OFF="train_noise=None train_clip=None train_trim=0 train_whiten=False"
WIDE="17_InternetAds 25_musk CIFAR10_0 CIFAR10_4 MVTec-AD_bottle MVTec-AD_cable MVTec-AD_capsule
  MVTec-AD_grid MVTec-AD_hazelnut MVTec-AD_leather MVTec-AD_metal_nut MVTec-AD_tile
  MVTec-AD_toothbrush MVTec-AD_transistor SVHN_0 SVHN_8 45_wine 6_cardio"
declare -A KEEP=([none]="" [noise_only]=train_noise [clip_only]=train_clip
                 [trim_only]=train_trim [whiten_only]=train_whiten)
for SEED in ${SEEDS:-0 1 2}; do
  for NAME in ${VARIANTS:-none noise_only clip_only trim_only whiten_only no_noise no_clip no_trim no_whiten}; do
    PARAMS=()
    for SETTING in $OFF; do
      if [[ $NAME == no_* ]]; then  # only the named technique off
        [[ "${SETTING%%=*}" == "train_${NAME#no_}" ]] && PARAMS+=(--param "FlowDensity[$NAME].$SETTING")
      else  # only the kept technique on
        [[ "${SETTING%%=*}" == "${KEEP[$NAME]}" ]] || PARAMS+=(--param "FlowDensity[$NAME].$SETTING")
      fi
    done
    SETS=$DATASETS; [[ $NAME == *whiten* ]] && SETS=$WIDE
    $PY -m skflowad.benchmark --datasets $SETS --settings P2 P1 --seeds "$SEED" \
        --detectors "FlowDensity[$NAME]" "${PARAMS[@]}" --out "$OUT" --n-jobs "$JOBS" \
        --no-progress --no-figures
  done
done
