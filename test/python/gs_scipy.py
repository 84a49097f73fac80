"""The general-search p-value by scipy: quad over a Gaussian prior truncated at 0 of the Poisson
tail. Reads JSON [[n, b, sigma], ...] on stdin, prints the p-values."""
import json
import sys

from scipy import integrate, stats

out = []
for n, b, s in json.load(sys.stdin):
    excess = n >= b
    tail = (lambda beta: stats.poisson.sf(n - 1, beta)) if excess else (lambda beta: stats.poisson.cdf(n, beta))
    if s == 0:
        out.append(float(tail(b)))
        continue
    lo, hi = max(0.0, b - 10 * s), b + 10 * s
    pts = [b] if lo < b < hi else None
    num = integrate.quad(lambda x: stats.norm.pdf(x, b, s) * tail(x), lo, hi, points=pts, epsabs=0, epsrel=1e-12, limit=500)[0]
    den = integrate.quad(lambda x: stats.norm.pdf(x, b, s), lo, hi, points=pts, epsabs=0, epsrel=1e-12, limit=500)[0]
    out.append(num / den)
print(json.dumps(out))
