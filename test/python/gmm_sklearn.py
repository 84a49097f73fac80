"""Independent EM for the PAD/FBM background mixture: scikit-learn's GaussianMixture
(covariance_type="diag") from the same start. Reads JSON {x (n*d), n, d, weights, means, vars,
reg, iters} on stdin; prints the fitted weights, means, variances and the mean log-likelihood."""
import json
import sys

import numpy as np
from sklearn.mixture import GaussianMixture

a = json.load(sys.stdin)
n, d = a["n"], a["d"]
X = np.asarray(a["x"], dtype=float).reshape(n, d)
means = np.asarray(a["means"], dtype=float).reshape(-1, d)
k = means.shape[0]
variances = np.asarray(a["vars"], dtype=float).reshape(k, d)
gm = GaussianMixture(n_components=k, covariance_type="diag", reg_covar=a["reg"], max_iter=a["iters"], tol=1e-12,
                     weights_init=np.asarray(a["weights"]), means_init=means, precisions_init=1.0 / variances)
gm.fit(X)
print(json.dumps({"weights": gm.weights_.tolist(), "means": gm.means_.ravel().tolist(), "vars": gm.covariances_.ravel().tolist(),
                  "mean_ll": float(gm.score(X))}))
