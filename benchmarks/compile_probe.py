"""Does ``torch.compile`` pay off for the training step? Eager against compiled, one process.

The loss of FlowDensity (``-flow().log_prob(batch).mean()``, 5 transforms, hidden
[128, 128], AdamW fused) on n x 32 correlated Gaussian rows, batch 1024. The first
compiled epoch pays for the compilation; then eager and compiled epochs alternate
(``--repeats`` each), so a noisy machine slows both alike. Printed and appended to
``benchmarks/results/speed/compile_<device>.csv``: compile seconds, median seconds per
epoch of each, their ratio, and the epochs a fit must run before compiling pays back.

Inductor keeps compiled kernels in an on-disk cache that makes a later compile of the same
graph take seconds instead of tens of seconds; the script starts from an empty cache
directory, so a kind's first row (``cache=cold``) pays what a fresh install pays, and its
next sizes (``cache=warm``) what a repeated fit (a grid search) pays.

Usage::

    python benchmarks/compile_probe.py --kinds maf realnvp --rows 10000 --threads 1
"""

from __future__ import annotations

import argparse
import datetime
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", tempfile.mkdtemp(prefix="inductor-"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402

from skflowad.flows import build_flow

OUT = Path(__file__).resolve().parent / "results" / "speed"


def probe(kind: str, n: int, d: int, batch: int, repeats: int, device: str) -> dict:
    torch.manual_seed(0)
    X = (torch.randn(n, d) @ torch.randn(d, d) / d**0.5).to(device)
    flow = build_flow(kind, d, transforms=5, hidden_features=(128, 128)).to(device)
    optimizer = torch.optim.AdamW(flow.parameters(), lr=1e-3, fused=True)

    def loss_fn(x):
        return -flow().log_prob(x).mean()

    compiled = torch.compile(loss_fn)

    def epoch(fn) -> float:
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        for index in torch.randperm(n, device=device).split(batch):
            loss = fn(X[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        return time.perf_counter() - start

    first = epoch(compiled)
    times = {"eager": [], "compiled": []}
    for _ in range(repeats):
        times["eager"].append(epoch(loss_fn))
        times["compiled"].append(epoch(compiled))
    eager, fast = (float(np.median(times[k])) for k in ("eager", "compiled"))
    compile_s = first - fast
    gain = eager - fast
    return dict(kind=kind, n=n, d=d, batch=batch, threads=torch.get_num_threads(),
                compile_s=compile_s, eager_s_per_epoch=eager, compiled_s_per_epoch=fast,
                speedup=eager / fast,
                break_even_epochs=compile_s / gain if gain > 0 else float("inf"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", nargs="+", default=["maf", "realnvp"])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000])
    parser.add_argument("--features", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    rows = []
    for kind in args.kinds:
        for i, n in enumerate(args.rows):
            row = probe(kind, n, args.features, args.batch_size, args.repeats, args.device)
            row.update(cache="cold" if i == 0 else "warm", device=args.device,
                       date=datetime.date.today().isoformat(), torch=torch.__version__)
            print({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()},
                  flush=True)
            rows.append(row)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"compile_{args.device.split(':')[0]}.csv"
    frame = pd.DataFrame(rows)
    if path.is_file():
        frame = pd.concat([pd.read_csv(path), frame], ignore_index=True)
    frame.to_csv(path, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
