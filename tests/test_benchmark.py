"""Tests of the benchmark harness on tiny data (PROTOCOL.md splits, P3 labels, resume,
failures, summary and ranks)."""

import numpy as np
import pandas as pd
import pytest
from pyod.models.base import BaseDetector
from sklearn.model_selection import train_test_split

from skflowad.benchmark import runner
from skflowad.benchmark.registry import (
    PYOD_REFERENCES,
    DetectorSpec,
    SupervisedHGB,
    build_detector,
    default_detectors,
    get_registry,
    parse_param_overrides,
)
from skflowad.benchmark.report import (
    average_ranks,
    load_results,
    per_dataset_table,
    setting_table,
    write_report,
)
from skflowad.benchmark import (
    COLUMNS,
    DatasetRef,
    main,
    make_split,
    p3_labels,
    run_benchmark,
    run_one,
    setting_data,
)


def tiny_data(n=200, anomaly_rate=0.1, seed=0):
    """n rows: 3 informative features + one constant column; anomalies shifted."""
    rng = np.random.RandomState(seed)
    n_anom = int(n * anomaly_rate)
    y = np.r_[np.zeros(n - n_anom, int), np.ones(n_anom, int)]
    X = rng.normal(size=(n, 3)) + 4.0 * y[:, None]
    return np.c_[X, np.full(n, 7.0)], y


@pytest.fixture
def csv_dataset(tmp_path):
    X, y = tiny_data()
    path = tmp_path / "tiny.csv"
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(y=y)
    frame.to_csv(path, index=False)
    return str(path)


# ---------------------------------------------------------------------------- fakes
FIT_CALLS = []


class Recorder(BaseDetector):
    """Scores = first feature; records what fit received."""

    def __init__(self, contamination=0.1):
        super().__init__(contamination=contamination)

    def fit(self, X, y=None):
        FIT_CALLS.append({"n": len(X), "y": None if y is None else np.asarray(y).copy()})
        self.decision_scores_ = self.decision_function(X)
        self._process_decision_scores()
        return self

    def decision_function(self, X):
        return np.asarray(X)[:, 0]


class Broken(Recorder):
    def fit(self, X, y=None):
        raise RuntimeError("boom: the loss diverged")


def registry():
    reg = {name: spec for name, spec in get_registry().items() if name in ("IForest", "HBOS")}
    reg["Recorder"] = DetectorSpec("Recorder", lambda: Recorder, family="test")
    reg["LabelRecorder"] = DetectorSpec("LabelRecorder", lambda: Recorder, uses_labels=True,
                                        family="test")
    reg["Broken"] = DetectorSpec("Broken", lambda: Broken, family="test")
    return reg


@pytest.fixture(autouse=True)
def clear_calls():
    FIT_CALLS.clear()
    runner._cached_split.cache_clear()


# ---------------------------------------------------------------------------- splits
def test_split_is_stratified_seeded_and_drops_constant_columns():
    X, y = tiny_data()
    split = make_split(X, y, seed=3)
    assert split.X_train.shape == (140, 3) and split.X_test.shape == (60, 3)
    assert split.y_train.sum() == 14 and split.y_test.sum() == 6  # stratified
    assert split.X_train.dtype == np.float64 and not split.capped
    X_tr, X_te, _, _ = train_test_split(X[:, :3], y, test_size=0.3, stratify=y,
                                        random_state=3)
    np.testing.assert_array_equal(split.X_train, X_tr)  # exactly the protocol's call
    np.testing.assert_array_equal(split.X_test, X_te)
    np.testing.assert_array_equal(make_split(X, y, seed=3).X_train, split.X_train)
    assert not np.array_equal(make_split(X, y, seed=4).X_train, split.X_train)


def test_cap_is_stratified_and_recorded():
    X, y = tiny_data(n=1000)
    split = make_split(X, y, seed=0, cap=100)
    assert len(split.y_train) == 100 and len(split.y_test) == 100 and split.capped
    assert split.y_train.sum() == 10 and split.y_test.sum() == 10
    only_train = make_split(X, y, seed=0, cap=500)
    assert len(only_train.y_train) == 500 and len(only_train.y_test) == 300
    assert only_train.capped
    assert not make_split(X, y, seed=0, cap=None).capped
    assert len(make_split(X, y, seed=0, cap=None).y_train) == 700


@pytest.mark.parametrize("n_anom, expected", [(1, 1), (3, 1), (14, 1), (16, 2), (25, 2),
                                              (35, 4), (100, 10)])
def test_p3_label_count(n_anom, expected):
    y = np.r_[np.zeros(200, int), np.ones(n_anom, int)]
    y_lab = p3_labels(y, seed=0)
    assert y_lab.sum() == expected == max(1, round(0.10 * n_anom))
    assert set(np.flatnonzero(y_lab)) <= set(np.flatnonzero(y))  # only anomalies labelled
    np.testing.assert_array_equal(p3_labels(y, seed=0), y_lab)


def test_settings_select_rows():
    X, y = tiny_data()
    split = make_split(X, y, seed=0)
    X1, y1 = setting_data(split, "P1", 0)
    X2, y2 = setting_data(split, "P2", 0)
    X3, y3 = setting_data(split, "P3", 0)
    assert len(X1) == 140 and y1 is None and y2 is None
    assert len(X2) == 126  # the 14 anomalies removed
    np.testing.assert_array_equal(X2, split.X_train[split.y_train == 0])
    assert len(X3) == 140 and y3.sum() == 1
    with pytest.raises(ValueError, match="setting"):
        setting_data(split, "P4", 0)


# ---------------------------------------------------------------------------- runs
def test_run_one_ok_row(csv_dataset):
    ref = DatasetRef("tiny", csv_dataset)
    row = run_one(ref, "P2", get_registry()["IForest"], 0)
    assert set(row) == set(COLUMNS)
    assert row["status"] == "ok" and row["error"] == ""
    assert 0.9 < row["auroc"] <= 1.0 and 0.0 < row["auprc"] <= 1.0
    assert (row["n_train"], row["n_test"], row["n_features"]) == (126, 60, 3)
    assert row["device"] == "cpu" and row["fit_s"] >= 0 and row["capped"] is False


def test_labels_reach_only_label_aware_detectors_in_p3(csv_dataset):
    ref, reg = DatasetRef("tiny", csv_dataset), registry()
    run_one(ref, "P3", reg["LabelRecorder"], 0)
    run_one(ref, "P3", reg["Recorder"], 0)
    run_one(ref, "P1", reg["LabelRecorder"], 0)
    labelled, unlabelled, p1 = FIT_CALLS
    assert labelled["y"] is not None and labelled["y"].sum() == 1 and labelled["n"] == 140
    assert unlabelled["y"] is None and p1["y"] is None


def test_scaler_fitted_on_training_rows(csv_dataset):
    ref = DatasetRef("tiny", csv_dataset)
    split = make_split(*tiny_data(), seed=0)

    class Capture(Recorder):
        def fit(self, X, y=None):
            np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-12)
            np.testing.assert_allclose(X.std(axis=0), 1, atol=1e-12)
            assert len(X) == (split.y_train == 0).sum()
            return super().fit(X, y)

    row = run_one(ref, "P2", DetectorSpec("Capture", lambda: Capture), 0)
    assert row["status"] == "ok", row["error"]


def test_failing_detector_is_recorded(csv_dataset, tmp_path):
    results = run_benchmark([csv_dataset], ["P1"], ["Broken", "Recorder"], [0], out=tmp_path,
                            registry=registry(), progress=False, figures=False)
    broken = results[results["detector"] == "Broken"].iloc[0]
    assert broken["status"] == "failed"
    assert "RuntimeError: boom: the loss diverged" in broken["error"]
    assert np.isnan(broken["auroc"]) and broken["n_train"] == 140
    assert results.loc[results["detector"] == "Recorder", "status"].item() == "ok"
    assert "boom" in (tmp_path / "summary.md").read_text()  # listed in the report


def test_unknown_parameter_fails_the_run_not_the_grid(csv_dataset):
    row = run_one(DatasetRef("tiny", csv_dataset), "P1", get_registry()["IForest"], 0,
                  params={"n_estimatorz": 5})
    assert row["status"] == "failed" and "n_estimatorz" in row["error"]


def test_resume_skips_finished_rows(csv_dataset, tmp_path):
    kwargs = dict(out=tmp_path, registry=registry(), progress=False, report=False)
    run_benchmark([csv_dataset], ["P1", "P2"], ["Recorder"], [0], **kwargs)
    assert len(FIT_CALLS) == 2
    run_benchmark([csv_dataset], ["P1", "P2"], ["Recorder"], [0], **kwargs)
    assert len(FIT_CALLS) == 2  # nothing run again
    results = run_benchmark([csv_dataset], ["P1", "P2"], ["Recorder"], [0, 1], **kwargs)
    assert len(FIT_CALLS) == 4  # only the new seed
    assert len(results) == 4 and len(pd.read_csv(tmp_path / "results.csv")) == 4


def test_each_call_that_runs_rows_records_its_environment(csv_dataset, tmp_path):
    import json

    import torch

    kwargs = dict(out=tmp_path, registry=registry(), progress=False, report=False)
    run_benchmark([csv_dataset], ["P1", "P2"], ["Recorder"], [0], **kwargs)
    run_benchmark([csv_dataset], ["P1", "P2"], ["Recorder"], [0], **kwargs)  # nothing to run
    run_benchmark([csv_dataset], ["P1"], ["Recorder"], [1], **kwargs)
    lines = [json.loads(line) for line in (tmp_path / "runs.jsonl").read_text().splitlines()]
    assert [(r["rows"], r["settings"], r["seeds"]) for r in lines] == [
        (2, ["P1", "P2"], [0]), (1, ["P1"], [1])]
    assert lines[0]["detectors"] == ["Recorder"]
    assert lines[0]["versions"]["torch"] == torch.__version__
    assert lines[0]["versions"]["numpy"] == np.__version__ and lines[0]["cpu"]


def test_retry_failed_reruns_only_failed_rows(csv_dataset, tmp_path):
    kwargs = dict(out=tmp_path, progress=False, report=False)
    reg = registry()
    run_benchmark([csv_dataset], ["P1"], ["Broken", "Recorder"], [0], registry=reg, **kwargs)
    reg["Broken"] = DetectorSpec("Broken", lambda: Recorder)  # "fixed"
    FIT_CALLS.clear()
    run_benchmark([csv_dataset], ["P1"], ["Broken", "Recorder"], [0], registry=reg, **kwargs)
    assert FIT_CALLS == []  # failed rows count as done by default
    results = run_benchmark([csv_dataset], ["P1"], ["Broken", "Recorder"], [0], registry=reg,
                            retry_failed=True, **kwargs)
    assert len(FIT_CALLS) == 1
    assert set(results["status"]) == {"ok"} and len(results) == 2


def test_missing_adbench_file_stops_before_any_run(tmp_path, monkeypatch):
    from skflowad import datasets

    def offline(url, dest, timeout=60.0):
        raise OSError("offline")

    monkeypatch.setattr(datasets, "_fetch", offline)
    with pytest.raises(FileNotFoundError, match="SKFLOWAD_DATA"):
        run_benchmark(["thyroid"], ["P1"], ["IForest"], [0], out=tmp_path / "out",
                      data_home=tmp_path, progress=False)
    assert not (tmp_path / "out" / "results.csv").exists()


def test_label_only_detectors_run_in_p3_only():
    reg = get_registry()
    p1 = runner._resolve_detectors(["IForest", "DevNet", "HistGradientBoosting"], "P1",
                                      reg, quick=False)
    p3 = runner._resolve_detectors(["IForest", "DevNet", "HistGradientBoosting"], "P3",
                                      reg, quick=False)
    assert p1 == ["IForest"] and p3 == ["IForest", "DevNet", "HistGradientBoosting"]
    assert "DevNetFixed" in default_detectors("P3", "all")
    assert set(PYOD_REFERENCES) <= set(default_detectors("P1", "all"))
    assert {"DevNet", "HistGradientBoosting", "IForest"} <= set(default_detectors("P3", "all"))
    assert "OCSVM" not in default_detectors("P3", "all")
    with pytest.raises(ValueError, match="Unknown detector"):
        runner._resolve_detectors(["NoSuch"], "P1", reg, quick=False)


def test_skflowad_detectors_are_discovered(monkeypatch):
    import sys
    import types

    import skflowad

    base = types.ModuleType("skflowad.base")

    class FlowDetector(Recorder):
        pass

    class Plain(FlowDetector):
        pass

    class Labelled(FlowDetector):
        _uses_labels = True

    base.FlowDetector = FlowDetector
    monkeypatch.setitem(sys.modules, "skflowad.base", base)
    for name, obj in {"Plain": Plain, "Labelled": Labelled, "FlowDetector": FlowDetector,
                      "helper": len}.items():
        monkeypatch.setattr(skflowad, name, obj, raising=False)
    monkeypatch.setattr(skflowad, "__all__", ["FlowDetector", "Plain", "Labelled", "helper"],
                        raising=False)
    reg = get_registry()
    assert reg["Plain"].family == "skflowad" and not reg["Plain"].uses_labels
    assert reg["Labelled"].uses_labels and not reg["Labelled"].requires_labels
    assert "FlowDetector" not in reg and "helper" not in reg
    assert default_detectors("P1", "quick")[:2] == ["Plain", "Labelled"]
    assert default_detectors("P3", "all")[:2] == ["Plain", "Labelled"]


def test_build_detector_sets_seed_features_and_overrides():
    reg = get_registry()
    svdd = build_detector(reg["DeepSVDD"], n_features=7, seed=3, device="cpu")
    assert svdd.n_features == 7 and svdd.random_state == 3
    forest = build_detector(reg["IForest"], {"n_estimators": 10}, n_features=2, seed=5)
    assert forest.n_estimators == 10 and forest.random_state == 5
    assert parse_param_overrides(["IForest.n_estimators=10", "FlowDensity.kind=maf",
                                  "FlowDensity.hidden=(64, 64)"]) == {
        "IForest": {"n_estimators": 10},
        "FlowDensity": {"kind": "maf", "hidden": (64, 64)},
    }
    with pytest.raises(ValueError, match="DETECTOR.NAME=VALUE"):
        parse_param_overrides(["epochs=3"])
    # a variant's label may hold dots: the name ends at its closing bracket
    assert parse_param_overrides(["ContrastiveFlow[off-2.3].epsilon_offset=-2.3",
                                  "FlowDensity[a.b.c].flow='nsf'"]) == {
        "ContrastiveFlow[off-2.3]": {"epsilon_offset": -2.3},
        "FlowDensity[a.b.c]": {"flow": "nsf"},
    }
    with pytest.raises(ValueError, match="DETECTOR.NAME=VALUE"):
        parse_param_overrides(["FlowDensity[x]=3"])


def test_supervised_hgb_scores_labelled_class_higher():
    X, y = tiny_data()
    model = SupervisedHGB(random_state=0).fit(X, y)
    scores = model.decision_function(X)
    assert scores[y == 1].mean() > scores[y == 0].mean()
    assert model.predict(X).shape == y.shape
    with pytest.raises(ValueError, match="both 0 and 1"):
        SupervisedHGB().fit(X, np.zeros_like(y))


def test_parallel_matches_sequential(csv_dataset, tmp_path):
    args = ([csv_dataset], ["P1"], ["IForest"], [0, 1])
    seq = run_benchmark(*args, out=tmp_path / "a", progress=False, report=False)
    par = run_benchmark(*args, out=tmp_path / "b", n_jobs=2, progress=False, report=False)
    key = ["dataset", "setting", "detector", "seed"]
    seq, par = seq.sort_values(key), par.sort_values(key)
    np.testing.assert_allclose(seq["auroc"], par["auroc"])


# ---------------------------------------------------------------------------- summary
def hand_made_results(path):
    """A, B, C on d1..d4, seeds 0/1. C fails on d3 seed 1 and on all of d4.

    Ranked datasets: d1, d2 (both seeds) and d3 (seed 0 only, the seed all finished).
    d1: A .9 B .8 C .7 -> 1 2 3;  d2: A .6 B .8 C .7 -> 3 1 2;
    d3 seed 0: A .5 B .6 C .7 -> 3 2 1 (with B's seed 1 = 1.0, B would rank first).
    """
    auroc = {
        ("d1", "A"): (0.9, 0.9), ("d1", "B"): (0.8, 0.8), ("d1", "C"): (0.7, 0.7),
        ("d2", "A"): (0.6, 0.6), ("d2", "B"): (0.8, 0.8), ("d2", "C"): (0.7, 0.7),
        ("d3", "A"): (0.5, 0.5), ("d3", "B"): (0.6, 1.0), ("d3", "C"): (0.7, None),
        ("d4", "A"): (1.0, 1.0), ("d4", "B"): (0.5, 0.5), ("d4", "C"): (None, None),
    }
    rows = []
    for (dataset, det), values in auroc.items():
        for seed, value in enumerate(values):
            rows.append(dict.fromkeys(COLUMNS) | dict(
                dataset=dataset, setting="P1", detector=det, seed=seed, auroc=value,
                auprc=value, fit_s=1.0, score_s=0.1, device="cpu",
                status="ok" if value is not None else "failed",
                error="" if value is not None else "ValueError: nope"))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame.to_csv(path, index=False)
    return load_results(path)


def test_average_ranks_on_hand_made_csv(tmp_path):
    results = hand_made_results(tmp_path / "results.csv")
    ranks, used = average_ranks(results, "P1")
    assert used == ["d1", "d2", "d3"]
    assert ranks["A"] == pytest.approx(7 / 3)
    assert ranks["B"] == pytest.approx(5 / 3)
    assert ranks["C"] == pytest.approx(2.0)


def test_setting_table_on_hand_made_csv(tmp_path):
    table = setting_table(hand_made_results(tmp_path / "results.csv"), "P1")
    assert list(table.index) == ["B", "C", "A"]  # sorted by average rank
    assert table.loc["A", "auroc_mean"] == pytest.approx((0.9 + 0.6 + 0.5 + 1.0) / 4)
    assert table.loc["B", "auroc_mean"] == pytest.approx((0.8 + 0.8 + 0.8 + 0.5) / 4)
    assert table.loc["C", "auroc_mean"] == pytest.approx(0.7)
    assert table.loc["C", "n_datasets"] == 3 and table.loc["C", "n_failed"] == 3
    assert table.loc["A", "n_failed"] == 0


def test_per_dataset_table_bolds_best(tmp_path):
    cells = per_dataset_table(hand_made_results(tmp_path / "results.csv"), "P1")
    assert cells.loc["d1", "A"] == "**0.900 ± 0.000**"
    assert cells.loc["d1", "B"] == "0.800 ± 0.000"
    assert cells.loc["d3", "B"] == "**0.800 ± 0.283**"  # std over seeds (ddof=1)
    assert cells.loc["d3", "C"] == "0.700"  # the one seed it finished: no "± sd"
    assert cells.loc["d4", "C"] == "—"
    assert cells.loc["d2", "B"].startswith("**")


def test_write_report_and_figures(tmp_path):
    results = hand_made_results(tmp_path / "results.csv")
    text = write_report(results, tmp_path, figures=True)
    assert (tmp_path / "summary.md").read_text() == text
    assert "## P1" in text and "Failed runs" in text and "over the 3 dataset(s)" in text
    assert (tmp_path / "avg_rank.png").stat().st_size > 0
    assert (tmp_path / "heatmap_P1.png").stat().st_size > 0


def test_cli_on_a_csv_file(csv_dataset, tmp_path, capsys):
    code = main(["--datasets", csv_dataset, "--settings", "P1", "P3", "--detectors",
                 "IForest", "ECOD", "--seeds", "0", "--out", str(tmp_path), "--no-figures",
                 "--no-progress", "--param", "IForest.n_estimators=20", "--cap", "100"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "## P1" in printed and "## P3" in printed and "IForest" in printed
    results = pd.read_csv(tmp_path / "results.csv")
    assert len(results) == 4 and set(results["status"]) == {"ok"}
    assert results["capped"].all() and (results["n_test"] == 60).all()
    assert (results.loc[results["setting"] == "P3", "n_labeled"] == 1).all()


def test_cli_report_only_rewrites_the_report_from_the_csv(csv_dataset, tmp_path, capsys):
    out = str(tmp_path / "grid")
    assert main(["--report-only", "--out", out]) == 2  # nothing to report on yet
    main(["--datasets", csv_dataset, "--settings", "P1", "--detectors", "IForest", "ECOD",
          "--seeds", "0", "--out", out, "--no-figures", "--no-progress", "--cap", "100"])
    summary = tmp_path / "grid" / "summary.md"
    summary.unlink()
    rows_before = (tmp_path / "grid" / "results.csv").read_text()
    capsys.readouterr()
    assert main(["--report-only", "--out", out, "--no-figures"]) == 0
    assert "## P1" in summary.read_text() and "ECOD" in summary.read_text()
    assert "IForest" in capsys.readouterr().out
    assert (tmp_path / "grid" / "results.csv").read_text() == rows_before  # nothing ran


def test_variant_name_runs_base_detector_with_its_own_params(csv_dataset, tmp_path):
    results = run_benchmark(
        [csv_dataset], ["P1"], ["IForest", "IForest[small]"], [0], out=tmp_path,
        params={"IForest[small]": {"n_estimators": 3}, "IForest": {"n_estimatorz": 1}},
        progress=False, report=False,
    )
    rows = results.set_index("detector")
    assert rows.loc["IForest[small]", "status"] == "ok"
    # the base's parameters do not leak into the variant, and vice versa
    assert rows.loc["IForest", "status"] == "failed"
    with pytest.raises(ValueError, match="Unknown detector"):
        run_benchmark([csv_dataset], ["P1"], ["NoSuch[x]"], [0], out=tmp_path,
                      progress=False, report=False)
    # parameters for a detector the run does not include would be ignored: an error
    with pytest.raises(ValueError, match=r"IForest\[typo\]"):
        run_benchmark([csv_dataset], ["P1"], ["IForest[small]"], [0], out=tmp_path,
                      params={"IForest[typo]": {"n_estimators": 3}}, progress=False,
                      report=False)


def test_devnet_fixed_learns_from_labels_where_pyods_call_is_swapped():
    """PyOD 3.6.7's DevNet calls its loss with (outputs, labels); DevNetFixed corrects it."""
    import inspect

    from pyod.models import devnet as module
    from sklearn.metrics import roc_auc_score

    from skflowad.benchmark.registry import devnet_fixed

    rng = np.random.default_rng(0)
    normals = rng.normal(size=(600, 6))
    anomalies = rng.normal(loc=3.0, size=(40, 6))
    X = np.vstack([normals, anomalies])
    y_lab = np.r_[np.zeros(600), np.ones(40)]
    y_lab[600 + 10:] = 0  # 10 labelled anomalies, 30 unlabelled ones in the "normal" class
    X_test = np.vstack([rng.normal(size=(200, 6)), rng.normal(loc=3.0, size=(20, 6))])
    y_test = np.r_[np.zeros(200), np.ones(20)]

    detector = build_detector(get_registry()["DevNetFixed"], {"epochs": 10}, n_features=6,
                              seed=0, device="cpu")
    assert isinstance(detector, module.DevNet) and type(detector) is devnet_fixed()
    with runner._quiet():
        detector.fit(X, y_lab)
    assert roc_auc_score(y_test, detector.decision_function(X_test)) > 0.9
    assert module.deviation_loss.__name__ == "deviation_loss"  # the module is left as it was
    if "deviation_loss(outputs, labels)" in inspect.getsource(module.DevNet.fit):
        with runner._quiet():  # PyOD's own DevNet, as shipped, on the same data
            shipped = module.DevNet(epochs=10, random_seed=0).fit(X, y_lab)
        assert roc_auc_score(y_test, shipped.decision_function(X_test)) < 0.9


def test_deepod_devnet_is_optional_and_says_how_to_install_it():
    import importlib.util

    spec = get_registry()["DeepODDevNet"]
    assert spec.requires_labels and "DeepODDevNet" not in default_detectors("P3", "all")
    if importlib.util.find_spec("deepod") is None:  # the test environment: no DeepOD
        with pytest.raises(ImportError, match="environment of its own"):
            build_detector(spec, None, n_features=3, seed=0, device="auto")
    else:  # an environment that has it: "auto" becomes a device name DeepOD accepts
        detector = build_detector(spec, None, n_features=3, seed=0, device="auto")
        assert detector.device in ("cpu", "cuda") and detector.random_state == 0


def test_csv_without_header_keeps_its_first_row(tmp_path):
    from skflowad.benchmark import DatasetRef, load_dataset

    rows = np.array([[0.5, 1.0, 0], [1.5, 2.0, 1], [2.5, 3.0, 0]])
    path = tmp_path / "plain.csv"
    np.savetxt(path, rows, delimiter=",", fmt="%g")
    X, y = load_dataset(DatasetRef("plain", str(path)))
    np.testing.assert_array_equal(X, rows[:, :2])
    np.testing.assert_array_equal(y, [0, 1, 0])


def test_a_rerun_says_that_nothing_ran(csv_dataset, tmp_path, capsys):
    kwargs = dict(out=tmp_path, progress=False, report=False, figures=False)
    run_benchmark([csv_dataset], ["P1"], ["IForest"], [0], **kwargs)
    capsys.readouterr()
    run_benchmark([csv_dataset], ["P1"], ["IForest"], [0], **kwargs)
    assert "nothing to run" in capsys.readouterr().err


def test_cli_without_pandas_names_the_extra(monkeypatch, capsys):
    import importlib.util

    from skflowad.benchmark import cli

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "pandas" else real(name, *a))
    assert cli.main(["--list"]) == 2
    assert 'pip install "skflowad[bench]"' in capsys.readouterr().err


def test_markdown_table_shows_missing_cells_as_a_dash():
    from skflowad.benchmark.report import markdown_table

    frame = pd.DataFrame({"auroc": [0.91234, np.nan], "n": [3, 4], "note": ["x", None]},
                         index=["A", "B"])
    text = markdown_table(frame, "detector")
    assert "0.912" in text and "nan" not in text.lower() and text.count("—") == 2
    assert "| 3 " in text or "|   3 |" in text  # integers stay integers


def test_result_csv_appends_and_resumes(tmp_path):
    from skflowad.benchmark.result_csv import appender, done_keys

    path = tmp_path / "runs.csv"
    assert done_keys(path, ("dataset", "seed")) == set()
    with appender(path, ["dataset", "seed", "auroc"]) as write:
        write({"dataset": "a", "seed": 0, "auroc": 0.5})
        write({"dataset": "b", "seed": 1})
    with appender(path, ["dataset", "seed", "auroc"]) as write:  # no second header
        write({"dataset": "c", "seed": 2, "auroc": 0.7})
    assert done_keys(path, ("dataset", "seed"), {"seed": int}) == {("a", 0), ("b", 1), ("c", 2)}
    frame = pd.read_csv(path)
    assert list(frame.columns) == ["dataset", "seed", "auroc"] and len(frame) == 3
    assert np.isnan(frame.loc[1, "auroc"])
    with pytest.raises(ValueError), appender(path, ["dataset", "seed"]) as write:
        write({"dataset": "d", "seed": 3, "extra": 1})


def test_append_rows_writes_every_row_of_an_iterable(tmp_path, capsys):
    from skflowad.benchmark.result_csv import append_rows, done_keys

    path = tmp_path / "runs.csv"
    append_rows(path, ["dataset", "seed"], ({"dataset": d, "seed": i} for i, d in enumerate("ab")))
    append_rows(path, ["dataset", "seed"], iter([{"dataset": "c", "seed": 2}]))
    assert done_keys(path, ("dataset", "seed"), {"seed": int}) == {("a", 0), ("b", 1), ("c", 2)}
    assert len(pd.read_csv(path)) == 3
    assert capsys.readouterr().out.count("dataset") == 3
