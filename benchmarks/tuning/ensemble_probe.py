"""Ensembles of flows: K FlowDensity fits per split (seed i, random feature order i).

Each member's test scores, log-densities and training scores are saved to one ``.npz`` in
``OUT``; ``benchmarks/results/recipe/ensembles.md`` gives how they were combined and the
results. Resumes: a member already saved is not fitted again.

    python benchmarks/tuning/ensemble_probe.py "<datasets>" "P2 P1" <members> 1
"""
import sys, os, time, warnings
import numpy as np
from joblib import Parallel, delayed
warnings.filterwarnings("ignore")
from skflowad import FlowDensity
from skflowad.benchmark.splits import expand_datasets, load_dataset, make_split, setting_data

OUT = os.environ.get("ENSEMBLE_SCORES", "/tmp/ens/scores")
os.makedirs(OUT, exist_ok=True)

def one(ds, setting, seed, member, randperm):
    path = f"{OUT}/{ds}_{setting}_{seed}_{member}_{int(randperm)}.npz"
    if os.path.exists(path):
        return
    ref = expand_datasets([ds])[0]
    X, y = load_dataset(ref)
    split = make_split(X, y, seed)
    Xtr, ytr = setting_data(split, setting, seed)
    det = FlowDensity(random_state=1000 * seed + member, device="cpu")
    if randperm:
        # variable order per member: permute columns before the flow
        perm = np.random.default_rng(member).permutation(Xtr.shape[1]) if member else np.arange(Xtr.shape[1])
    else:
        perm = np.arange(Xtr.shape[1])
    from sklearn.preprocessing import StandardScaler
    sc = StandardScaler().fit(Xtr); Xtr = sc.transform(Xtr); Xte = sc.transform(split.X_test)
    t = time.time()
    det.fit(Xtr[:, perm])
    s = det.decision_function(Xte[:, perm])
    ll = det.score_samples(Xte[:, perm])
    np.savez(path, s=s, ll=ll, y=split.y_test, fit_s=time.time() - t,
             train=det.decision_scores_)

if __name__ == "__main__":
    datasets = sys.argv[1].split()
    settings = sys.argv[2].split()
    members = int(sys.argv[3]); randperm = int(sys.argv[4])
    calls = [(d, st, 0, m, randperm) for st in settings for d in datasets for m in range(members)]
    Parallel(n_jobs=1, verbose=0)(delayed(one)(*c) for c in calls)
