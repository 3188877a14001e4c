"""Run the benchmark CLI with one probe patch applied in this process.

    SKFLOWAD_DATA=../shared/data/adbench OMP_NUM_THREADS=1 python benchmarks/tuning/probes/run_patched.py \
        tail_transform --datasets <the 45 sets of run_grid.sh> --settings P2 P1 --seeds 0 \
        --detectors "FlowDensity[ttf]" --out <folder> --no-figures

The first argument names a module of this folder; importing it replaces a piece of the library
for this process only (the probes are measurements of ideas that were not adopted, tied to the
library as of their commit; they are not part of it).
"""
import importlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
importlib.import_module(sys.argv[1])

from skflowad.benchmark.cli import main  # noqa: E402

sys.exit(main(sys.argv[2:]))
