// Native fixed-point dense network (AE reconstruction error / VAE ‖μ‖²): the fast path of
// src/scoring/nn.ts, bit for bit. Arithmetic follows hls4ml `nnet_dense_latency.h` as documented
// there: products cast to accum_t, sums cast to accum_t, result_t cast, activation in result_t.
//
// Speed: when the accumulator uses AP_TRN + AP_WRAP (hls4ml's default accum_t), each cast of a
// product is an arithmetic right shift (floor) and wrapping is modular, so the sum can run in plain
// int64 and be wrapped once at the end — the same bits, with a loop the compiler vectorises.
#include <immintrin.h>

#include <algorithm>
#include <initializer_list>
#include <cstdint>
#include <memory>
#include <vector>

#include "fixed.h"
#include "format_arg.h"
#include "registry.h"

namespace {

using scoutloop::argTypedArray;
using scoutloop::formatAt;
namespace fx = scoutloop::fx;

constexpr int kLayerMeta = 3 + 5 * 5;  // nIn, nOut, activation, 5 formats × 5 ints

struct Layer {
  int nIn = 0, nOut = 0, activation = 0;  // 0 linear, 1 relu, 2 leaky_relu
  fx::Format weight, bias, accum, result, alpha;
  std::vector<int64_t> wT;  // transposed: [out][in]
  std::vector<double> wD;   // [in][out] as doubles, for the exact floating fast path
  std::vector<int64_t> b;
  std::vector<int64_t> biasAcc;  // accum_t(bias), computed once
  int64_t alphaRaw = 0;
  bool fastAccum = false;  // accum_t is AP_TRN + AP_WRAP: sum products first, wrap once
  int maxInBits = 0;       // bits of the widest input value this layer can receive
  int fracIn = 0;          // fractional bits of this layer's input (fixed by the formats)
  bool useDouble = false;  // the exact double MAC applies (see exactInDouble), decided once
  double inScale = 1;      // 2^(accum frac − product frac): inputs scaled so products land in accum_t
  void (*post)(const Layer&, const double*, int64_t*) = nullptr;  // post-MAC loop for the double path
};

struct Net {
  bool vae = false;
  int nFeatures = 0;
  fx::Format input, output;
  std::vector<Layer> layers;
  int widest = 0;
};

// Bits needed by |Σ x·w·2^k| in the worst case: the double fast path is exact below 2^53.
inline bool exactInDouble(const Layer& l, int leftShift) {
  int logN = 0;
  while ((1 << logN) < l.nIn) logN++;
  return leftShift >= 0 && leftShift <= 40 && l.maxInBits + l.weight.width + leftShift + logN <= 52;
}

// After the exact double MAC: bias + sum wrapped into accum_t (modular: once), cast to result_t,
// activation. The formats are copied into locals so the loop keeps them in registers instead of
// re-reading the layer after every store.
// Instantiated per result quant/overflow mode (the accumulator is AP_TRN + AP_WRAP on this path):
// with the modes constant the casts compile to straight-line code.
template <fx::Quant Q, fx::Overflow O>
void postDoubleT(const Layer& l, const double* sacc, int64_t* out) {
  fx::Format accF = l.accum, resF = l.result;
  accF.quant = fx::TRN, accF.overflow = fx::WRAP, resF.quant = Q, resF.overflow = O;
  const int fAcc = accF.frac(), fRes = resF.frac(), fAlpha = l.alpha.frac();
  const int act = l.activation, nOut = l.nOut;
  const int64_t alpha = l.alphaRaw;
  const int64_t* bias = l.biasAcc.data();
  for (int j = 0; j < nOut; j++) {
    const int64_t acc = fx::overflowRaw(bias[j] + int64_t(sacc[j]), accF);
    int64_t res = fx::castRaw(acc, fAcc, resF);
    if (act == 1) res = res < 0 ? 0 : res;
    else if (act == 2 && res < 0) res = fx::castRaw(alpha * res, fAlpha + fRes, resF);
    out[j] = res;
  }
}

using PostFn = void (*)(const Layer&, const double*, int64_t*);
template <fx::Quant Q>
PostFn postFor(fx::Overflow o) {
  switch (o) {
    case fx::WRAP: return postDoubleT<Q, fx::WRAP>;
    case fx::SAT: return postDoubleT<Q, fx::SAT>;
    case fx::SAT_ZERO: return postDoubleT<Q, fx::SAT_ZERO>;
    case fx::SAT_SYM: return postDoubleT<Q, fx::SAT_SYM>;
  }
  return postDoubleT<Q, fx::WRAP>;
}
PostFn postFor(const fx::Format& r) {
  switch (r.quant) {
    case fx::TRN: return postFor<fx::TRN>(r.overflow);
    case fx::TRN_ZERO: return postFor<fx::TRN_ZERO>(r.overflow);
    case fx::RND: return postFor<fx::RND>(r.overflow);
    case fx::RND_ZERO: return postFor<fx::RND_ZERO>(r.overflow);
    case fx::RND_MIN_INF: return postFor<fx::RND_MIN_INF>(r.overflow);
    case fx::RND_INF: return postFor<fx::RND_INF>(r.overflow);
    case fx::RND_CONV: return postFor<fx::RND_CONV>(r.overflow);
  }
  return postFor<fx::TRN>(r.overflow);
}

void finalize(Napi::Env, Net* n) { delete n; }

Napi::Value Fail(Napi::Env env, const char* msg) {
  Napi::RangeError::New(env, msg).ThrowAsJavaScriptException();
  return env.Null();
}

// nnCompile(vae, nFeatures, formats Int32Array(10: input, output), meta Int32Array(nLayers × 28),
//           weights Float64Array (raw, [in][out] per layer), biases Float64Array (raw), alphas Float64Array (raw))
Napi::Value NnCompile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 7 || !info[0].IsBoolean() || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "nnCompile expects 7 arguments").ThrowAsJavaScriptException();
    return env.Null();
  }
  Napi::Int32Array formats, meta;
  Napi::Float64Array weights, biases, alphas;
  if (!argTypedArray(info, 2, napi_int32_array, &formats, "formats") || !argTypedArray(info, 3, napi_int32_array, &meta, "meta") ||
      !argTypedArray(info, 4, napi_float64_array, &weights, "weights") ||
      !argTypedArray(info, 5, napi_float64_array, &biases, "biases") || !argTypedArray(info, 6, napi_float64_array, &alphas, "alphas"))
    return env.Null();
  auto net = std::make_unique<Net>();
  net->vae = info[0].As<Napi::Boolean>().Value();
  net->nFeatures = info[1].As<Napi::Number>().Int32Value();
  if (formats.ElementLength() != 10 || meta.ElementLength() == 0 || meta.ElementLength() % kLayerMeta != 0)
    return Fail(env, "nnCompile: bad formats or layer metadata length");
  net->input = formatAt(formats.Data());
  net->output = formatAt(formats.Data() + 5);
  if (!fx::validFormat(net->input) || !fx::validFormat(net->output) || net->nFeatures < 1 || net->nFeatures > 4096)
    return Fail(env, "nnCompile: invalid input/output format or feature count");
  const size_t nLayers = meta.ElementLength() / kLayerMeta;
  if (alphas.ElementLength() != nLayers || nLayers > 64) return Fail(env, "nnCompile: one alpha per layer, at most 64 layers");
  size_t wOff = 0, bOff = 0;
  int nIn = net->nFeatures;
  net->widest = net->nFeatures;
  for (size_t k = 0; k < nLayers; k++) {
    const int32_t* m = meta.Data() + k * kLayerMeta;
    Layer l;
    l.nIn = m[0];
    l.nOut = m[1];
    l.activation = m[2];
    l.weight = formatAt(m + 3);
    l.bias = formatAt(m + 8);
    l.accum = formatAt(m + 13);
    l.result = formatAt(m + 18);
    l.alpha = formatAt(m + 23);
    if (l.nIn != nIn || l.nOut < 1 || l.nOut > 4096 || l.activation < 0 || l.activation > 2) return Fail(env, "nnCompile: bad layer shape");
    for (const fx::Format* f : std::initializer_list<const fx::Format*>{&l.weight, &l.bias, &l.accum, &l.result, &l.alpha})
      if (!fx::validFormat(*f)) return Fail(env, "nnCompile: invalid layer format");
    const size_t nw = size_t(l.nIn) * l.nOut;
    if (wOff + nw > weights.ElementLength() || bOff + l.nOut > biases.ElementLength()) return Fail(env, "nnCompile: weights too short");
    l.wT.resize(nw);
    for (int i = 0; i < l.nIn; i++)
      for (int j = 0; j < l.nOut; j++) l.wT[size_t(j) * l.nIn + i] = int64_t(weights[wOff + size_t(i) * l.nOut + j]);
    l.b.resize(l.nOut);
    for (int j = 0; j < l.nOut; j++) l.b[j] = int64_t(biases[bOff + j]);
    l.alphaRaw = int64_t(alphas[k]);
    l.biasAcc.resize(l.nOut);
    for (int j = 0; j < l.nOut; j++) l.biasAcc[j] = fx::castRaw(l.b[j], l.bias.frac(), l.accum);
    l.wD.resize(nw);
    for (size_t i = 0; i < nw; i++) l.wD[i] = double(int64_t(weights[wOff + i]));
    l.fastAccum = l.accum.quant == fx::TRN && l.accum.overflow == fx::WRAP;
    l.maxInBits = k == 0 ? net->input.width : net->layers.back().result.width;  // inputs are range-checked per call
    l.fracIn = k == 0 ? net->input.frac() : net->layers.back().result.frac();
    {
      const int shift = l.fracIn + l.weight.frac() - l.accum.frac();
      l.useDouble = l.fastAccum && exactInDouble(l, -shift);
      if (l.useDouble) l.inScale = double(int64_t(1) << (-shift)), l.post = postFor(l.result);
    }
    wOff += nw;
    bOff += l.nOut;
    nIn = l.nOut;
    net->widest = std::max(net->widest, l.nOut);
    net->layers.push_back(std::move(l));
  }
  if (wOff != weights.ElementLength() || bOff != biases.ElementLength()) return Fail(env, "nnCompile: extra weights or biases");
  if (!net->vae && nIn != net->nFeatures) return Fail(env, "nnCompile: autoencoder output size differs from its input");
  return Napi::External<Net>::New(env, net.release(), finalize);
}

// Σ_i x_i·w_ij for every j, in doubles (exact integers), accumulation order i = 0..nIn−1 per output.
// Outputs are taken 8 at a time with the 8 sums held in registers across the whole i loop (no
// reassociation of any sum, so the result is the exact integer the TS reference computes).
template <int B>
inline void macBlock(const double* x, const double* w, int nIn, int nOut, double* acc) {
  double a[B];
  for (int b = 0; b < B; b++) a[b] = 0;
  for (int i = 0; i < nIn; i++) {
    const double xi = x[i];
    const double* wi = w + size_t(i) * nOut;
    for (int b = 0; b < B; b++) a[b] += xi * wi[b];
  }
  for (int b = 0; b < B; b++) acc[b] = a[b];
}

// AVX2: R × 4 outputs held in R registers across the whole i loop, so R independent add chains
// hide the add latency; multiply then add (exact for these integer values, as in the scalar path,
// so no FMA is needed and none would change the result).
template <int R>
__attribute__((target("avx2"))) inline void macBlockAvx2(const double* x, const double* w, int nIn, int nOut, double* acc) {
  __m256d a[R];
  for (int r = 0; r < R; r++) a[r] = _mm256_setzero_pd();
  for (int i = 0; i < nIn; i++) {
    const __m256d xi = _mm256_broadcast_sd(x + i);
    const double* wi = w + size_t(i) * nOut;
    for (int r = 0; r < R; r++) a[r] = _mm256_add_pd(a[r], _mm256_mul_pd(xi, _mm256_loadu_pd(wi + 4 * r)));
  }
  for (int r = 0; r < R; r++) _mm256_storeu_pd(acc + 4 * r, a[r]);
}

__attribute__((target("avx2"))) void macDoubleAvx2(const Layer& l, const double* x, double* acc) {
  const int nOut = l.nOut, nIn = l.nIn;
  const double* w = l.wD.data();
  int j = 0;
  for (; j + 32 <= nOut; j += 32) macBlockAvx2<8>(x, w + j, nIn, nOut, acc + j);
  for (; j + 16 <= nOut; j += 16) macBlockAvx2<4>(x, w + j, nIn, nOut, acc + j);
  for (; j + 8 <= nOut; j += 8) macBlockAvx2<2>(x, w + j, nIn, nOut, acc + j);
  for (; j + 4 <= nOut; j += 4) macBlockAvx2<1>(x, w + j, nIn, nOut, acc + j);
  for (; j < nOut; j++) macBlock<1>(x, w + j, nIn, nOut, acc + j);
}

void macDoublePortable(const Layer& l, const double* x, double* acc) {
  const int nOut = l.nOut;
  const double* w = l.wD.data();
  int j = 0;
  for (; j + 8 <= nOut; j += 8) macBlock<8>(x, w + j, l.nIn, nOut, acc + j);
  for (; j < nOut; j++) macBlock<1>(x, w + j, l.nIn, nOut, acc + j);
}

inline void macDouble(const Layer& l, const double* x, double* acc) {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) macDoubleAvx2(l, x, acc);
  else macDoublePortable(l, x, acc);
}

// One dense layer on one event: in has fracIn fractional bits; writes result_t raw bits to out.
void dense(const Layer& l, const int64_t* in, int fracIn, int64_t* out, double* scratchX, double* scratchAcc) {
  const int fProd = fracIn + l.weight.frac();
  const int fAcc = l.accum.frac();
  const int fRes = l.result.frac();
  const int shift = fProd - fAcc;
  if (l.useDouble) {
    const double scale = l.inScale;
    for (int i = 0; i < l.nIn; i++) scratchX[i] = double(in[i]) * scale;
    macDouble(l, scratchX, scratchAcc);
    l.post(l, scratchAcc, out);
    return;
  }
  for (int j = 0; j < l.nOut; j++) {
    int64_t acc = l.biasAcc[j];
    if (l.fastAccum && shift >= 0 && shift <= 53 && l.nIn <= 1024) {  // 1024 terms < 2^52 cannot overflow int64
      const int64_t* w = l.wT.data() + size_t(j) * l.nIn;
      int64_t s = 0;
      for (int i = 0; i < l.nIn; i++) s += (in[i] * w[i]) >> shift;
      acc = fx::overflowRaw(acc + s, l.accum);
    } else {
      const int64_t* w = l.wT.data() + size_t(j) * l.nIn;
      for (int i = 0; i < l.nIn; i++) acc = fx::overflowRaw(acc + fx::castRaw(in[i] * w[i], fProd, l.accum), l.accum);
    }
    int64_t res = fx::castRaw(acc, fAcc, l.result);
    if (res < 0 && l.activation == 1) res = 0;
    else if (res < 0 && l.activation == 2) res = fx::castRaw(l.alphaRaw * res, l.alpha.frac() + fRes, l.result);
    out[j] = res;
  }
}

// nnScoreFixed(handle, raw Int32Array, n, out Int32Array)
Napi::Value NnScoreFixed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4 || !info[0].IsExternal() || !info[2].IsNumber()) {
    Napi::TypeError::New(env, "nnScoreFixed(handle, raw, n, out)").ThrowAsJavaScriptException();
    return env.Null();
  }
  const Net& net = *info[0].As<Napi::External<Net>>().Data();
  Napi::Int32Array in, out;
  if (!argTypedArray(info, 1, napi_int32_array, &in, "raw") || !argTypedArray(info, 3, napi_int32_array, &out, "out")) return env.Null();
  const int64_t rows = info[2].As<Napi::Number>().Int64Value();
  if (rows < 0 || size_t(rows) * net.nFeatures > in.ElementLength() || size_t(rows) > out.ElementLength())
    return Fail(env, "row count does not fit the input or output array");
  std::vector<int64_t> a(net.widest), b(net.widest);
  std::vector<double> sx(net.widest), sacc(net.widest);
  const int d = net.nFeatures;
  const int fIn = net.input.frac();
  const Layer& last = net.layers.back();
  const int fLast = last.result.frac();
  const int fDiff = std::max(fIn, fLast);
  const int32_t* x = in.Data();
  const int64_t lo = net.input.lo(), hi = net.input.hi();
  for (size_t i = 0; i < size_t(rows) * d; i++) {
    if (x[i] < lo || x[i] > hi) return Fail(env, "raw input outside the model's input format");
  }
  for (int64_t r = 0; r < rows; r++) {
    const int32_t* row = x + size_t(r) * d;
    for (int j = 0; j < d; j++) a[j] = row[j];
    int fA = fIn;
    for (const Layer& l : net.layers) {
      dense(l, a.data(), fA, b.data(), sx.data(), sacc.data());
      std::swap(a, b);
      fA = l.result.frac();
    }
    int64_t loss = 0;
    for (int k = 0; k < last.nOut; k++) {
      if (net.vae) {
        loss = fx::overflowRaw(loss + fx::castRaw(a[k] * a[k], 2 * fLast, net.output), net.output);
      } else {
        const int64_t diff = (int64_t(row[k]) << (fDiff - fIn)) - (a[k] << (fDiff - fLast));
        loss = fx::overflowRaw(loss + fx::castRaw(diff * diff, 2 * fDiff, net.output), net.output);
      }
    }
    out[size_t(r)] = int32_t(loss);
  }
  return env.Undefined();
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("nnCompile", Napi::Function::New(env, NnCompile, "nnCompile"));
  exports.Set("nnScoreFixed", Napi::Function::New(env, NnScoreFixed, "nnScoreFixed"));
}

scoutloop::Register reg(Init);

}  // namespace
