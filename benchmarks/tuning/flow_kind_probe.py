"""Choosing the flow kind without labels: FlowDensity with each kind, chosen by held-out NLL.

Per split (seed 0) FlowDensity is fitted at its defaults with each ``flow`` kind given; its
test scores and the scores of its held-out training rows (``calibration_scores_``: their
negative log-likelihood) are saved to one ``.npz`` per fit in ``OUT``. A kind is chosen
per split by the lower median held-out NLL, a choice the training rows alone make
(``benchmarks/results/recipe/flow_kind_selection.md``). Resumes.

    python benchmarks/tuning/flow_kind_probe.py "<datasets>" "P2 P1" "maf nsf" 2
"""
import sys, os, time, warnings
import numpy as np
from joblib import Parallel, delayed
warnings.filterwarnings("ignore")
OUT = os.environ.get("FLOW_KIND_SCORES", "/tmp/kind/scores")
os.makedirs(OUT, exist_ok=True)

def one(ds, setting, kind):
    path = f"{OUT}/{ds}__{setting}__{kind}.npz"
    if os.path.exists(path):
        return
    from sklearn.preprocessing import StandardScaler
    from skflowad import FlowDensity
    from skflowad.benchmark import expand_datasets, load_dataset, make_split, setting_data
    split = make_split(*load_dataset(expand_datasets([ds])[0]), 0)
    Xtr, _ = setting_data(split, setting, 0)
    sc = StandardScaler().fit(Xtr); Xtr = sc.transform(Xtr); Xte = sc.transform(split.X_test)
    t = time.time()
    det = FlowDensity(random_state=0, device="cpu", flow=kind).fit(Xtr)
    fit_s = time.time() - t
    np.savez(path, s=det.decision_function(Xte), y=split.y_test, fit_s=fit_s,
             cal=det.calibration_scores_, train=det.decision_scores_,
             epochs=det.history_["flow"].n_epochs)

if __name__ == "__main__":
    datasets = sys.argv[1].split(); settings = sys.argv[2].split(); kinds = sys.argv[3].split()
    calls = [(d, st, k) for st in settings for d in datasets for k in kinds]
    Parallel(n_jobs=int(sys.argv[4]))(delayed(one)(*c) for c in calls)
