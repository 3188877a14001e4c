"""NFAD on the shared ADBench sets under the benchmark protocol (P2 novelty, P3 semi-supervised).

Runs NFAD configurations side by side with FlowDensity, IForest, a supervised
HistGradientBoosting on the labels and (optionally) PyOD's DevNet, on the same splits,
and appends one CSV row per (dataset, seed, setting, n_labelled, detector). It resumes:
rows already in the CSV are skipped.

The data and the split are the benchmark harness's (``skflowad.benchmark``: ``load_dataset``,
``make_split``, ``setting_data``). P3 differs from the protocol on purpose: the share of
train anomalies labelled is ``--label-fractions`` (the protocol's ``p3_labels`` has 10 %
only; a fraction of 0 labels none, as the study of known anomalies needs), and the labelled
rows are drawn with ``np.random.default_rng(seed)``, not ``RandomState(seed)``, so that the
committed results reproduce.

Examples
--------
Defaults study (small budget)::

    OMP_NUM_THREADS=1 python benchmarks/papers/nfad_adbench.py --quick \\
        --nfad-configs benchmarks/papers/nfad_configs.json --out benchmarks/results/nfad_defaults.csv

Known anomalies growing (0, 1, 5, 10 % of train anomalies)::

    OMP_NUM_THREADS=1 python benchmarks/papers/nfad_adbench.py --settings P3 \\
        --label-fractions 0 0.01 0.05 0.1 --datasets 6_cardio 38_thyroid 40_vowels
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.preprocessing import StandardScaler

from skflowad.benchmark.result_csv import appender, done_keys
from skflowad import NFAD, FlowDensity
from skflowad.benchmark import DatasetRef, load_dataset, make_split, setting_data

ROOT = Path(__file__).resolve().parents[2]

QUICK_SETS = ["4_breastw", "6_cardio", "18_Ionosphere", "38_thyroid", "40_vowels", "42_WBC"]
FIELDS = ["dataset", "seed", "setting", "n_labelled", "detector", "auroc", "auprc",
          "fit_s", "score_s", "n_train", "n_features", "capped", "device"]


def load(name: str, data_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    path = data_dir / f"{name}.npz"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; set SKFLOWAD_DATA to the ADBench folder.")
    return load_dataset(DatasetRef(name, str(path)))


def detectors(setting, nfad_configs, refs, seed, device, label_blind=True):
    """(name, estimator, uses_labels); label-blind references only when ``label_blind``."""
    for name, params in nfad_configs.items():
        yield f"NFAD[{name}]", NFAD(random_state=seed, device=device, **params), True
    if not label_blind:  # P3 with another label count: their fit would be the same
        refs = [r for r in refs if r in ("hgb", "devnet")]
    if "flowdensity" in refs:
        yield "FlowDensity", FlowDensity(random_state=seed, device=device), False
    if "iforest" in refs:
        from pyod.models.iforest import IForest

        yield "IForest", IForest(random_state=seed), False
    if setting == "P3" and "hgb" in refs:
        yield "HGB(y_lab)", HistGradientBoostingClassifier(random_state=seed), True
    if setting == "P3" and "devnet" in refs:
        from pyod.models.devnet import DevNet

        yield "PyOD DevNet", DevNet(random_seed=seed, device="cpu"), True


def run_one(det, uses_labels, Xfit, yfit, Xte):
    t = time.perf_counter()
    if isinstance(det, HistGradientBoostingClassifier):
        if yfit.sum() == 0:
            return None
        det.fit(Xfit, yfit)
        fit_s = time.perf_counter() - t
        t = time.perf_counter()
        scores = det.decision_function(Xte)
    else:
        det.fit(Xfit, yfit) if uses_labels else det.fit(Xfit)
        fit_s = time.perf_counter() - t
        t = time.perf_counter()
        scores = det.decision_function(Xte)
    return np.asarray(scores, dtype=np.float64), fit_s, time.perf_counter() - t


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--datasets", nargs="*", default=None, help="default: every .npz there")
    p.add_argument("--quick", action="store_true", help=f"{QUICK_SETS}, seed 0, cap 2000")
    p.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    p.add_argument("--settings", nargs="*", default=["P2", "P3"])
    p.add_argument("--cap", type=int, default=5000)
    p.add_argument("--label-fractions", nargs="*", type=float, default=[0.1],
                   help="P3: share of train anomalies labelled (0 = none)")
    p.add_argument("--nfad-configs", default=None,
                   help='JSON file or string {"name": {params}}; default {"default": {}}')
    p.add_argument("--refs", nargs="*", default=["flowdensity", "iforest", "hgb", "devnet"])
    p.add_argument("--device", default="auto")
    p.add_argument("--out", default=str(ROOT / "benchmarks/results/nfad_adbench.csv"))
    args = p.parse_args(argv)
    if args.quick:
        args.datasets = args.datasets or QUICK_SETS
        args.seeds, args.cap = [0], min(args.cap, 2000)
    data_dir = Path(os.environ.get("SKFLOWAD_DATA", ROOT.parent / "shared/data/adbench"))
    names = args.datasets or sorted(f.stem for f in data_dir.glob("*.npz"))
    configs = {"default": {}}
    if args.nfad_configs:
        src = args.nfad_configs
        configs = json.loads(Path(src).read_text() if Path(src).exists() else src)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    done = done_keys(out, FIELDS[:5])  # the key as text, as in the CSV
    with appender(out, FIELDS) as write:
        for name in names:
            X, y = load(name, data_dir)
            for seed in args.seeds:
                data = make_split(X, y, seed, args.cap)
                Xtr, ytr, Xte, yte = data.X_train, data.y_train, data.X_test, data.y_test
                for setting in args.settings:
                    fractions = args.label_fractions if setting == "P3" else [0.0]
                    for i, frac in enumerate(fractions):
                        rng = np.random.default_rng(seed)
                        if setting == "P2":
                            Xfit, _ = setting_data(data, "P2", seed)
                            yfit = np.zeros(len(Xfit), int)
                        else:
                            anomalies = np.flatnonzero(ytr == 1)
                            n_lab = 0 if frac == 0 else max(1, round(frac * len(anomalies)))
                            yfit = np.zeros(len(ytr), int)
                            yfit[rng.choice(anomalies, n_lab, replace=False)] = 1
                            Xfit = Xtr
                        scaler = StandardScaler().fit(Xfit)
                        Xf, Xt = scaler.transform(Xfit), scaler.transform(Xte)
                        for det_name, det, uses_labels in detectors(
                            setting, configs, args.refs, seed, args.device, label_blind=i == 0
                        ):
                            key = (name, str(seed), setting, str(int(yfit.sum())), det_name)
                            if key in done:
                                continue
                            try:
                                res = run_one(det, uses_labels, Xf, yfit, Xt)
                            except Exception as exc:  # report, keep going
                                print(f"{key}: {type(exc).__name__}: {exc}", flush=True)
                                continue
                            if res is None:
                                continue
                            scores, fit_s, score_s = res
                            row = dict(zip(FIELDS[:5], key))
                            row.update(
                                auroc=roc_auc_score(yte, scores),
                                auprc=average_precision_score(yte, scores),
                                fit_s=round(fit_s, 2), score_s=round(score_s, 3),
                                n_train=len(yfit), n_features=Xtr.shape[1],
                                capped=data.capped,
                                device=getattr(det, "device_", "cpu"),
                            )
                            write(row)
                            print(f"{key} auroc={row['auroc']:.3f} fit={fit_s:.1f}s", flush=True)


if __name__ == "__main__":
    main()
