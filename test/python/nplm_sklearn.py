"""Independent solver for the NPLM kernel fit: scikit-learn's LogisticRegression on the same
Nystrom features. Reads JSON {phi (n*m, row-major), n, m, y, w, lambda} on stdin; our objective
(1/n) sum w l + (lambda/2)|b|^2 equals sklearn's (1/2)|b|^2 + C sum w l with C = 1/(lambda n).
Prints JSON {f, beta}."""
import json
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression

a = json.load(sys.stdin)
n, m = a["n"], a["m"]
phi = np.asarray(a["phi"], dtype=float).reshape(n, m)
y = np.asarray(a["y"], dtype=int)
w = np.asarray(a["w"], dtype=float)
clf = LogisticRegression(C=1.0 / (a["lambda"] * n), fit_intercept=False, solver="newton-cg", tol=1e-12, max_iter=10000)
clf.fit(phi, y, sample_weight=w)
print(json.dumps({"f": clf.decision_function(phi).tolist(), "beta": clf.coef_[0].tolist()}))
