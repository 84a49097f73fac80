// Batch access to the ap_fixed conversions of fixed.h, so tests can hold C++ and TS to the same
// edge-case table (ties, negative ties, saturation edges).
#include <immintrin.h>

#include <climits>

#include "fixed.h"
#include "format_arg.h"
#include "quantize_rows.h"
#include "registry.h"

namespace {

using scoutloop::argTypedArray;
using scoutloop::readFormat;
namespace fx = scoutloop::fx;

// fxQuantize(values Float64Array, format Int32Array(5), out Float64Array): raw bits of each value.
Napi::Value FxQuantize(const Napi::CallbackInfo& info) {
  Napi::Float64Array in, out;
  fx::Format f;
  if (!argTypedArray(info, 0, napi_float64_array, &in, "values") || !readFormat(info, 1, &f) ||
      !argTypedArray(info, 2, napi_float64_array, &out, "out"))
    return info.Env().Null();
  if (out.ElementLength() < in.ElementLength()) {
    Napi::RangeError::New(info.Env(), "out is shorter than values").ThrowAsJavaScriptException();
    return info.Env().Null();
  }
  for (size_t i = 0; i < in.ElementLength(); i++) out[i] = double(fx::quantize(in[i], f));
  return info.Env().Undefined();
}

// fxCast(raw Float64Array (exact integers, |v| < 2^53), fromFrac, format, out Float64Array).
Napi::Value FxCast(const Napi::CallbackInfo& info) {
  Napi::Float64Array in, out;
  fx::Format f;
  if (!argTypedArray(info, 0, napi_float64_array, &in, "raw") || info.Length() < 4 || !info[1].IsNumber() || !readFormat(info, 2, &f) ||
      !argTypedArray(info, 3, napi_float64_array, &out, "out"))
    return info.Env().Null();
  const int fromFrac = info[1].As<Napi::Number>().Int32Value();
  if (out.ElementLength() < in.ElementLength() || fromFrac < -200 || fromFrac > 200) {
    Napi::RangeError::New(info.Env(), "fxCast: bad lengths or fromFrac").ThrowAsJavaScriptException();
    return info.Env().Null();
  }
  for (size_t i = 0; i < in.ElementLength(); i++) {
    const double v = in[i];
    if (!(v > -9007199254740992.0 && v < 9007199254740992.0) || v != double(int64_t(v))) {
      Napi::RangeError::New(info.Env(), "fxCast: raw values must be integers below 2^53").ThrowAsJavaScriptException();
      return info.Env().Null();
    }
    out[i] = double(fx::castRaw(int64_t(v), fromFrac, f));
  }
  return info.Env().Undefined();
}

// The row loop of FxQuantizeRows with the format's constants hoisted: y = z × 2^F (a power-of-two
// product rounds exactly as fx::quantize's ldexp does), floor/remainder exact while |y| < 2^52, the
// quant mode's increment, then saturation bounds; NaN/±inf/huge values and WRAP overflow take
// fx::quantize / fx::overflowRaw, so every bit matches the general path.
// fx::roundUp with bitwise instead of short-circuit logic: the first dropped bit of real inputs is a
// coin toss, and as a branch it mispredicts half the time. Same truth table, mode by mode.
template <fx::Quant Q>
__attribute__((always_inline)) inline int64_t roundUpBranchless(int64_t floorV, int64_t qb, int64_t r, int64_t neg) {
  switch (Q) {
    case fx::TRN: return 0;
    case fx::RND: return qb;
    case fx::RND_ZERO: return qb & (neg | r);
    case fx::RND_MIN_INF: return qb & r;
    case fx::RND_INF: return qb & ((neg ^ 1) | r);
    case fx::RND_CONV: return qb & ((floorV & 1) | r);
    case fx::TRN_ZERO: return neg & (qb | r);
  }
  return 0;
}

template <fx::Quant Q>
__attribute__((always_inline)) inline void quantizeRowsBody(const float* x, size_t n, size_t d, const double* sc, const double* off,
                                                            const fx::Format& f, int32_t* o) {
  const double pow = std::ldexp(1.0, f.frac());
  const int64_t hi = f.hi();
  const int64_t inLo = f.satLo();
  const bool wrap = f.overflow == fx::WRAP || f.overflow == fx::WRAP_SM, zero = f.overflow == fx::SAT_ZERO;
  const int64_t below = zero ? 0 : inLo, above = zero ? 0 : hi;
  constexpr double kExact = 4503599627370496.0;  // 2^52
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < d; j++) {
      const double v = (double(x[i * d + j]) - off[j]) * sc[j];
      const double y = v * pow;
      int32_t& dst = o[i * d + j];
      // y in (−0.5, 0) and an underflowed y: y − floor(y) would not be exact (see fx::quantize).
      if (!(y > -kExact && y < kExact) || (y < 0 && y > -0.5) || (y == 0 && v != 0)) {
        dst = int32_t(fx::quantize(v, f));
        continue;
      }
      const double fl = std::floor(y);
      const double rem = y - fl;
      const int64_t fi = int64_t(fl);
      const int64_t q = fi + roundUpBranchless<Q>(fi, rem >= 0.5, (rem != 0) & (rem != 0.5), v < 0);
      if (q >= inLo && q <= hi) dst = int32_t(q);
      else if (wrap) dst = int32_t(fx::overflowRaw(q, f, fi));
      else dst = int32_t(q < inLo ? below : above);
    }
  }
}

// The same body twice: baseline x86-64 has no floor instruction (std::floor is a libm call), so
// CPUs with AVX2 (hence SSE4.1 roundsd) get a copy compiled for them — same operations, same bits.
template <fx::Quant Q>
void quantizeRowsPortable(const float* x, size_t n, size_t d, const double* sc, const double* off, const fx::Format& f, int32_t* o) {
  quantizeRowsBody<Q>(x, n, d, sc, off, f, o);
}
// Four values at a time in doubles: the same operations as the scalar body (z, y = z·2^F, floor,
// remainder, increment), exact while |y| < 2^52; a group with any lane outside the plain case
// (NaN, huge, saturating or wrapping) is redone by the scalar body, so every bit matches it.
template <fx::Quant Q>
__attribute__((target("avx2"))) void quantizeRowsAvx2(const float* x, size_t n, size_t d, const double* sc, const double* off,
                                                      const fx::Format& f, int32_t* o) {
  const int64_t inLo = f.satLo();
  const int64_t hi = f.hi();
  if (inLo < INT32_MIN || hi > INT32_MAX) return quantizeRowsBody<Q>(x, n, d, sc, off, f, o);
  const __m256d pow = _mm256_set1_pd(std::ldexp(1.0, f.frac()));
  const __m256d lo = _mm256_set1_pd(double(inLo)), top = _mm256_set1_pd(double(hi));
  const __m256d half = _mm256_set1_pd(0.5), zero = _mm256_setzero_pd(), one = _mm256_set1_pd(1.0);
  const __m256d limit = _mm256_set1_pd(4503599627370496.0);  // 2^52
  const __m256d signBit = _mm256_set1_pd(-0.0);
  for (size_t i = 0; i < n; i++) {
    const float* row = x + i * d;
    int32_t* dst = o + i * d;
    size_t j = 0;
    for (; j + 4 <= d; j += 4) {
      const __m256d v = _mm256_mul_pd(_mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(row + j)), _mm256_loadu_pd(off + j)), _mm256_loadu_pd(sc + j));
      const __m256d y = _mm256_mul_pd(v, pow);
      const __m256d fl = _mm256_floor_pd(y);
      const __m256d rem = _mm256_sub_pd(y, fl);
      const __m256d qb = _mm256_cmp_pd(rem, half, _CMP_GE_OQ);
      const __m256d r = _mm256_and_pd(_mm256_cmp_pd(rem, zero, _CMP_NEQ_OQ), _mm256_cmp_pd(rem, half, _CMP_NEQ_OQ));
      const __m256d neg = _mm256_cmp_pd(v, zero, _CMP_LT_OQ);
      __m256d up;
      switch (Q) {
        case fx::TRN: up = zero; break;
        case fx::RND: up = qb; break;
        case fx::RND_ZERO: up = _mm256_and_pd(qb, _mm256_or_pd(neg, r)); break;
        case fx::RND_MIN_INF: up = _mm256_and_pd(qb, r); break;
        case fx::RND_INF: up = _mm256_and_pd(qb, _mm256_or_pd(_mm256_cmp_pd(v, zero, _CMP_NLT_UQ), r)); break;
        case fx::RND_CONV: {
          const __m256d odd = _mm256_cmp_pd(_mm256_sub_pd(fl, _mm256_mul_pd(_mm256_floor_pd(_mm256_mul_pd(fl, half)), _mm256_set1_pd(2.0))), zero, _CMP_NEQ_OQ);
          up = _mm256_and_pd(qb, _mm256_or_pd(odd, r));
          break;
        }
        case fx::TRN_ZERO: up = _mm256_and_pd(neg, _mm256_or_pd(qb, r)); break;
      }
      const __m256d q = _mm256_add_pd(fl, _mm256_and_pd(up, one));
      // Plain case in every lane: |y| < 2^52 (false for NaN), inLo ≤ q ≤ hi, and an exact remainder
      // (not y in (−0.5, 0), not an underflowed y).
      const __m256d inexact = _mm256_or_pd(
          _mm256_and_pd(_mm256_cmp_pd(y, zero, _CMP_LT_OQ), _mm256_cmp_pd(y, _mm256_set1_pd(-0.5), _CMP_GT_OQ)),
          _mm256_and_pd(_mm256_cmp_pd(y, zero, _CMP_EQ_OQ), _mm256_cmp_pd(v, zero, _CMP_NEQ_OQ)));
      const __m256d ok = _mm256_andnot_pd(inexact, _mm256_and_pd(_mm256_cmp_pd(_mm256_andnot_pd(signBit, y), limit, _CMP_LT_OQ),
                                       _mm256_and_pd(_mm256_cmp_pd(q, lo, _CMP_GE_OQ), _mm256_cmp_pd(q, top, _CMP_LE_OQ))));
      if (_mm256_movemask_pd(ok) == 0xF) _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + j), _mm256_cvtpd_epi32(q));
      else quantizeRowsBody<Q>(row + j, 1, 4, sc + j, off + j, f, dst + j);
    }
    if (j < d) quantizeRowsBody<Q>(row + j, 1, d - j, sc + j, off + j, f, dst + j);
  }
}
template <fx::Quant Q>
void quantizeRowsMode(const float* x, size_t n, size_t d, const double* sc, const double* off, const fx::Format& f, int32_t* o) {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) quantizeRowsAvx2<Q>(x, n, d, sc, off, f, o);
  else quantizeRowsPortable<Q>(x, n, d, sc, off, f, o);
}

void quantizeRowsAnyMode(const float* x, size_t n, size_t d, const double* sc, const double* off, const fx::Format& f, int32_t* o) {
  switch (f.quant) {
    case fx::TRN: return quantizeRowsMode<fx::TRN>(x, n, d, sc, off, f, o);
    case fx::TRN_ZERO: return quantizeRowsMode<fx::TRN_ZERO>(x, n, d, sc, off, f, o);
    case fx::RND: return quantizeRowsMode<fx::RND>(x, n, d, sc, off, f, o);
    case fx::RND_ZERO: return quantizeRowsMode<fx::RND_ZERO>(x, n, d, sc, off, f, o);
    case fx::RND_MIN_INF: return quantizeRowsMode<fx::RND_MIN_INF>(x, n, d, sc, off, f, o);
    case fx::RND_INF: return quantizeRowsMode<fx::RND_INF>(x, n, d, sc, off, f, o);
    case fx::RND_CONV: return quantizeRowsMode<fx::RND_CONV>(x, n, d, sc, off, f, o);
  }
}

// fxQuantizeRows(features Float32Array, n, scale Float64Array(d), offset Float64Array(d), format, out Int32Array):
// z = (x − offset) × scale in double, then ap_fixed(double) — the same operations in the same order
// as quantizeRows in src/scoring/quantize-rows.ts, so the bits agree (a property test checks it).
Napi::Value FxQuantizeRows(const Napi::CallbackInfo& info) {
  Napi::Float32Array in;
  Napi::Float64Array scale, offset;
  Napi::Int32Array out;
  fx::Format f;
  if (!argTypedArray(info, 0, napi_float32_array, &in, "features") || info.Length() < 6 || !info[1].IsNumber() ||
      !argTypedArray(info, 2, napi_float64_array, &scale, "scale") || !argTypedArray(info, 3, napi_float64_array, &offset, "offset") ||
      !readFormat(info, 4, &f) || !argTypedArray(info, 5, napi_int32_array, &out, "out"))
    return info.Env().Null();
  const double nArg = info[1].As<Napi::Number>().DoubleValue();
  const size_t d = scale.ElementLength();
  if (!(nArg >= 0 && nArg <= 1e9) || nArg != double(int64_t(nArg)) || d == 0 || offset.ElementLength() != d ||
      in.ElementLength() < size_t(nArg) * d || out.ElementLength() < size_t(nArg) * d) {
    Napi::RangeError::New(info.Env(), "fxQuantizeRows: bad row count or array lengths").ThrowAsJavaScriptException();
    return info.Env().Null();
  }
  if ((f.isSigned && f.width > 32) || (!f.isSigned && f.width > 31)) {
    Napi::RangeError::New(info.Env(), "fxQuantizeRows: format does not fit 32-bit raw storage").ThrowAsJavaScriptException();
    return info.Env().Null();
  }
  const size_t n = size_t(nArg);
  const float* x = in.Data();
  const double* sc = scale.Data();
  const double* off = offset.Data();
  int32_t* o = out.Data();
  quantizeRowsAnyMode(x, n, d, sc, off, f, o);
  return info.Env().Undefined();
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("fxQuantize", Napi::Function::New(env, FxQuantize, "fxQuantize"));
  exports.Set("fxQuantizeRows", Napi::Function::New(env, FxQuantizeRows, "fxQuantizeRows"));
  exports.Set("fxCast", Napi::Function::New(env, FxCast, "fxCast"));
}

scoutloop::Register reg(Init);

}  // namespace

namespace scoutloop {
void quantizeRows(const float* x, size_t n, size_t d, const double* sc, const double* off, const fx::Format& f, int32_t* o) {
  quantizeRowsAnyMode(x, n, d, sc, off, f, o);
}
}  // namespace scoutloop
