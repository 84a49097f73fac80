/**
 * Derivative-free minimisation: Nelder–Mead simplex (Lagarias et al., SIAM J. Optim. 9 (1998) 112
 * coefficients 1, 2, ½, ½) with restarts from given starting points. Small problems only (a few
 * parameters), which is what hyperparameter fits are.
 */

export interface Minimum {
  x: Float64Array;
  value: number;
  evaluations: number;
}

export function nelderMead(f: (x: Float64Array) => number, start: ArrayLike<number>, step: ArrayLike<number>, maxEval = 2000, tol = 1e-9): Minimum {
  const n = start.length;
  const pts: Float64Array[] = [];
  const vals: number[] = [];
  let evals = 0;
  const ev = (x: Float64Array) => {
    evals++;
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };
  pts.push(Float64Array.from(start));
  vals.push(ev(pts[0]));
  for (let i = 0; i < n; i++) {
    const p = Float64Array.from(start);
    p[i] += step[i];
    pts.push(p);
    vals.push(ev(p));
  }
  const order = () => {
    const idx = pts.map((_, i) => i).sort((a, b) => vals[a] - vals[b]);
    const p2 = idx.map((i) => pts[i]), v2 = idx.map((i) => vals[i]);
    for (let i = 0; i <= n; i++) { pts[i] = p2[i]; vals[i] = v2[i]; }
  };
  const combo = (c: Float64Array, p: Float64Array, t: number) => { const r = new Float64Array(n); for (let i = 0; i < n; i++) r[i] = c[i] + t * (p[i] - c[i]); return r; };
  while (evals < maxEval) {
    order();
    if (Math.abs(vals[n] - vals[0]) <= tol * (Math.abs(vals[0]) + tol)) {
      let spread = 0;
      for (let i = 1; i <= n; i++) for (let k = 0; k < n; k++) spread = Math.max(spread, Math.abs(pts[i][k] - pts[0][k]));
      if (spread < 1e-7) break;
    }
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) c[k] += pts[i][k] / n;
    const xr = combo(c, pts[n], -1), fr = ev(xr);
    if (fr < vals[0]) {
      const xe = combo(c, pts[n], -2), fe = ev(xe);
      if (fe < fr) { pts[n] = xe; vals[n] = fe; } else { pts[n] = xr; vals[n] = fr; }
    } else if (fr < vals[n - 1]) {
      pts[n] = xr; vals[n] = fr;
    } else {
      const outside = fr < vals[n];
      const xc = combo(c, outside ? xr : pts[n], 0.5), fc = ev(xc);
      if (fc < (outside ? fr : vals[n])) { pts[n] = xc; vals[n] = fc; } else {
        for (let i = 1; i <= n; i++) { pts[i] = combo(pts[0], pts[i], 0.5); vals[i] = ev(pts[i]); }
      }
    }
  }
  order();
  return { x: pts[0], value: vals[0], evaluations: evals };
}

/** Best of several Nelder–Mead runs (one per start), each polished by a restart at its minimum. */
export function minimiseFrom(f: (x: Float64Array) => number, starts: ArrayLike<number>[], step: ArrayLike<number>, maxEval = 2000): Minimum {
  let best: Minimum | null = null;
  let total = 0;
  for (const s of starts) {
    let m = nelderMead(f, s, step, maxEval);
    const again = nelderMead(f, m.x, Array.from(step, (v) => v / 4), maxEval / 2);
    total += m.evaluations + again.evaluations;
    if (again.value <= m.value) m = again;
    if (!best || m.value < best.value) best = m;
  }
  return { ...best!, evaluations: total };
}
