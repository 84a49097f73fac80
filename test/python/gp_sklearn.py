"""Independent GP regression for the stationary cross-check: scikit-learn's
GaussianProcessRegressor with ConstantKernel * RBF and a per-point noise variance (alpha).
Reads JSON {x, y, noise, amplitude, length} on stdin. Prints the log marginal likelihood and the
posterior mean at the fixed hyperparameters, and the hyperparameters sklearn's own optimiser
finds (L-BFGS-B, restarts) with the log marginal likelihood there."""
import json
import sys

import numpy as np
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel

a = json.load(sys.stdin)
X = np.asarray(a["x"], dtype=float).reshape(-1, 1)
y = np.asarray(a["y"], dtype=float)
noise = np.asarray(a["noise"], dtype=float)
fixed = ConstantKernel(a["amplitude"], "fixed") * RBF(a["length"], "fixed")
gp = GaussianProcessRegressor(kernel=fixed, alpha=noise, optimizer=None, normalize_y=False).fit(X, y)
free = ConstantKernel(a["amplitude"], (1e-6, 1e12)) * RBF(a["length"], (1e-3, 1e3))
opt = GaussianProcessRegressor(kernel=free, alpha=noise, n_restarts_optimizer=5, random_state=0, normalize_y=False).fit(X, y)
print(json.dumps({
    "lml": float(gp.log_marginal_likelihood_value_),
    "mean": gp.predict(X).tolist(),
    "opt_amplitude": float(opt.kernel_.k1.constant_value),
    "opt_length": float(opt.kernel_.k2.length_scale),
    "opt_lml": float(opt.log_marginal_likelihood_value_),
}))
