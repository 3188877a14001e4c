"""PyOD's utilities and ensembles with skflowad detectors (docs/howto/pyod_tools.md).

Only what works is tested here; what cannot take a third-party detector is recorded in
the docs page's table.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from pyod.models.combination import aom, average, majority_vote, maximization, moa
from pyod.models.feature_bagging import FeatureBagging
from pyod.models.iforest import IForest
from pyod.models.lscp import LSCP
from pyod.utils.data import evaluate_print, generate_data
from pyod.utils.utility import standardizer
from sklearn.metrics import roc_auc_score

from conftest import make_fast
from skflowad import IOCN, FlowDensity, OneFlow

X_TRAIN, X_TEST, Y_TRAIN, Y_TEST = generate_data(
    n_train=300, n_test=100, n_features=4, contamination=0.1, random_state=0
)


@pytest.fixture(scope="module")
def fitted():
    """Three unsupervised skflowad detectors fitted on PyOD's synthetic data."""
    return [make_fast(cls, epochs=5).fit(X_TRAIN) for cls in (FlowDensity, OneFlow, IOCN)]


def test_generate_data_and_evaluate_print(fitted, capsys):
    for det in fitted:
        evaluate_print(type(det).__name__, Y_TEST, det.decision_function(X_TEST))
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["FlowDensity", "OneFlow", "IOCN"]
    assert all(float(re.search(r"ROC:([\d.]+)", line).group(1)) > 0.9 for line in lines)


def test_standardizer_and_score_combination(fitted):
    train = np.column_stack([det.decision_scores_ for det in fitted])
    test = np.column_stack([det.decision_function(X_TEST) for det in fitted])
    train_z, test_z = standardizer(train, test)
    assert np.allclose(train_z.mean(axis=0), 0) and np.allclose(train_z.std(axis=0), 1)
    combined = {
        "average": average(test_z),
        "maximization": maximization(test_z),
        "aom": aom(test_z, n_buckets=3, random_state=0),
        "moa": moa(test_z, n_buckets=3, random_state=0),
    }
    for name, scores in combined.items():
        assert scores.shape == (len(X_TEST),), name
        assert roc_auc_score(Y_TEST, scores) > 0.9, name


def test_majority_vote_of_predicted_labels(fitted):
    labels = np.column_stack([det.predict(X_TEST) for det in fitted])
    vote = majority_vote(labels)
    assert vote.shape == (len(X_TEST),) and set(np.unique(vote)) <= {0, 1}
    assert vote[Y_TEST == 1].mean() > 0.8 and vote[Y_TEST == 0].mean() < 0.1


def test_lscp_over_skflowad_detectors():
    detectors = [make_fast(cls, epochs=5) for cls in (FlowDensity, OneFlow, IOCN)]
    lscp = LSCP(detectors, local_region_size=30, n_bins=3, random_state=0).fit(X_TRAIN)
    assert roc_auc_score(Y_TEST, lscp.decision_function(X_TEST)) > 0.9
    assert set(np.unique(lscp.predict(X_TEST))) <= {0, 1}


def test_feature_bagging_of_a_skflowad_detector():
    bagging = FeatureBagging(make_fast(FlowDensity, epochs=5), n_estimators=3, random_state=0)
    bagging.fit(X_TRAIN)
    assert roc_auc_score(Y_TEST, bagging.decision_function(X_TEST)) > 0.9


def test_suod_with_skflowad_and_pyod_detectors():
    """SUOD runs detectors it does not know as they are ('UNK': no projection, no
    approximation). bps_flag=False: the default rebuilds suod's cost predictor and
    writes it into suod's installed package folder on every fit."""
    pytest.importorskip("suod")
    from pyod.models.suod import SUOD

    suod = SUOD(
        base_estimators=[make_fast(FlowDensity, epochs=5), make_fast(OneFlow, epochs=5),
                         IForest(random_state=0)],
        bps_flag=False, n_jobs=1, verbose=False,
    ).fit(X_TRAIN)
    assert [type(d).__name__ for d in suod.model_.base_estimators] == [
        "FlowDensity", "OneFlow", "IForest"]
    assert roc_auc_score(Y_TEST, suod.decision_function(X_TEST)) > 0.9
    assert suod.predict(X_TEST).shape == (len(X_TEST),)


FLOW_DENSITY_ENTRY = {
    "class_path": "skflowad.FlowDensity",
    "full_name": "Normalizing-flow density (skflowad)",
    "status": "shipped",
    "data_types": ["tabular"],
    "category": "probabilistic",
    "default_params": {"contamination": 0.1},
    "requires": ["torch", "zuko"],
}
FAST_JSON = {"epochs": 5, "n_transforms": 2, "hidden_features": [16, 16], "device": "cpu",
             "random_state": 0}


def test_ad_engine_runs_a_detector_added_to_its_knowledge_base(tmp_path):
    """ADEngine builds detectors from its knowledge base's class paths: a copy of PyOD's
    knowledge folder with an entry added (the public ``knowledge_dir`` argument)."""
    import pyod.utils.knowledge
    from pyod.utils.ad_engine import ADEngine

    for path in Path(pyod.utils.knowledge.__file__).parent.glob("*.json"):
        shutil.copy(path, tmp_path)
    algorithms = json.loads((tmp_path / "algorithms.json").read_text())
    algorithms["FlowDensity"] = FLOW_DENSITY_ENTRY
    (tmp_path / "algorithms.json").write_text(json.dumps(algorithms))

    engine = ADEngine(knowledge_dir=str(tmp_path), random_state=0)
    assert "FlowDensity" in [d["name"] for d in engine.list_detectors("tabular")]
    plan = engine.make_plan(["FlowDensity", "IForest"], params=[FAST_JSON, {}])
    result = engine.run_detection(X_TRAIN, plan, X_test=X_TEST)
    assert isinstance(result["detector"], FlowDensity)
    assert roc_auc_score(Y_TEST, result["scores_test"]) > 0.9
    assert result["n_anomalies"] == pytest.approx(0.1 * len(X_TRAIN), abs=3)
    assert engine.analyze_results(result, X=X_TRAIN)["n_anomalies"] == result["n_anomalies"]

    # The investigation workflow over the same plans: consensus of both detectors.
    state = engine.start(X_TRAIN)
    state.plans, state.phase = [plan, *plan["alternatives"]], "planned"
    state = engine.analyze(engine.run(state))
    assert [r["status"] for r in state.results] == ["success", "success"]
    assert state.consensus["n_detectors"] == 2


def test_contamination_takes_a_pythresh_thresholder(detector_cls):
    from pythresh.thresholds.karch import KARCH

    X = np.random.default_rng(0).normal(size=(200, 3))
    X[:10] += 6.0
    det = make_fast(detector_cls, contamination=KARCH()).fit(X)
    assert set(np.unique(det.labels_)) <= {0, 1}
    assert 0 < det.labels_.mean() < 0.5
    np.testing.assert_array_equal(det.predict(X), det.contamination.predict(det.decision_function(X)))
