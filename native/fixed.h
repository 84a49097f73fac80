// ap_fixed<W,I,Q,O> conversions on raw integer bits — the C++ twin of src/scoring/fixed.ts.
// Semantics follow the Xilinx headers in hls4ml (templates/vivado/ap_types/ap_fixed_base.h):
// quantise from the floor with `quantization_adjust` (qb = first dropped bit, r = any lower dropped
// bit, s = source sign), then `overflow_adjust` on the rounded value; AP_SAT_SYM also maps the exact
// most negative value of a signed result to −max.
#pragma once
#include <cmath>
#include <cstdint>

namespace scoutloop {
namespace fx {

// Order matches QUANT_MODES / OVERFLOW_MODES in fixed.ts (the JS side passes the index).
enum Quant : int32_t { TRN = 0, TRN_ZERO, RND, RND_ZERO, RND_MIN_INF, RND_INF, RND_CONV };
enum Overflow : int32_t { WRAP = 0, SAT, SAT_ZERO, SAT_SYM, WRAP_SM };

struct Format {
  int32_t width = 16, intBits = 6;
  bool isSigned = true;
  Quant quant = TRN;
  Overflow overflow = WRAP;
  int frac() const { return width - intBits; }
  int64_t lo() const { return isSigned ? -(int64_t(1) << (width - 1)) : 0; }
  int64_t hi() const { return isSigned ? (int64_t(1) << (width - 1)) - 1 : (int64_t(1) << width) - 1; }
  // Smallest raw value: AP_SAT_SYM gives −max, except 1 bit wide (the header's underflow word is −1).
  int64_t satLo() const { return overflow == SAT_SYM && isSigned && width > 1 ? lo() + 1 : lo(); }
};

// Same checks as validateFixed in TS: width 1..48, modes in range.
static inline __attribute__((always_inline)) bool validFormat(const Format& f) {
  return f.width >= 1 && f.width <= 48 && f.intBits >= -(64 + f.width) && f.intBits <= 64 + f.width && f.quant >= TRN &&
         f.quant <= RND_CONV && f.overflow >= WRAP && f.overflow <= WRAP_SM && (f.overflow != WRAP_SM || f.isSigned);
}

// Bitwise, not short-circuit, logic: the dropped bits of real data are coin tosses, and as
// branches they would mispredict half the time (same truth table either way).
static inline __attribute__((always_inline)) int64_t roundUp(Quant q, int64_t floorV, bool qb, bool r, bool neg) {
  const int64_t b = qb, rr = r, n = neg;
  switch (q) {
    case TRN: return 0;
    case RND: return b;
    case RND_ZERO: return b & (n | rr);
    case RND_MIN_INF: return b & rr;
    case RND_INF: return b & ((n ^ 1) | rr);
    case RND_CONV: return b & ((floorV & 1) | rr);
    case TRN_ZERO: return n & (b | rr);
  }
  return 0;
}

// Overflow handling of an exact integer q (|q| < 2^62). `truncated` is the value before the rounding
// increment: AP_WRAP_SM reads its bit W (the header's lD, taken from the source before quantising).
static inline __attribute__((always_inline)) int64_t overflowRaw(int64_t q, const Format& f, int64_t truncated) {
  const int64_t lo = f.isSigned ? -(int64_t(1) << (f.width - 1)) : 0;
  const int64_t hi = f.hi();
  const bool symmetric = f.overflow == SAT_SYM && f.isSigned && f.width > 1;
  if (q >= lo && q <= hi && !(symmetric && q == lo)) return q;
  const uint64_t mask = (uint64_t(1) << f.width) - 1;
  switch (f.overflow) {
    case WRAP: {
      const uint64_t r = uint64_t(q) & mask;
      if (f.isSigned && r > uint64_t(hi)) return int64_t(r) - int64_t(mask) - 1;
      return int64_t(r);
    }
    case WRAP_SM: {
      // Sign-magnitude wrap (overflow_adjust, N = 0): when bit W of the source differs from the kept
      // MSB, invert the kept bits and put that bit in the MSB.
      const uint64_t half = uint64_t(1) << (f.width - 1);
      uint64_t r = uint64_t(q) & mask;
      const bool lD = (uint64_t(truncated) >> f.width) & 1;
      if (lD != (r >= half)) r = ((~r) & (half - 1)) | (lD ? half : 0);
      return r > uint64_t(hi) ? int64_t(r) - int64_t(mask) - 1 : int64_t(r);
    }
    case SAT_ZERO: return 0;
    case SAT: return q > hi ? hi : lo;
    case SAT_SYM: return q > hi ? hi : symmetric ? lo + 1 : lo;
  }
  return q;
}
static inline __attribute__((always_inline)) int64_t overflowRaw(int64_t q, const Format& f) { return overflowRaw(q, f, q); }

// What the header makes of ±inf and of NaN (read as (1.m)·2^1024 with its sign bit): a huge ±value.
static inline int64_t hugeRaw(bool negative, const Format& f) {
  if (f.overflow == SAT || f.overflow == SAT_SYM) return negative ? f.satLo() : f.hi();
  return 0;  // the mantissa is shifted out entirely (WRAP, WRAP_SM); SAT_ZERO gives 0 too
}

// Raw bits of a real number in format f, as the header's ap_fixed_base(double): exact quantisation of
// the double (a value whose scaled copy underflows keeps its sign: a tiny negative floors to −1), NaN
// as ±huge by its sign bit, ±inf alike. The fraction is y − trunc(y) (exact; y − floor(y) is not for
// y = −0.5 + 2^−54, which would look like a tie).
static inline __attribute__((always_inline)) int64_t quantize(double v, const Format& f) {
  if (std::isnan(v) || std::isinf(v)) return hugeRaw(std::signbit(v), f);
  if (v == 0) return 0;
  const double y = std::ldexp(v, f.frac());
  if (std::isinf(y)) return hugeRaw(y < 0, f);
  if (y == 0) {  // scaled below the smallest subnormal: far below half an LSB
    const bool neg = v < 0;
    return overflowRaw(neg ? -1 + roundUp(f.quant, -1, true, true, true) : roundUp(f.quant, 0, false, true, false), f, neg ? -1 : 0);
  }
  const double t = std::trunc(y);
  const double d = y - t;
  const double fl = d < 0 ? t - 1 : t;
  const bool qb = d < 0 ? d >= -0.5 : d >= 0.5;
  const bool r = d != 0 && d != 0.5 && d != -0.5;
  if (std::fabs(fl) >= 4.0e18) {  // beyond int64: only the overflow mode matters, as in TS
    if (f.overflow != WRAP && f.overflow != WRAP_SM) return overflowRaw(fl > 0 ? (int64_t(1) << 61) : -(int64_t(1) << 61), f);
    const double m = std::ldexp(1.0, f.width + 1);  // keep bit W for WRAP_SM's lD
    double rr = std::fmod(fl, m);
    if (rr < 0) rr += m;
    return overflowRaw(int64_t(rr), f);  // |fl| ≥ 2^61: no fraction, nothing to round
  }
  const int64_t fi = int64_t(fl);
  return overflowRaw(fi + roundUp(f.quant, fi, qb, r, v < 0), f, fi);
}

// Convert raw bits v carrying fromFrac fractional bits into f (HLS operator= between fixed types).
// v must be exact and |v| < 2^53 (the formats' width checks guarantee it).
static inline __attribute__((always_inline)) int64_t castRaw(int64_t v, int fromFrac, const Format& f) {
  const int to = f.frac();
  if (fromFrac > to) {
    const int d = fromFrac - to;
    if (d > 53) {  // every bit dropped: |v| < half an output LSB
      if (v == 0) return overflowRaw(0, f);
      if (v > 0) return overflowRaw(roundUp(f.quant, 0, false, true, false), f);
      return overflowRaw(-1 + roundUp(f.quant, -1, true, true, true), f);
    }
    const int64_t fl = v >> d;  // arithmetic shift = floor
    const uint64_t rem = uint64_t(v) & ((uint64_t(1) << d) - 1);
    const uint64_t half = uint64_t(1) << (d - 1);
    return overflowRaw(fl + roundUp(f.quant, fl, rem >= half, (rem != 0) & (rem != half), v < 0), f, fl);
  }
  const int s = to - fromFrac;
  // Zero stays zero at any shift (the saturation branch below would read its sign as negative).
  if (s == 0 || v == 0) return overflowRaw(v, f);
  const bool wraps = f.overflow == WRAP || f.overflow == WRAP_SM;
  const int kept = f.overflow == WRAP_SM ? f.width + 1 : f.width;  // WRAP_SM also reads bit W
  if (s >= kept && wraps) return 0;
  const uint64_t mag = v < 0 ? uint64_t(-v) : uint64_t(v);
  if (s < 62 && (mag >> (62 - s)) == 0) return overflowRaw(v * (int64_t(1) << s), f);
  if (!wraps) return overflowRaw(v > 0 ? (int64_t(1) << 61) : -(int64_t(1) << 61), f);
  const int64_t r = int64_t(uint64_t(v) & ((uint64_t(1) << (kept - s)) - 1));
  return overflowRaw(r << s, f);
}

}  // namespace fx
}  // namespace scoutloop
