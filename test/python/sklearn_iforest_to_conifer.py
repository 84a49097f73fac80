#!/usr/bin/python3
"""Independent cross-check for scoutloop's isolation forest: fit scikit-learn's IsolationForest
(Debian python3-sklearn), write it as conifer JSON (sklearn's own trees and leaf path lengths),
and print the data and sklearn's score_samples so the test can score the same rows with
scoutloop and compare.

Usage: sklearn_iforest_to_conifer.py SEED N_ROWS N_FEATURES N_TREES MAX_SAMPLES > out.json
Output JSON: {"conifer": {...}, "X": [[...]], "sklearn_scores": [...], "c": {"n": [...], "c": [...]}}

Conventions carried over (sklearn 1.x `ensemble/_iforest.py`):
- rows are cast to float32 before the trees see them; a split sends x <= threshold left;
- each tree sees its columns through `estimators_features_` (a permutation when
  max_features = 1.0), mapped back here to the original column numbers;
- a leaf's path length is its depth + c(n_node_samples), c = `_average_path_length`;
- score_samples = -2^(-mean path length / c(max_samples_)).
So conifer's output (sum of leaf values + init_predict) x norm with init 0 and
norm = -1 / (n_trees c(psi)) is log2(-score_samples).
"""
import json
import sys

import numpy as np
from sklearn.ensemble import IsolationForest
from sklearn.ensemble._iforest import _average_path_length


def tree_to_conifer(estimator, features):
    t = estimator.tree_
    n = t.node_count
    depth = np.zeros(n, dtype=np.int64)
    for node in range(n):  # children always come after their parent in sklearn's arrays
        for child in (t.children_left[node], t.children_right[node]):
            if child >= 0:
                depth[child] = depth[node] + 1
    leaf = t.children_left < 0
    path = depth + _average_path_length(t.n_node_samples)
    return {
        "feature": [int(features[f]) if not is_leaf else -2 for f, is_leaf in zip(t.feature, leaf)],
        "threshold": [float(x) if not is_leaf else -2.0 for x, is_leaf in zip(t.threshold, leaf)],
        "children_left": [int(c) for c in t.children_left],
        "children_right": [int(c) for c in t.children_right],
        "value": [float(p) if is_leaf else 0.0 for p, is_leaf in zip(path, leaf)],
    }


def main():
    seed, n_rows, n_features, n_trees, max_samples = (int(a) for a in sys.argv[1:6])
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_features)).astype(np.float32)
    X[: n_rows // 20] *= 4.0  # a few outliers, so the scores spread
    forest = IsolationForest(n_estimators=n_trees, max_samples=max_samples, random_state=seed).fit(X)
    psi = forest.max_samples_
    trees = [[tree_to_conifer(e, f)] for e, f in zip(forest.estimators_, forest.estimators_features_)]
    conifer = {
        "n_trees": n_trees, "n_features": n_features, "n_classes": 1,
        "init_predict": [0.0], "norm": -1.0 / (n_trees * float(_average_path_length([psi])[0])),
        "splitting_convention": "<=", "library": "sklearn", "trees": trees,
    }
    ns = [1, 2, 3, 5, 10, 64, 128, 256, 1000]
    json.dump({
        "conifer": conifer,
        "X": X.tolist(),
        "sklearn_scores": forest.score_samples(X).tolist(),
        "psi": int(psi),
        "c": {"n": ns, "c": _average_path_length(ns).tolist()},
    }, sys.stdout)


if __name__ == "__main__":
    main()
