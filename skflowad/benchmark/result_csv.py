"""Result CSVs with a script's own columns: one row appended per finished run, resume from the keys.

For scripts that record other columns than the benchmark's ``results.csv`` (the paper
reproductions in ``benchmarks/papers/``): :func:`done_keys` lists the runs already in the
file, :func:`appender` appends one row per finished run, :func:`append_rows` every row of an
iterable (e.g. joblib's unordered results) as it arrives. The runner
(:mod:`skflowad.benchmark.runner`) keeps ``results.csv`` with its fixed columns and key.
"""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["append_rows", "appender", "done_keys"]


def done_keys(path: str | Path, key: Sequence[str],
              types: Mapping[str, Callable[[str], Any]] | None = None) -> set[tuple]:
    """Key tuples of the rows already in ``path``; empty when there is no file.

    ``types`` maps a key column to a function applied to its text (e.g. ``{"seed": int}``);
    the other columns stay strings, as the CSV has them.
    """
    path = Path(path)
    if not path.is_file():
        return set()
    types = types or {}
    with path.open(newline="") as f:
        return {tuple(types.get(k, str)(row[k]) for k in key) for row in csv.DictReader(f)}


@contextlib.contextmanager
def appender(path: str | Path, fields: Sequence[str]) -> Iterator[Callable[[Mapping], None]]:
    """Open ``path`` to append; yield ``write(row)``, which writes one row and flushes.

    The header is written first when the file is new (or empty). Columns a row lacks are
    left empty; a key that is not in ``fields`` raises ``ValueError``.
    """
    path = Path(path)
    new = not path.is_file() or path.stat().st_size == 0
    with path.open("a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(fields))
        if new:
            writer.writeheader()
            f.flush()

        def write(row: Mapping) -> None:
            writer.writerow(row)
            f.flush()

        yield write


def append_rows(path: str | Path, fields: Sequence[str], rows: Iterable[Mapping]) -> None:
    """Append each row of ``rows`` to ``path`` as it arrives (see :func:`appender`) and print it."""
    with appender(path, fields) as write:
        for row in rows:
            write(row)
            print(row, flush=True)
