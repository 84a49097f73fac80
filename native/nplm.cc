// NPLM kernel fit, native twin of src/study/nplm-fit.ts (nystromFeatures, weightedLogistic): the
// same loops in the same order, so the two agree to rounding of exp/log1p (V8's fdlibm vs glibc).
// The O(n·M²) Hessian and feature passes are what makes the TS version slow.
#include <cmath>
#include <vector>

#include "registry.h"

namespace {

using scoutloop::argTypedArray;

bool cholesky(std::vector<double>& a, size_t n) {
  for (size_t j = 0; j < n; j++) {
    double d = a[j * n + j];
    for (size_t k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0)) return false;
    const double l = std::sqrt(d);
    a[j * n + j] = l;
    for (size_t i = j + 1; i < n; i++) {
      double s = a[i * n + j];
      const double* ri = &a[i * n];
      const double* rj = &a[j * n];
      for (size_t k = 0; k < j; k++) s -= ri[k] * rj[k];
      a[i * n + j] = s / l;
    }
    for (size_t k = j + 1; k < n; k++) a[j * n + k] = 0;
  }
  return true;
}

void choleskySolve(const std::vector<double>& l, size_t n, const std::vector<double>& b, std::vector<double>& x) {
  x = b;
  for (size_t i = 0; i < n; i++) {
    double s = x[i];
    for (size_t k = 0; k < i; k++) s -= l[i * n + k] * x[k];
    x[i] = s / l[i * n + i];
  }
  for (size_t ii = n; ii-- > 0;) {
    double s = x[ii];
    for (size_t k = ii + 1; k < n; k++) s -= l[k * n + ii] * x[k];
    x[ii] = s / l[ii * n + ii];
  }
}

inline double softplus(double z) { return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }
inline double sigmoid(double z) { return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z)); }

bool sizeArg(const Napi::CallbackInfo& info, size_t i, size_t* out) {
  if (info.Length() <= i || !info[i].IsNumber()) return false;
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0 && v < 1e12) || v != std::floor(v)) return false;
  *out = size_t(v);
  return true;
}

Napi::Value fail(const Napi::CallbackInfo& info, const char* what) {
  Napi::RangeError::New(info.Env(), what).ThrowAsJavaScriptException();
  return info.Env().Null();
}

// nplmFeatures(x, n, d, centres, m, sigma, chol, out): φ = L⁻¹ k_M(x) per row.
Napi::Value Features(const Napi::CallbackInfo& info) {
  Napi::Float64Array x, centres, chol, out;
  size_t n, d, m;
  if (!argTypedArray(info, 0, napi_float64_array, &x, "x") || !argTypedArray(info, 3, napi_float64_array, &centres, "centres") ||
      !argTypedArray(info, 6, napi_float64_array, &chol, "chol") || !argTypedArray(info, 7, napi_float64_array, &out, "out"))
    return info.Env().Null();
  if (!sizeArg(info, 1, &n) || !sizeArg(info, 2, &d) || !sizeArg(info, 4, &m) || !info[5].IsNumber()) return fail(info, "nplmFeatures: bad sizes");
  const double sigma = info[5].As<Napi::Number>().DoubleValue();
  if (!(sigma > 0) || x.ElementLength() < n * d || centres.ElementLength() < m * d || chol.ElementLength() < m * m || out.ElementLength() < n * m)
    return fail(info, "nplmFeatures: arrays shorter than the sizes");
  const double g = -1 / (2 * sigma * sigma);
  const double* X = x.Data();
  const double* C = centres.Data();
  const double* L = chol.Data();
  double* O = out.Data();
  for (size_t r = 0; r < n; r++) {
    double* o = O + r * m;
    for (size_t j = 0; j < m; j++) {
      double s = 0;
      for (size_t c = 0; c < d; c++) { const double u = X[r * d + c] - C[j * d + c]; s += u * u; }
      o[j] = std::exp(g * s);
    }
    for (size_t i = 0; i < m; i++) {
      double s = o[i];
      const double* li = L + i * m;
      for (size_t k = 0; k < i; k++) s -= li[k] * o[k];
      o[i] = s / li[i];
    }
  }
  return info.Env().Undefined();
}

// nplmNewton(phi, n, m, y, w, lambda, maxIter, tol, beta, f, info): weightedLogistic of nplm-fit.ts.
// info ← [objective, iterations, converged, hessianFailed].
Napi::Value Newton(const Napi::CallbackInfo& info) {
  Napi::Float64Array phiA, wA, betaA, fA, infoA;
  Napi::Uint8Array yA;
  size_t n, m, maxIter;
  if (!argTypedArray(info, 0, napi_float64_array, &phiA, "phi") || !argTypedArray(info, 3, napi_uint8_array, &yA, "y") ||
      !argTypedArray(info, 4, napi_float64_array, &wA, "w") || !argTypedArray(info, 8, napi_float64_array, &betaA, "beta") ||
      !argTypedArray(info, 9, napi_float64_array, &fA, "f") || !argTypedArray(info, 10, napi_float64_array, &infoA, "info"))
    return info.Env().Null();
  if (!sizeArg(info, 1, &n) || !sizeArg(info, 2, &m) || !sizeArg(info, 6, &maxIter) || !info[5].IsNumber() || !info[7].IsNumber())
    return fail(info, "nplmNewton: bad sizes");
  if (n == 0 || m == 0 || phiA.ElementLength() < n * m || yA.ElementLength() < n || wA.ElementLength() < n || betaA.ElementLength() < m ||
      fA.ElementLength() < n || infoA.ElementLength() < 4)
    return fail(info, "nplmNewton: arrays shorter than the sizes");
  const double lambda = info[5].As<Napi::Number>().DoubleValue();
  const double tol = info[7].As<Napi::Number>().DoubleValue();
  const double* phi = phiA.Data();
  const uint8_t* y = yA.Data();
  const double* w = wA.Data();
  double* beta = betaA.Data();
  double* f = fA.Data();
  for (size_t j = 0; j < m; j++) beta[j] = 0;
  auto objective = [&](const double* b, double* fOut) {
    double s = 0;
    for (size_t i = 0; i < n; i++) {
      double z = 0;
      const double* o = phi + i * m;
      for (size_t j = 0; j < m; j++) z += o[j] * b[j];
      fOut[i] = z;
      s += w[i] * softplus(y[i] ? -z : z);
    }
    double r = 0;
    for (size_t j = 0; j < m; j++) r += b[j] * b[j];
    return s / double(n) + 0.5 * lambda * r;
  };
  double j0 = objective(beta, f);
  std::vector<double> grad(m), h(m * m), trial(m), fTrial(n), step;
  bool converged = false, hessianFailed = false;
  size_t it = 0;
  for (; it < maxIter; it++) {
    std::fill(grad.begin(), grad.end(), 0.0);
    std::fill(h.begin(), h.end(), 0.0);
    for (size_t i = 0; i < n; i++) {
      const double p = sigmoid(f[i]);
      const double gi = (w[i] * (p - y[i])) / double(n);
      const double hi = (w[i] * p * (1 - p)) / double(n);
      const double* o = phi + i * m;
      for (size_t a = 0; a < m; a++) {
        const double pa = o[a];
        grad[a] += gi * pa;
        const double hpa = hi * pa;
        double* ra = &h[a * m];
        for (size_t b = 0; b <= a; b++) ra[b] += hpa * o[b];
      }
    }
    for (size_t a = 0; a < m; a++) {
      grad[a] += lambda * beta[a];
      h[a * m + a] += lambda;
      for (size_t b = 0; b < a; b++) h[b * m + a] = h[a * m + b];
    }
    if (!cholesky(h, m)) { hessianFailed = true; break; }
    choleskySolve(h, m, grad, step);
    double decrement = 0;
    for (size_t a = 0; a < m; a++) decrement += grad[a] * step[a];
    if (decrement / 2 < tol) { converged = true; break; }
    double t = 1, j1 = INFINITY;
    for (int ls = 0; ls < 40; ls++, t /= 2) {
      for (size_t a = 0; a < m; a++) trial[a] = beta[a] - t * step[a];
      j1 = objective(trial.data(), fTrial.data());
      if (j1 <= j0 - 0.25 * t * decrement) break;
    }
    if (!(j1 < j0)) { converged = decrement / 2 < 1e-8; break; }
    for (size_t a = 0; a < m; a++) beta[a] = trial[a];
    for (size_t i = 0; i < n; i++) f[i] = fTrial[i];
    j0 = j1;
  }
  infoA[0] = j0;
  infoA[1] = double(it);
  infoA[2] = converged ? 1 : 0;
  infoA[3] = hessianFailed ? 1 : 0;
  return info.Env().Undefined();
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("nplmFeatures", Napi::Function::New(env, Features));
  exports.Set("nplmNewton", Napi::Function::New(env, Newton));
}

scoutloop::Register reg(Init);

}  // namespace
