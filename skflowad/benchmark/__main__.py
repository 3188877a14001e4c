"""``python -m skflowad.benchmark``: see :mod:`skflowad.benchmark.cli`."""

import sys

from skflowad.benchmark.cli import main

sys.exit(main())
