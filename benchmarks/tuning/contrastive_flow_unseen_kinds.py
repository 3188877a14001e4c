"""ContrastiveFlow's clamp with known anomalies, on anomaly kinds it was not shown.

The known-anomaly-classes protocol of ``benchmarks/papers/nfad_digits.py`` (scikit-learn's
digits: one digit normal, ``k`` other digits known with ``--per-class`` labelled rows each, the
remaining digits unseen, test only) with ContrastiveFlow fitted at several
``epsilon_quantile`` values, and without labels (the normals alone) as the one-class reference.
AUROC on all test anomalies and on the unseen kinds alone; one CSV row per fit.

    OMP_NUM_THREADS=1 python benchmarks/tuning/contrastive_flow_unseen_kinds.py \\
        --normal 0 8 --known 0 1 2 4 --seeds 0 1 2 --out out.csv
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "papers"))
from nfad_digits import protocol_arguments, run_protocol  # noqa: E402

from skflowad import ContrastiveFlow  # noqa: E402

QUANTILES = (0.1, 0.01, 0.001)  # the paper's example, the default of 2026-12-03, of 2026-12-08


def main(argv=None) -> None:
    args = protocol_arguments(__doc__).parse_args(argv)

    def detectors_for(k, seed):
        dets = {"ContrastiveFlow (no labels)": (ContrastiveFlow(random_state=seed), False)}
        if k:  # without labels every quantile is the one-class fit
            dets.update({f"ContrastiveFlow[q{q}]": (
                ContrastiveFlow(epsilon_quantile=q, random_state=seed), True) for q in QUANTILES})
        return dets

    run_protocol(args, detectors_for)


if __name__ == "__main__":
    main()
