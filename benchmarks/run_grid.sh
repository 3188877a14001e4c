#!/usr/bin/env bash
# The full benchmark grid on the shared ADBench sets, in stages that matter most first.
# Each stage appends to one CSV and resumes: re-running this script skips finished rows.
#   SKFLOWAD_DATA=../shared/data/adbench nohup bash benchmarks/run_grid.sh > grid.log 2>&1 &
# Environment: OUT (results folder), JOBS (joblib workers), DEVICE (auto/cpu/cuda),
# SEEDS (default "0 1 2"), PART (all | references | skflowad: which detectors run; the
# references do not change when skflowad does, so they can run apart).
# DeepOD's DevNet needs an environment of its own (benchmarks/README.md) and is run
# from there with: --settings P3 --detectors DeepODDevNet. FlowDensity[inn] (IOCN's FLOW
# ablation) is no longer part of the grid: its command is in benchmarks/README.md.
set -euo pipefail
OUT=${OUT:-benchmarks/results/grid}
JOBS=${JOBS:-2}
DEVICE=${DEVICE:-auto}
PY=${PY:-python}
PART=${PART:-all}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} MKL_NUM_THREADS=${MKL_NUM_THREADS:-1}
# Smallest sets first, so an interrupted grid still covers many datasets.
DATASETS="45_wine 39_vertebral 42_WBC 46_WPBC 18_Ionosphere 43_WDBC 4_breastw
MVTec-AD_toothbrush 40_vowels MVTec-AD_bottle MVTec-AD_transistor MVTec-AD_metal_nut
MVTec-AD_grid MVTec-AD_tile MVTec-AD_capsule MVTec-AD_leather 6_cardio MVTec-AD_cable
20_letter 38_thyroid 7_Cardiotocography MVTec-AD_hazelnut 16_http 33_skin 34_smtp
23_mammography 2_annthyroid 32_shuttle 10_cover 11_donors 22_magic.gamma 28_pendigits
31_satimage-2 1_ALOI 30_satellite 25_musk 26_optdigits 8_celeba 5_campaign 24_mnist
17_InternetAds SVHN_0 CIFAR10_0 CIFAR10_4 SVHN_8"
CLASSICAL="IForest KNN LOF OCSVM ECOD COPOD PCA HBOS KDE GMM"
DEEP="DeepSVDD AutoEncoder DIF LUNAR"
OURS="skflowad"
run() { $PY -m skflowad.benchmark --datasets $DATASETS --out "$OUT" --device "$DEVICE" \
        --n-jobs "$JOBS" --no-progress --no-figures "$@"; }
pick() { case $PART in all) echo "$1 $2";; references) echo "$2";; skflowad) echo "$1";; esac; }
for SEED in ${SEEDS:-0 1 2}; do
  run --settings P2 --seeds "$SEED" --detectors $(pick "$OURS" "$CLASSICAL")
  run --settings P3 --seeds "$SEED" --detectors $(pick "NFAD ContrastiveFlow FlowDensity" \
      "IForest KNN HistGradientBoosting DevNet DevNetFixed")
  run --settings P1 --seeds "$SEED" --detectors $(pick skflowad "$CLASSICAL")
  [ "$PART" = skflowad ] || run --settings P2 P1 --seeds "$SEED" --detectors $DEEP
done
