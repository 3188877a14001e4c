"""Fits in threads: each fit draws from its own torch Generators (skflowad._random), so two
fits with the same seed in two threads equal the sequential fits, and the caller's torch
random state is left as it was."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from conftest import make_fast
from skflowad import NFAD, ContrastiveFlow

X = np.random.default_rng(0).normal(size=(240, 4))
X_TEST = np.random.default_rng(1).normal(size=(50, 4)) * 1.5


def fit_and_score(cls, seed):
    return make_fast(cls, epochs=3, random_state=seed).fit(X).decision_function(X_TEST)


def test_threaded_fits_equal_sequential_fits_and_leave_the_callers_stream(detector_cls):
    jobs = [(detector_cls, 0), (detector_cls, 0), (detector_cls, 1)]
    sequential = [fit_and_score(*job) for job in jobs]
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    with ThreadPoolExecutor(max_workers=3) as pool:
        threaded = list(pool.map(lambda job: fit_and_score(*job), jobs))
    assert torch.equal(torch.random.get_rng_state(), state)  # the caller's stream as it was
    for seq, par in zip(sequential, threaded):
        np.testing.assert_array_equal(seq, par)
    assert not np.array_equal(sequential[0], sequential[2])  # the seed matters


def test_a_fit_does_not_move_the_callers_stream(detector_cls):
    torch.manual_seed(7)
    expected = torch.randn(5)
    torch.manual_seed(7)
    make_fast(detector_cls, epochs=2, random_state=0).fit(X)
    assert torch.equal(torch.randn(5), expected)


def test_sampling_methods_are_seeded_and_leave_the_callers_stream():
    flow = make_fast(ContrastiveFlow, epochs=2, random_state=0).fit(X)
    nfad = make_fast(NFAD, epochs=2, random_state=0).fit(X)
    torch.manual_seed(7)
    expected = torch.randn(5)
    torch.manual_seed(7)
    a, b = flow.sample(20, random_state=3), flow.sample(20, random_state=3)
    c, d = nfad.sample_surrogates(20, random_state=3), nfad.sample_surrogates(20, random_state=3)
    assert torch.equal(torch.randn(5), expected)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(c, d)
    assert not np.array_equal(a, flow.sample(20, random_state=4))
