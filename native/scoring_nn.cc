// Native fixed-point dense network (AE reconstruction error / VAE ‖μ‖²): the fast path of
// src/scoring/nn.ts, bit for bit. Arithmetic follows hls4ml `nnet_dense_latency.h` as documented
// there: products cast to accum_t, sums cast to accum_t, result_t cast, activation in result_t.
//
// Speed: when the accumulator uses AP_TRN + AP_WRAP (hls4ml's default accum_t), each cast of a
// product is an arithmetic right shift (floor) and wrapping is modular, so the sum can run in plain
// integers and be wrapped once at the end — the same bits. Per layer, decided once at compile time:
//  - int32 lanes (8 per AVX2 register) when no product bit is dropped and either accum_t fits 32
//    bits (wrapping is then modulo 2^W, which divides 2^32, so int32 overflow is harmless) or the
//    weights bound every partial sum below 2^31; the post-MAC casts then run 8 outputs at a time;
//  - else exact doubles (4 per register) while every sum stays below 2^53;
//  - else the generic scalar loop.
#include <immintrin.h>

#include <algorithm>
#include <initializer_list>
#include <cstdint>
#include <memory>
#include <string>
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
  void (*post)(const Layer&, const double*, int32_t*) = nullptr;  // post-MAC loop for the double path
  bool useInt32 = false;       // the int32-lane MAC applies (see int32Exact / accumFitsInt32)
  void (*postI32)(const Layer&, const int32_t*, int32_t*) = nullptr;  // 8-outputs-per-step post loop, if it applies
  int leftShift = 0;           // accum frac − product frac (≥ 0 on the int32 and double paths)
  std::vector<int32_t> wI32;   // [in][out] as int32, for the int32-lane MAC
  std::vector<int32_t> biasI32;  // accum_t(bias) as int32 (only when accum_t fits int32)
};

// Per-event work arrays, sized once at compile time.
struct Scratch {
  std::vector<int32_t> a, b, sum;
  std::vector<double> x, acc;
  void resize(size_t n) {
    if (a.size() >= n) return;
    a.resize(n), b.resize(n), sum.resize(n), x.resize(n), acc.resize(n);
  }
};

struct Net {
  bool vae = false;
  int nFeatures = 0;
  fx::Format input, output;
  std::vector<Layer> layers;
  int widest = 0;
  // Owned by the net, not thread_local (dlopen'd TLS costs a call per access) and not per call (an
  // allocation per orbit); a handle lives in one JS thread, so calls never share it.
  mutable Scratch scratch;
  int64_t (*loss)(const Net&, const int32_t* row, const int32_t* mu) = nullptr;  // per output mode
};

// Bits needed by |Σ x·w·2^k| in the worst case: the double fast path is exact below 2^53.
inline bool exactInDouble(const Layer& l, int leftShift) {
  int logN = 0;
  while ((1 << logN) < l.nIn) logN++;
  return leftShift >= 0 && leftShift <= 40 && l.maxInBits + l.weight.width + leftShift + logN <= 52;
}

bool hasAvx2() {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  return avx2;
}

inline bool fitsInt32(const fx::Format& f) { return f.lo() >= INT32_MIN && f.hi() <= INT32_MAX; }

// True when Σ_i |x_i·w_ij| < 2^31 for every output j and every input in `in` — then no partial sum
// (in any order) leaves int32 and the int32 sum is the exact integer.
bool int32Exact(const Layer& l, const fx::Format& in) {
  const int64_t xMax = std::max(-in.lo(), in.hi());
  for (int j = 0; j < l.nOut; j++) {
    int64_t s = 0;
    for (int i = 0; i < l.nIn; i++) {
      const int64_t w = l.wT[size_t(j) * l.nIn + i];
      s += (w < 0 ? -w : w) * xMax;
      if (s > INT32_MAX) return false;
    }
  }
  return true;
}

// After the exact double MAC: bias + sum wrapped into accum_t (modular: once), cast to result_t,
// activation. The formats are copied into locals so the loop keeps them in registers instead of
// re-reading the layer after every store.
// Instantiated per result quant/overflow mode (the accumulator is AP_TRN + AP_WRAP on this path):
// with the modes constant the casts compile to straight-line code.
template <fx::Quant Q, fx::Overflow O>
void postDoubleT(const Layer& l, const double* sacc, int32_t* out) {
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
    out[j] = int32_t(res);
  }
}

// One function per (result quant, result overflow) pair, picked once per layer at compile time.
template <template <fx::Quant, fx::Overflow> class Kernel>
struct ByMode {
  using Fn = decltype(&Kernel<fx::TRN, fx::WRAP>::run);
  template <fx::Quant Q>
  static Fn withQuant(fx::Overflow o) {
    switch (o) {
      case fx::WRAP: return &Kernel<Q, fx::WRAP>::run;
      case fx::SAT: return &Kernel<Q, fx::SAT>::run;
      case fx::SAT_ZERO: return &Kernel<Q, fx::SAT_ZERO>::run;
      case fx::SAT_SYM: return &Kernel<Q, fx::SAT_SYM>::run;
      case fx::WRAP_SM: return &Kernel<Q, fx::WRAP_SM>::run;
    }
    return &Kernel<Q, fx::WRAP>::run;
  }
  static Fn pick(const fx::Format& r) {
    switch (r.quant) {
      case fx::TRN: return withQuant<fx::TRN>(r.overflow);
      case fx::TRN_ZERO: return withQuant<fx::TRN_ZERO>(r.overflow);
      case fx::RND: return withQuant<fx::RND>(r.overflow);
      case fx::RND_ZERO: return withQuant<fx::RND_ZERO>(r.overflow);
      case fx::RND_MIN_INF: return withQuant<fx::RND_MIN_INF>(r.overflow);
      case fx::RND_INF: return withQuant<fx::RND_INF>(r.overflow);
      case fx::RND_CONV: return withQuant<fx::RND_CONV>(r.overflow);
    }
    return withQuant<fx::TRN>(r.overflow);
  }
};
template <fx::Quant Q, fx::Overflow O>
struct PostDouble {
  static void run(const Layer& l, const double* sacc, int32_t* out) { postDoubleT<Q, O>(l, sacc, out); }
};

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
  if (hasAvx2()) macDoubleAvx2(l, x, acc);
  else macDoublePortable(l, x, acc);
}

// ---- int32-lane MAC: Σ_i x_i·w_ij modulo 2^32 for every j (the exact sum when int32Exact holds).
// Integer addition is associative modulo 2^32, so lane layout and order cannot change the bits.

template <int R>
__attribute__((target("avx2"))) inline void macI32BlockAvx2(const int32_t* x, const int32_t* w, int nIn, int nOut, int32_t* acc) {
  __m256i a[R];
  for (int r = 0; r < R; r++) a[r] = _mm256_setzero_si256();
  for (int i = 0; i < nIn; i++) {
    const __m256i xi = _mm256_set1_epi32(x[i]);
    const int32_t* wi = w + size_t(i) * nOut;
    for (int r = 0; r < R; r++)
      a[r] = _mm256_add_epi32(a[r], _mm256_mullo_epi32(xi, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wi + 8 * r))));
  }
  for (int r = 0; r < R; r++) _mm256_storeu_si256(reinterpret_cast<__m256i*>(acc + 8 * r), a[r]);
}

// Outputs j0..nOut−1 one at a time (unsigned arithmetic: wrapping is defined, same bits as the lanes).
inline void macI32Scalar(const int32_t* x, const int32_t* w, int nIn, int nOut, int32_t* acc, int j0) {
  for (int j = j0; j < nOut; j++) {
    uint32_t a = 0;
    for (int i = 0; i < nIn; i++) a += uint32_t(x[i]) * uint32_t(w[size_t(i) * nOut + j]);
    acc[j] = int32_t(a);
  }
}

__attribute__((target("avx2"))) void macI32Avx2(const Layer& l, const int32_t* x, int32_t* acc) {
  const int nOut = l.nOut, nIn = l.nIn;
  const int32_t* w = l.wI32.data();
  int j = 0;
  for (; j + 32 <= nOut; j += 32) macI32BlockAvx2<4>(x, w + j, nIn, nOut, acc + j);
  for (; j + 16 <= nOut; j += 16) macI32BlockAvx2<2>(x, w + j, nIn, nOut, acc + j);
  for (; j + 8 <= nOut; j += 8) macI32BlockAvx2<1>(x, w + j, nIn, nOut, acc + j);
  macI32Scalar(x, w, nIn, nOut, acc, j);
}

// ---- post-MAC on int32 sums: bias, wrap to accum_t, cast to result_t, activation.

// LeakyReLU on a result_t value (ReLU and linear are handled by the callers' loops).
inline int64_t leaky(const Layer& l, int64_t res) {
  return res < 0 ? fx::castRaw(l.alphaRaw * res, l.alpha.frac() + l.result.frac(), l.result) : res;
}

// Scalar reference of the int32 path, outputs j0..nOut−1. sum ≡ Σx·w (mod 2^32, exact when
// int32Exact); scaled by 2^leftShift in int64 (≤ 2^61) and wrapped by accum_t, whose modulus either
// divides 2^32·2^leftShift (accum_t fits 32 bits) or is never reached (exact sum).
void postI32Scalar(const Layer& l, const int32_t* sum, int32_t* out, int j0) {
  const int fAcc = l.accum.frac();
  const int64_t scale = int64_t(1) << l.leftShift;
  for (int j = j0; j < l.nOut; j++) {
    const int64_t acc = fx::overflowRaw(l.biasAcc[j] + int64_t(sum[j]) * scale, l.accum);
    int64_t res = fx::castRaw(acc, fAcc, l.result);
    if (l.activation == 1) res = res < 0 ? 0 : res;
    else if (l.activation == 2) res = leaky(l, res);
    out[j] = int32_t(res);
  }
}

// quantization_adjust on 0/1 lanes (same truth table as fx::roundUp).
template <fx::Quant Q>
__attribute__((target("avx2"))) inline __m256i roundUpV(__m256i fl, __m256i qb, __m256i r, __m256i neg, __m256i one) {
  switch (Q) {
    case fx::TRN: return _mm256_setzero_si256();
    case fx::RND: return qb;
    case fx::RND_ZERO: return _mm256_and_si256(qb, _mm256_or_si256(neg, r));
    case fx::RND_MIN_INF: return _mm256_and_si256(qb, r);
    case fx::RND_INF: return _mm256_and_si256(qb, _mm256_or_si256(_mm256_xor_si256(neg, one), r));
    case fx::RND_CONV: return _mm256_and_si256(qb, _mm256_or_si256(_mm256_and_si256(fl, one), r));
    case fx::TRN_ZERO: return _mm256_and_si256(neg, _mm256_or_si256(qb, r));
  }
  return _mm256_setzero_si256();
}

// Keep the low `width` bits of each lane, sign- or zero-extended (modular wrap; shift = 32 − width).
__attribute__((target("avx2"))) inline __m256i wrapV(__m256i v, __m128i shift, bool isSigned) {
  const __m256i up = _mm256_sll_epi32(v, shift);
  return isSigned ? _mm256_sra_epi32(up, shift) : _mm256_srl_epi32(up, shift);
}

// fx::overflowRaw for values that fit int32 and a format that fits int32.
template <fx::Overflow O>
__attribute__((target("avx2"))) inline __m256i overflowV(__m256i q, __m256i lo, __m256i hi, __m256i loSym, __m128i wrapShift, bool isSigned) {
  switch (O) {
    case fx::WRAP: return wrapV(q, wrapShift, isSigned);
    case fx::SAT: return _mm256_min_epi32(_mm256_max_epi32(q, lo), hi);
    case fx::SAT_SYM: return _mm256_min_epi32(_mm256_max_epi32(q, loSym), hi);  // loSym = lo + 1 when signed
    case fx::SAT_ZERO: return _mm256_andnot_si256(_mm256_or_si256(_mm256_cmpgt_epi32(q, hi), _mm256_cmpgt_epi32(lo, q)), q);
    case fx::WRAP_SM: break;  // never picked: layers with an AP_WRAP_SM result keep the scalar post-MAC loop
  }
  return q;
}

// The int32 path's post-MAC loop, 8 outputs per step; only when vectorPost (accum_t and result_t
// fit int32, 0 ≤ accum frac − result frac ≤ 31): the right shift by d is the floor, bit d−1 the
// first dropped bit, bits below it the sticky bit — the same quantities as fx::castRaw.
template <fx::Quant Q, fx::Overflow O>
__attribute__((target("avx2"))) void postI32VecT(const Layer& l, const int32_t* sum, int32_t* out) {
  const int nOut = l.nOut;
  const int d = l.accum.frac() - l.result.frac();
  const __m128i ls = _mm_cvtsi32_si128(l.leftShift), accWrap = _mm_cvtsi32_si128(32 - l.accum.width);
  const __m128i resWrap = _mm_cvtsi32_si128(32 - l.result.width);
  const __m128i dv = _mm_cvtsi32_si128(d), dm1 = _mm_cvtsi32_si128(d > 0 ? d - 1 : 0), c31 = _mm_cvtsi32_si128(31);
  const bool accSigned = l.accum.isSigned, resSigned = l.result.isSigned, relu = l.activation == 1;
  const __m256i one = _mm256_set1_epi32(1), zero = _mm256_setzero_si256();
  const __m256i lowMask = _mm256_set1_epi32(d > 0 ? int32_t((uint32_t(1) << (d - 1)) - 1) : 0);
  const __m256i lo = _mm256_set1_epi32(int32_t(l.result.lo())), hi = _mm256_set1_epi32(int32_t(l.result.hi()));
  const __m256i loSym = _mm256_set1_epi32(int32_t(l.result.satLo()));
  const int32_t* bias = l.biasI32.data();
  int j = 0;
  for (; j + 8 <= nOut; j += 8) {
    const __m256i s = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sum + j));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + j));
    const __m256i acc = wrapV(_mm256_add_epi32(b, _mm256_sll_epi32(s, ls)), accWrap, accSigned);
    __m256i q = acc;
    if (d > 0) {
      const __m256i fl = _mm256_sra_epi32(acc, dv);
      const __m256i qb = _mm256_and_si256(_mm256_srl_epi32(acc, dm1), one);
      const __m256i r = _mm256_andnot_si256(_mm256_cmpeq_epi32(_mm256_and_si256(acc, lowMask), zero), one);
      const __m256i neg = _mm256_srl_epi32(acc, c31);
      q = _mm256_add_epi32(fl, roundUpV<Q>(fl, qb, r, neg, one));
    }
    q = overflowV<O>(q, lo, hi, loSym, resWrap, resSigned);
    if (relu) q = _mm256_max_epi32(q, zero);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + j), q);
  }
  if (l.activation == 2)
    for (int k = 0; k < j; k++) out[k] = int32_t(leaky(l, out[k]));
  postI32Scalar(l, sum, out, j);
}

template <fx::Quant Q, fx::Overflow O>
struct PostI32Vec {
  static void run(const Layer& l, const int32_t* sum, int32_t* out) { postI32VecT<Q, O>(l, sum, out); }
};

// The score of one event from its raw inputs and the last layer's outputs: Σ_k output_t(d_k²), the
// output format's overflow applied after each term; d = μ (VAE) or input − reconstruction at a
// common binary point (AE). One function per output quant/overflow mode, like the post-MAC loops.
template <fx::Quant Q, fx::Overflow O>
struct Loss {
  static int64_t run(const Net& net, const int32_t* row, const int32_t* mu) {
    fx::Format f = net.output;
    f.quant = Q, f.overflow = O;
    const Layer& last = net.layers.back();
    const int fIn = net.input.frac(), fLast = last.result.frac(), fDiff = std::max(fIn, fLast);
    int64_t loss = 0;
    for (int k = 0; k < last.nOut; k++) {
      if (net.vae) {
        loss = fx::overflowRaw(loss + fx::castRaw(int64_t(mu[k]) * mu[k], 2 * fLast, f), f);
      } else {
        const int64_t diff = (int64_t(row[k]) << (fDiff - fIn)) - (int64_t(mu[k]) << (fDiff - fLast));
        loss = fx::overflowRaw(loss + fx::castRaw(diff * diff, 2 * fDiff, f), f);
      }
    }
    return loss;
  }
};

// Which layer paths a call may use: the fastest that applies (Auto), or one forced path where it
// applies and the generic scalar loop elsewhere (benchmarks and cross-checks).
enum class Path { Auto, Int32, Double, Scalar };


// One dense layer on one event: in has fracIn fractional bits; writes result_t raw bits to out.
void dense(const Layer& l, const int32_t* in, int fracIn, int32_t* out, Scratch& s, Path path) {
  if (l.useInt32 && (path == Path::Auto || path == Path::Int32)) {
    if (hasAvx2()) macI32Avx2(l, in, s.sum.data());
    else macI32Scalar(in, l.wI32.data(), l.nIn, l.nOut, s.sum.data(), 0);
    if (l.postI32) l.postI32(l, s.sum.data(), out);
    else postI32Scalar(l, s.sum.data(), out, 0);
    return;
  }
  if (l.useDouble && (path == Path::Auto || path == Path::Double)) {
    const double scale = l.inScale;
    for (int i = 0; i < l.nIn; i++) s.x[i] = double(in[i]) * scale;
    macDouble(l, s.x.data(), s.acc.data());
    l.post(l, s.acc.data(), out);
    return;
  }
  const int fProd = fracIn + l.weight.frac();
  const int fAcc = l.accum.frac();
  const int shift = fProd - fAcc;
  for (int j = 0; j < l.nOut; j++) {
    int64_t acc = l.biasAcc[j];
    const int64_t* w = l.wT.data() + size_t(j) * l.nIn;
    if (l.fastAccum && shift >= 0 && shift <= 53 && l.nIn <= 1024) {  // 1024 terms < 2^52 cannot overflow int64
      int64_t sum = 0;
      for (int i = 0; i < l.nIn; i++) sum += (int64_t(in[i]) * w[i]) >> shift;
      acc = fx::overflowRaw(acc + sum, l.accum);
    } else {
      for (int i = 0; i < l.nIn; i++) acc = fx::overflowRaw(acc + fx::castRaw(int64_t(in[i]) * w[i], fProd, l.accum), l.accum);
    }
    int64_t res = fx::castRaw(acc, fAcc, l.result);
    if (res < 0 && l.activation == 1) res = 0;
    else if (l.activation == 2) res = leaky(l, res);
    out[j] = int32_t(res);
  }
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
  if (!fitsInt32(net->input)) return Fail(env, "nnCompile: input format must fit 32-bit raw storage");
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
    if (!fitsInt32(l.result)) return Fail(env, "nnCompile: layer results must fit 32-bit raw storage");
    {
      const int shift = l.fracIn + l.weight.frac() - l.accum.frac();
      l.leftShift = -shift;
      l.useDouble = l.fastAccum && exactInDouble(l, -shift);
      if (l.useDouble) l.inScale = double(int64_t(1) << (-shift)), l.post = ByMode<PostDouble>::pick(l.result);
      const fx::Format& inF = k == 0 ? net->input : net->layers.back().result;
      const bool weightsFit = std::all_of(l.wT.begin(), l.wT.end(), [](int64_t w) { return w >= INT32_MIN && w <= INT32_MAX; });
      l.useInt32 = l.fastAccum && l.leftShift >= 0 && l.leftShift <= 30 && weightsFit && (fitsInt32(l.accum) || int32Exact(l, inF));
      if (l.useInt32) {
        l.wI32.assign(l.wD.begin(), l.wD.end());  // [in][out], exact: every weight fits int32
        const int d = l.accum.frac() - l.result.frac();
        if (fitsInt32(l.accum)) l.biasI32.assign(l.biasAcc.begin(), l.biasAcc.end());
        if (fitsInt32(l.accum) && d >= 0 && d <= 31 && hasAvx2() && l.result.overflow != fx::WRAP_SM) l.postI32 = ByMode<PostI32Vec>::pick(l.result);
      }
    }
    wOff += nw;
    bOff += l.nOut;
    nIn = l.nOut;
    net->widest = std::max(net->widest, l.nOut);
    net->layers.push_back(std::move(l));
  }
  if (wOff != weights.ElementLength() || bOff != biases.ElementLength()) return Fail(env, "nnCompile: extra weights or biases");
  if (!net->vae && nIn != net->nFeatures) return Fail(env, "nnCompile: autoencoder output size differs from its input");
  net->scratch.resize(size_t(net->widest));
  net->loss = ByMode<Loss>::pick(net->output);
  return Napi::External<Net>::New(env, net.release(), finalize);
}

// Whether every x[i] lies in [lo, hi]: the min and max over all values, 8 lanes at a time (a
// scalar loop with an early exit cost as much as a whole layer).
__attribute__((target("avx2"))) bool inRangeAvx2(const int32_t* x, size_t n, int64_t lo, int64_t hi) {
  __m256i mn = _mm256_set1_epi32(INT32_MAX), mx = _mm256_set1_epi32(INT32_MIN);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    mn = _mm256_min_epi32(mn, v), mx = _mm256_max_epi32(mx, v);
  }
  alignas(32) int32_t a[8], b[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(a), mn);
  _mm256_store_si256(reinterpret_cast<__m256i*>(b), mx);
  int64_t lowest = INT32_MAX, highest = INT32_MIN;
  for (int k = 0; k < 8; k++) lowest = std::min<int64_t>(lowest, a[k]), highest = std::max<int64_t>(highest, b[k]);
  for (; i < n; i++) lowest = std::min<int64_t>(lowest, x[i]), highest = std::max<int64_t>(highest, x[i]);
  return n == 0 || (lowest >= lo && highest <= hi);
}

bool inRange(const int32_t* x, size_t n, int64_t lo, int64_t hi) {
  if (hasAvx2()) return inRangeAvx2(x, n, lo, hi);
  bool ok = true;
  for (size_t i = 0; i < n; i++) ok &= x[i] >= lo && x[i] <= hi;
  return ok;
}

bool parsePath(const Napi::CallbackInfo& info, size_t i, Path* path) {
  *path = Path::Auto;
  if (info.Length() <= i || info[i].IsUndefined()) return true;
  if (info[i].IsString()) {
    const std::string s = info[i].As<Napi::String>().Utf8Value();
    if (s == "int32") return *path = Path::Int32, true;
    if (s == "double") return *path = Path::Double, true;
    if (s == "scalar") return *path = Path::Scalar, true;
  }
  Napi::TypeError::New(info.Env(), "path must be \"int32\", \"double\" or \"scalar\"").ThrowAsJavaScriptException();
  return false;
}

// nnScoreFixed(handle, raw Int32Array, n, out Int32Array, path?)
Napi::Value NnScoreFixed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || info.Length() > 5 || !info[0].IsExternal() || !info[2].IsNumber()) {
    Napi::TypeError::New(env, "nnScoreFixed(handle, raw, n, out, path?)").ThrowAsJavaScriptException();
    return env.Null();
  }
  const Net& net = *info[0].As<Napi::External<Net>>().Data();
  Napi::Int32Array in, out;
  if (!argTypedArray(info, 1, napi_int32_array, &in, "raw") || !argTypedArray(info, 3, napi_int32_array, &out, "out")) return env.Null();
  Path path;
  if (!parsePath(info, 4, &path)) return env.Null();
  const int64_t rows = info[2].As<Napi::Number>().Int64Value();
  if (rows < 0 || size_t(rows) * net.nFeatures > in.ElementLength() || size_t(rows) > out.ElementLength())
    return Fail(env, "row count does not fit the input or output array");
  const int d = net.nFeatures;
  const int32_t* x = in.Data();
  int32_t* score = out.Data();
  Scratch& s = net.scratch;
  // Rows are range-checked a block at a time, just before they are scored, so each row is read
  // from memory once (for large calls the check alone cost a tenth of the time); after an error
  // `out` may hold the scores of the blocks before it.
  constexpr int64_t kBlock = 64;
  for (int64_t r0 = 0; r0 < rows; r0 += kBlock) {
    const int64_t r1 = std::min(rows, r0 + kBlock);
    if (!inRange(x + size_t(r0) * d, size_t(r1 - r0) * d, net.input.lo(), net.input.hi()))
      return Fail(env, "raw input outside the model's input format");
    for (int64_t r = r0; r < r1; r++) {
      const int32_t* row = x + size_t(r) * d;
      const int32_t* a = row;
      int fA = net.input.frac();
      for (size_t k = 0; k < net.layers.size(); k++) {
        const Layer& l = net.layers[k];
        int32_t* o = (k & 1) ? s.b.data() : s.a.data();
        dense(l, a, fA, o, s, path);
        a = o;
        fA = l.result.frac();
      }
      score[r] = int32_t(net.loss(net, row, a));
    }
  }
  return env.Undefined();
}

// nnPaths(handle, path?) → per layer, the path nnScoreFixed takes with that `path` ("int32+vector",
// "int32", "double", "scalar"), so tests can check that random models reach every path.
Napi::Value NnPaths(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || info.Length() > 2 || !info[0].IsExternal()) {
    Napi::TypeError::New(env, "nnPaths(handle, path?)").ThrowAsJavaScriptException();
    return env.Null();
  }
  const Net& net = *info[0].As<Napi::External<Net>>().Data();
  Path path;
  if (!parsePath(info, 1, &path)) return env.Null();
  Napi::Array a = Napi::Array::New(env, net.layers.size());
  for (size_t k = 0; k < net.layers.size(); k++) {
    const Layer& l = net.layers[k];
    const char* name = "scalar";
    if (l.useInt32 && (path == Path::Auto || path == Path::Int32)) name = l.postI32 ? "int32+vector" : "int32";
    else if (l.useDouble && (path == Path::Auto || path == Path::Double)) name = "double";
    a.Set(uint32_t(k), name);
  }
  return a;
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("nnCompile", Napi::Function::New(env, NnCompile, "nnCompile"));
  exports.Set("nnScoreFixed", Napi::Function::New(env, NnScoreFixed, "nnScoreFixed"));
  exports.Set("nnPaths", Napi::Function::New(env, NnPaths, "nnPaths"));
}

scoutloop::Register reg(Init);

}  // namespace
