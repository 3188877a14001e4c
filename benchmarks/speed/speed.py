"""Speed and memory of every detector, next to a plain zuko loop and PyOD's deep detectors.

Measured in one process on one device, so the ratios hold even on a noisy machine:

- ``fit``: seconds per training epoch (fit time over the epochs all stages ran, with a
  fixed epoch budget and no early stopping) and training rows/s, for each detector at its
  defaults and for FlowDensity with each flow kind; sizes n x D from ``--rows`` and
  ``--features``.
- ``reference``: a plain zuko MAF maximum-likelihood loop (FlowDensity's architecture:
  5 transforms, hidden [128, 128], Adam, data already on the device) at batch 256 and 4096;
  PyOD's AutoEncoder and DeepSVDD at their defaults (batch 32), per epoch.
- ``score``: ``decision_function`` rows/s and the peak memory it added (CPU: host arrays
  traced by ``tracemalloc``, the output's 8 bytes per row included; CUDA:
  ``torch.cuda.max_memory_allocated``).
- ``default_fit``: each detector's complete default fit (early stopping included) on
  10 000 x 30 rows: the 2-core CPU target is under 30 s.
- ``versus``: each detector and PyOD's AutoEncoder, 2 epochs each on 10 000 x 32, in
  ``--rounds`` alternating rounds; the report gives the median seconds per epoch and, per
  detector, the median of its per-round ratio to the AutoEncoder (a shared machine's speed
  drifts by 2x between minutes, so only paired ratios settle "faster per epoch").

FlowDensity's flow kinds are swept at the smallest n only (the slow NSF inverse makes the
large sizes hours on a CPU); ``--no-kinds`` leaves the sweep out (for the 1 M-row training
rows and the 10 M-row scoring rows, where memory is the question).

Usage::

    OMP_NUM_THREADS=2 python benchmarks/speed/speed.py --device cpu          # the CPU table
    python benchmarks/speed/speed.py --device cuda --rows 10000 100000 1000000
    OMP_NUM_THREADS=2 python benchmarks/speed/speed.py --rows 1000000 --features 32 --epochs 1 \
        --parts fit score --score-rows 10000000 --no-kinds        # 1 M-row fits, 10 M scoring
    python benchmarks/speed/speed.py --device cpu --rows 2000 --features 8 --quick   # smoke run

Writes ``speed_<device>.csv`` and ``speed_<device>.md`` (and a log-log plot of fit time
against n and D) under ``benchmarks/results/speed/``; rows are appended with the date and
the device's name.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import os
import platform
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import torch

import skflowad
from skflowad.benchmark.report import markdown_table
from skflowad.base import resolve_device
from skflowad.flows import build_flow

OUT = Path(__file__).resolve().parents[1] / "results" / "speed"
FLOW_KINDS = ("maf", "iaf", "nsf", "coupling_nsf", "realnvp", "nice", "inn")
DETECTORS = ("FlowDensity", "NFAD", "OneFlow", "ContrastiveFlow", "IOCN")


# ----------------------------------------------------------------------------- memory
def _reset_peak(device: str) -> None:
    gc.collect()
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    tracemalloc.start()  # host arrays (numpy reports its allocations to tracemalloc)
    tracemalloc.reset_peak()


def _peak_mb(device: str) -> float:
    """Peak memory added since :func:`_reset_peak`: device memory on CUDA, else host arrays.

    On the CPU, torch's own buffers are not traced; they are one batch's activations
    (``score_batch_size`` rows), which do not grow with n.
    """
    _, host_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if device.startswith("cuda"):
        return torch.cuda.max_memory_allocated() / 2**20
    return host_peak / 2**20


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _data(n: int, d: int, seed: int = 0) -> np.ndarray:
    """Correlated Gaussian rows (a random linear map of N(0, I))."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) / np.sqrt(d)


# ----------------------------------------------------------------------------- measures
def _epochs_run(det) -> int:
    return int(sum(result.n_epochs for result in det.history_.values()))


def fit_row(name: str, det, X: np.ndarray, device: str) -> dict:
    _sync(device)
    start = time.perf_counter()
    det.fit(X)
    _sync(device)
    fit_s = time.perf_counter() - start
    epochs = _epochs_run(det)
    return dict(kind="fit", name=name, n=len(X), d=X.shape[1], epochs=epochs, seconds=fit_s,
                s_per_epoch=fit_s / epochs, rows_per_s=epochs * len(X) / fit_s)


def score_row(name: str, det, X: np.ndarray, device: str) -> dict:
    det.decision_function(X[:1000])  # warm-up
    _reset_peak(device)
    _sync(device)
    start = time.perf_counter()
    det.decision_function(X)
    _sync(device)
    seconds = time.perf_counter() - start
    return dict(kind="score", name=name, n=len(X), d=X.shape[1], seconds=seconds,
                rows_per_s=len(X) / seconds, peak_added_mb=_peak_mb(device))


def zuko_loop_row(X: np.ndarray, batch_size: int, epochs: int, device: str) -> dict:
    """The plain loop of ANCHORS.md: a zuko MAF, Adam, minibatches sliced on the device."""
    torch.manual_seed(0)
    flow = build_flow("maf", X.shape[1], transforms=5, hidden_features=(128, 128)).to(device)
    data = torch.as_tensor(X, dtype=torch.float32, device=device)
    optimizer = torch.optim.Adam(flow.parameters(), lr=1e-3)
    _sync(device)
    start = time.perf_counter()
    for _ in range(epochs):
        for index in torch.randperm(len(data), device=device).split(batch_size):
            loss = -flow().log_prob(data[index]).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    _sync(device)
    seconds = time.perf_counter() - start
    return dict(kind="reference", name=f"zuko MAF loop, batch {batch_size}", n=len(X),
                d=X.shape[1], epochs=epochs, seconds=seconds, s_per_epoch=seconds / epochs,
                rows_per_s=epochs * len(X) / seconds)


def pyod_rows(X: np.ndarray, epochs: int, device: str,
              names: tuple[str, ...] = ("AutoEncoder", "DeepSVDD")) -> list[dict]:
    """PyOD's AutoEncoder and DeepSVDD (or those of ``names``) at their defaults."""
    from pyod.models.auto_encoder import AutoEncoder
    from pyod.models.deep_svdd import DeepSVDD

    models = {
        "AutoEncoder": lambda: AutoEncoder(epoch_num=epochs, verbose=0, device=device),
        "DeepSVDD": lambda: DeepSVDD(n_features=X.shape[1], epochs=epochs, verbose=0,
                                     random_state=0),
    }
    rows = []
    for name, det in ((f"PyOD {name}", models[name]()) for name in names):
        start = time.perf_counter()
        det.fit(X)
        seconds = time.perf_counter() - start
        rows.append(dict(kind="reference", name=f"{name} (defaults, batch 32)", n=len(X),
                         d=X.shape[1], epochs=epochs, seconds=seconds,
                         s_per_epoch=seconds / epochs, rows_per_s=epochs * len(X) / seconds))
        start = time.perf_counter()
        det.decision_function(X)
        seconds = time.perf_counter() - start
        rows.append(dict(kind="score", name=name, n=len(X), d=X.shape[1], seconds=seconds,
                         rows_per_s=len(X) / seconds))
    return rows


def detector(name: str, device: str, epochs: int | None, **params):
    cls = getattr(skflowad, name)
    if epochs is not None:  # a fixed budget: every stage runs `epochs` epochs
        params.update(epochs=epochs, patience=None)
        if name == "NFAD":
            params.update(classifier_epochs=epochs)
    return cls(device=device, random_state=0, **params)


# ----------------------------------------------------------------------------- report
def write_report(rows: list[dict], device_name: str, args: argparse.Namespace) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    tag = "cuda" if args.device.startswith("cuda") else "cpu"
    frame = pd.DataFrame(rows)
    frame.insert(0, "date", datetime.date.today().isoformat())
    frame.insert(1, "device", device_name)
    frame.insert(2, "threads", torch.get_num_threads())
    frame["command"] = args.command
    frame["run"] = datetime.datetime.now().isoformat(timespec="seconds")
    csv_path = OUT / f"speed_{tag}.csv"
    if csv_path.is_file():  # append, aligning columns (runs of different parts differ)
        frame = pd.concat([pd.read_csv(csv_path), frame], ignore_index=True)
    frame.to_csv(csv_path, index=False)
    logged = frame[frame.device == device_name]
    # The table shows the latest measurement of each row on this device, over runs.
    frame = logged.drop_duplicates(["kind", "name", "n", "d"], keep="last")

    def table(sub: pd.DataFrame, columns: list[str]) -> str:
        def cell(column: str, v):
            if not isinstance(v, float) or pd.isna(v):
                return "—" if isinstance(v, float) else v
            return f"{int(v):,}" if column in ("n", "d", "epochs") else f"{v:,.3g}"

        shown = sub[columns].apply(lambda col: col.map(lambda v: cell(col.name, v)))
        return markdown_table(shown.set_index(columns[0]), columns[0])

    lines = [f"# Speed on {device_name} ({datetime.date.today()}, "
             f"{torch.get_num_threads()} torch threads, torch {torch.__version__})", "",
             "Commands of the rows shown (every run's rows, with its command, are in "
             f"`{csv_path.name}`; rows measured before commands were logged say so):", ""]
    commands = frame.get("command", pd.Series(dtype=object)).fillna("").drop_duplicates()
    lines += [f"- `{c}`" if c else "- (an earlier run; see the git log of that CSV)"
              for c in commands] + [""]
    for kind, columns, title in (
        ("fit", ["name", "n", "d", "epochs", "s_per_epoch", "rows_per_s"],
         "Training (fixed epoch budget, no early stopping)"),
        ("reference", ["name", "n", "d", "epochs", "s_per_epoch", "rows_per_s"],
         "References in the same run"),
        ("score", ["name", "n", "d", "rows_per_s", "peak_added_mb"], "Scoring"),
        ("default_fit", ["name", "n", "d", "epochs", "seconds"],
         "Complete default fit (early stopping), 10 000 x 30"),
    ):
        sub = frame[frame.kind == kind]
        if len(sub):
            lines += [f"## {title}", "", table(sub, [c for c in columns if c in sub]), ""]
    if "round" in logged and (logged.kind == "versus").any():
        lines += ["## Per epoch against PyOD's AutoEncoder, paired rounds (10 000 x 32)", "",
                  versus_table(logged[logged.kind == "versus"]), ""]
    md_path = OUT / f"speed_{tag}.md"
    md_path.write_text("\n".join(lines))
    _plot(frame[frame.kind == "fit"], OUT / f"speed_{tag}_scaling.png")
    return md_path


def versus_table(rows: pd.DataFrame) -> str:
    """The latest versus run: median s/epoch and the median per-round ratio to the AE."""
    rows = rows[rows.run == rows.run.iloc[-1]]
    per_round = rows.pivot_table(index="round", columns="name", values="s_per_epoch")
    reference = per_round.pop("PyOD AutoEncoder")
    table = pd.DataFrame({
        "s_per_epoch": per_round.median(),
        "ae_s_per_epoch": reference.median(),
        "ratio_to_ae": per_round.div(reference, axis=0).median(),
        "rounds_faster": per_round.lt(reference, axis=0).sum().astype(int).astype(str)
        + f" of {len(per_round)}",
    })
    table = table.map(lambda v: f"{v:.3g}" if isinstance(v, float) else v)
    return markdown_table(table, "name")


def _plot(fits: pd.DataFrame, path: Path) -> None:
    """Log-log seconds per epoch against n and against D.

    Each line holds one of the other size fixed, at the value measured with the most sizes
    (the larger on a tie): e.g. against n at D = 32, where 10 k to 1 M rows were run.
    """
    if fits.empty:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def widest(sub: pd.DataFrame, fixed: str, varied: str) -> pd.DataFrame:
        counts = sub.groupby(fixed)[varied].nunique()
        value = counts[counts == counts.max()].index.max()
        return sub[sub[fixed] == value].sort_values(varied)

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax in axes:
        ax.set_prop_cycle(color=plt.cm.tab20.colors)
    for name, sub in fits.groupby("name"):
        for ax, fixed, varied in ((axes[0], "d", "n"), (axes[1], "n", "d")):
            line = widest(sub, fixed, varied)
            if len(line) > 1:
                ax.loglog(line[varied], line.s_per_epoch, "o-",
                          label=f"{name} ({fixed} = {int(line[fixed].iloc[0]):,})")
    axes[0].set(xlabel="rows n", ylabel="seconds per epoch", title="against n")
    axes[1].set(xlabel="features D", ylabel="seconds per epoch", title="against D")
    for ax in axes:
        if ax.get_lines():
            ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# ----------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--features", type=int, nargs="+", default=[8, 32, 128])
    parser.add_argument("--score-rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--epochs", type=int, default=2, help="epoch budget of a fit row")
    parser.add_argument("--parts", nargs="+", default=["fit", "score", "default"],
                        choices=["fit", "score", "default", "versus"],
                        help="fit (with the references), score, default (complete fits), "
                             "versus (paired rounds against the AutoEncoder)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the versus part")
    parser.add_argument("--detectors", nargs="+", default=list(DETECTORS), choices=DETECTORS,
                        help="detectors of the score, versus and default parts")
    parser.add_argument("--quick", action="store_true",
                        help="one size, no flow-kind sweep, no default fits (smoke run)")
    parser.add_argument("--no-kinds", action="store_true",
                        help="leave out FlowDensity's flow-kind sweep (fit and score parts)")
    args = parser.parse_args(argv)
    args.command = "python benchmarks/speed/speed.py " + " ".join(argv or sys.argv[1:])
    device = str(resolve_device(args.device))
    device_name = (torch.cuda.get_device_name(device) if device.startswith("cuda")
                   else f"CPU ({platform.processor() or platform.machine()}, "
                        f"{os.cpu_count()} cores)")
    rows: list[dict] = []

    def log(row: dict) -> None:
        rows.append(row)
        print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()},
              flush=True)

    # Warm-up: first calls pay for imports, thread pools and allocator growth.
    detector("FlowDensity", device, 1).fit(_data(500, 8))
    pyod_rows(_data(200, 32), 1, device)

    sizes = [(n, d) for n in args.rows for d in args.features] if "fit" in args.parts else []
    if args.quick:
        sizes = sizes[:1]
    for n, d in sizes:
        X = _data(n, d)
        for batch in (256, 4096):
            log(zuko_loop_row(X, batch, args.epochs, device))
        for name in DETECTORS:
            log(fit_row(name, detector(name, device, args.epochs), X, device))
        # The flow-kind sweep, at the smallest n.
        if not (args.quick or args.no_kinds) and n == min(args.rows):
            for kind in FLOW_KINDS:
                log(fit_row(f"FlowDensity[{kind}]",
                            detector("FlowDensity", device, args.epochs, flow=kind), X, device))
    for row in pyod_rows(_data(min(args.rows), 32), args.epochs, device) if sizes else ():
        log(row)

    # Scoring: models fitted briefly on 10 000 x 32, then scoring large generated sets.
    score = "score" in args.parts
    fitted = {name: detector(name, device, 1).fit(_data(10_000 if not args.quick else 2_000, 32))
              for name in args.detectors if score}
    for kind in ("realnvp", "nice", "nsf") if score and not (args.quick or args.no_kinds) else ():
        fitted[f"FlowDensity[{kind}]"] = detector("FlowDensity", device, 1, flow=kind).fit(
            _data(10_000, 32))
    for n_score in args.score_rows if not args.quick else [min(args.score_rows)]:
        X = _data(n_score, 32, seed=1)
        for name, det in fitted.items():
            log(score_row(name, det, X, device))
        del X

    if "versus" in args.parts:
        X = _data(10_000, 32)
        for round_ in range(args.rounds):
            for name in args.detectors:
                log(dict(fit_row(name, detector(name, device, 2), X, device),
                         kind="versus", round=round_))
            row = pyod_rows(X, 2, device, names=("AutoEncoder",))[0]
            log(dict(row, kind="versus", name="PyOD AutoEncoder", round=round_))

    if "default" in args.parts and not args.quick:
        X = _data(10_000, 30, seed=2)
        # the label-using detectors also with y: 100 rows (1 %) labelled as known anomalies
        y = np.zeros(len(X), dtype=int)
        y[:: len(X) // 100] = 1
        runs = [(name, None) for name in args.detectors]
        runs += [(name, y) for name in args.detectors if name in ("NFAD", "ContrastiveFlow")]
        for name, labels in runs:
            det = detector(name, device, None)
            start = time.perf_counter()
            det.fit(X, labels)
            _sync(device)
            shown = name if labels is None else f"{name} (y: 100 labelled)"
            log(dict(kind="default_fit", name=shown, n=len(X), d=X.shape[1],
                     epochs=_epochs_run(det), seconds=time.perf_counter() - start))
    print(write_report(rows, device_name, args).read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
