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
enum Overflow : int32_t { WRAP = 0, SAT, SAT_ZERO, SAT_SYM };

struct Format {
  int32_t width = 16, intBits = 6;
  bool isSigned = true;
  Quant quant = TRN;
  Overflow overflow = WRAP;
  int frac() const { return width - intBits; }
  int64_t lo() const { return isSigned ? -(int64_t(1) << (width - 1)) : 0; }
  int64_t hi() const { return isSigned ? (int64_t(1) << (width - 1)) - 1 : (int64_t(1) << width) - 1; }
};

// Same checks as validateFixed in TS: width 1..48, modes in range.
static inline __attribute__((always_inline)) bool validFormat(const Format& f) {
  return f.width >= 1 && f.width <= 48 && f.intBits >= -(64 + f.width) && f.intBits <= 64 + f.width && f.quant >= TRN &&
         f.quant <= RND_CONV && f.overflow >= WRAP && f.overflow <= SAT_SYM;
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

// Overflow handling of an exact integer q (|q| < 2^62).
static inline __attribute__((always_inline)) int64_t overflowRaw(int64_t q, const Format& f) {
  const int64_t lo = f.isSigned ? -(int64_t(1) << (f.width - 1)) : 0;
  const int64_t hi = f.hi();
  if (f.overflow == WRAP) {
    if (q >= lo && q <= hi) return q;
    const uint64_t mask = (uint64_t(1) << f.width) - 1;
    uint64_t r = uint64_t(q) & mask;
    if (f.isSigned && r > uint64_t(hi)) return int64_t(r) - int64_t(mask) - 1;
    return int64_t(r);
  }
  if (f.overflow == SAT_SYM && f.isSigned && q <= lo) return lo + 1;
  if (q > hi) return f.overflow == SAT_ZERO ? 0 : hi;
  if (q < lo) return f.overflow == SAT_ZERO ? 0 : lo;
  return q;
}

// Raw bits of a real number in format f (HLS ap_fixed(double)); NaN → 0, ±inf as ±2^60.
static inline __attribute__((always_inline)) int64_t quantize(double v, const Format& f) {
  if (std::isnan(v)) return 0;
  if (std::isinf(v)) return overflowRaw(v > 0 ? (int64_t(1) << 60) : -(int64_t(1) << 60), f);
  const double y = std::ldexp(v, f.frac());
  if (std::isinf(y)) return overflowRaw(y > 0 ? (int64_t(1) << 60) : -(int64_t(1) << 60), f);
  const double fl = std::floor(y);
  const double rem = y - fl;
  if (std::fabs(fl) >= 4.0e18) {  // beyond int64: only the overflow mode matters, as in TS
    if (f.overflow != WRAP) return overflowRaw(fl > 0 ? (int64_t(1) << 61) : -(int64_t(1) << 61), f);
    double m = std::ldexp(1.0, f.width);
    double r = std::fmod(fl, m);
    if (r < 0) r += m;
    return overflowRaw(int64_t(r), f);
  }
  const int64_t q = int64_t(fl) + roundUp(f.quant, int64_t(fl), rem >= 0.5, rem != 0 && rem != 0.5, v < 0);
  return overflowRaw(q, f);
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
    return overflowRaw(fl + roundUp(f.quant, fl, rem >= half, (rem != 0) & (rem != half), v < 0), f);
  }
  const int s = to - fromFrac;
  // Zero stays zero at any shift (the saturation branch below would read its sign as negative).
  if (s == 0 || v == 0) return overflowRaw(v, f);
  if (s >= f.width && f.overflow == WRAP) return 0;
  const uint64_t mag = v < 0 ? uint64_t(-v) : uint64_t(v);
  if (s < 62 && (mag >> (62 - s)) == 0) return overflowRaw(v * (int64_t(1) << s), f);
  if (f.overflow != WRAP) return overflowRaw(v > 0 ? (int64_t(1) << 61) : -(int64_t(1) << 61), f);
  const int64_t m = int64_t(1) << (f.width - s);
  int64_t r = v % m;
  if (r < 0) r += m;
  return overflowRaw(r << s, f);
}

}  // namespace fx
}  // namespace scoutloop
