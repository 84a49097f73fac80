// 57-value AXOL1TL feature extraction in hardware units (mirror of src/events/features.ts).
// Inputs are the columnar arrays of an OrbitBatch; every offset is checked before it is used.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "format_arg.h"
#include "quantize_rows.h"
#include "registry.h"

namespace {

namespace fx = scoutloop::fx;
constexpr int kFeatures = 57;

struct Block {
  Napi::Uint32Array offset;
  Napi::Int32Array pt, eta, phi;
};

bool readBlock(const Napi::CallbackInfo& info, size_t first, size_t nBx, Block* b, const char* name) {
  using scoutloop::argTypedArray;
  if (!argTypedArray(info, first, napi_uint32_array, &b->offset, name) ||
      !argTypedArray(info, first + 1, napi_int32_array, &b->pt, name) ||
      !argTypedArray(info, first + 2, napi_int32_array, &b->eta, name) ||
      !argTypedArray(info, first + 3, napi_int32_array, &b->phi, name))
    return false;
  // Offsets must be non-decreasing and stay inside every field array.
  if (b->offset.ElementLength() < nBx + 1) {
    Napi::RangeError::New(info.Env(), std::string(name) + ": offset array shorter than nBx + 1").ThrowAsJavaScriptException();
    return false;
  }
  size_t limit = std::min({b->pt.ElementLength(), b->eta.ElementLength(), b->phi.ElementLength()});
  const uint32_t* off = b->offset.Data();
  for (size_t i = 0; i < nBx; i++) {
    if (off[i] > off[i + 1] || off[i + 1] > limit) {
      Napi::RangeError::New(info.Env(), std::string(name) + ": offsets out of range").ThrowAsJavaScriptException();
      return false;
    }
  }
  return true;
}

inline void fill(const Block& b, size_t i, int slots, int32_t* out) {
  const uint32_t* off = b.offset.Data();
  int n = std::min<int>(static_cast<int>(off[i + 1] - off[i]), slots);
  const int32_t* pt = b.pt.Data() + off[i];
  const int32_t* eta = b.eta.Data() + off[i];
  const int32_t* phi = b.phi.Data() + off[i];
  for (int k = 0; k < n; k++) {
    out[3 * k] = pt[k] >> 1;  // AXOL1TL feeds hwPt / 2 (whole GeV)
    out[3 * k + 1] = eta[k];
    out[3 * k + 2] = phi[k];
  }
}

// extractFeaturesHw(nBx, missEt, missEtPhi, eg(off,et,eta,phi), mu(off,pt,etaVtx,phiVtx), jet(off,et,eta,phi), out)
Napi::Value ExtractFeaturesHw(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 16 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "extractFeaturesHw expects 16 arguments").ThrowAsJavaScriptException();
    return env.Null();
  }
  int64_t nBxSigned = info[0].As<Napi::Number>().Int64Value();
  if (nBxSigned < 0 || nBxSigned > 1 << 20) {
    Napi::RangeError::New(env, "nBx out of range").ThrowAsJavaScriptException();
    return env.Null();
  }
  size_t nBx = static_cast<size_t>(nBxSigned);
  Napi::Int32Array missEt, missEtPhi, out;
  Block eg, mu, jet;
  if (!scoutloop::argTypedArray(info, 1, napi_int32_array, &missEt, "missEt") ||
      !scoutloop::argTypedArray(info, 2, napi_int32_array, &missEtPhi, "missEtPhi") ||
      !readBlock(info, 3, nBx, &eg, "egamma") || !readBlock(info, 7, nBx, &mu, "muon") ||
      !readBlock(info, 11, nBx, &jet, "jet") || !scoutloop::argTypedArray(info, 15, napi_int32_array, &out, "out"))
    return env.Null();
  if (missEt.ElementLength() < nBx || missEtPhi.ElementLength() < nBx || out.ElementLength() < nBx * kFeatures) {
    Napi::RangeError::New(env, "sum or output array too short").ThrowAsJavaScriptException();
    return env.Null();
  }
  int32_t* o = out.Data();
  std::memset(o, 0, nBx * kFeatures * sizeof(int32_t));
  for (size_t i = 0; i < nBx; i++) {
    int32_t* row = o + i * kFeatures;
    row[0] = missEt[i] >> 1;
    row[2] = missEtPhi[i];
    fill(eg, i, 4, row + 3);
    fill(mu, i, 4, row + 15);
    fill(jet, i, 10, row + 27);
  }
  return env.Undefined();
}

// ---- physical-unit features and their raw input bits in one pass ----

// The scales of src/events/scales.ts, passed from TS so both sides use the same doubles.
struct Scales {
  double caloEt, caloEta, caloPhi, muonPt, muonEta, muonPhi;
};

constexpr double kPi = 3.141592653589793;  // Math.PI
constexpr double kTwoPi = 2 * kPi;

// wrapPhi of scales.ts: JS `%` and fmod are both the exact truncated remainder, which is phi
// itself when |phi| < 2π (every in-range hardware φ): skip the libm call there.
inline double wrapPhi(double phi) {
  double p = (phi > -kTwoPi && phi < kTwoPi) ? phi : std::fmod(phi, kTwoPi);
  if (p >= kPi) p -= kTwoPi;
  if (p < -kPi) p += kTwoPi;
  return p;
}

inline void fillCaloPhys(const Block& b, size_t i, int slots, const Scales& s, float* out) {
  const uint32_t* off = b.offset.Data();
  const int n = std::min<int>(static_cast<int>(off[i + 1] - off[i]), slots);
  const int32_t* et = b.pt.Data() + off[i];
  const int32_t* eta = b.eta.Data() + off[i];
  const int32_t* phi = b.phi.Data() + off[i];
  for (int k = 0; k < n; k++) {
    out[3 * k] = static_cast<float>(et[k] * s.caloEt);
    out[3 * k + 1] = static_cast<float>(eta[k] * s.caloEta);
    out[3 * k + 2] = static_cast<float>(wrapPhi(phi[k] * s.caloPhi));
  }
}

inline void fillMuonPhys(const Block& b, size_t i, const Scales& s, float* out) {
  const uint32_t* off = b.offset.Data();
  const int n = std::min<int>(static_cast<int>(off[i + 1] - off[i]), 4);
  const int32_t* pt = b.pt.Data() + off[i];
  const int32_t* eta = b.eta.Data() + off[i];
  const int32_t* phi = b.phi.Data() + off[i];
  for (int k = 0; k < n; k++) {
    // muonPtFromHw: 0.5 × (hw − 1), 0 for hw ≤ 0 (the hw − 1 in double, as in JS)
    out[3 * k] = pt[k] <= 0 ? 0.0f : static_cast<float>(s.muonPt * (double(pt[k]) - 1));
    out[3 * k + 1] = static_cast<float>(eta[k] * s.muonEta);
    out[3 * k + 2] = static_cast<float>(wrapPhi(phi[k] * s.muonPhi));
  }
}

// Rows filled, then quantised, per block: the block's features are still in L1 when quantised.
constexpr size_t kRowBlock = 64;

// featuresAndInputs(nBx, missEt, missEtPhi, eg(off,et,eta,phi), mu(off,pt,etaVtx,phiVtx), jet(off,et,eta,phi),
//                   scales Float64Array(6), normScale Float64Array(57), normOffset Float64Array(57), format,
//                   outFeatures Float32Array, outInputs Int32Array)
// = extractFeatures (src/events/features.ts) then quantizeRows (src/scoring/quantize-rows.ts), bit for bit.
Napi::Value FeaturesAndInputs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 21 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "featuresAndInputs expects 21 arguments").ThrowAsJavaScriptException();
    return env.Null();
  }
  const int64_t nBxSigned = info[0].As<Napi::Number>().Int64Value();
  if (nBxSigned < 0 || nBxSigned > 1 << 20) {
    Napi::RangeError::New(env, "nBx out of range").ThrowAsJavaScriptException();
    return env.Null();
  }
  const size_t nBx = static_cast<size_t>(nBxSigned);
  Napi::Int32Array missEt, missEtPhi, outInputs;
  Napi::Float64Array scales, normScale, normOffset;
  Napi::Float32Array outFeatures;
  Block eg, mu, jet;
  fx::Format f;
  using scoutloop::argTypedArray;
  if (!argTypedArray(info, 1, napi_int32_array, &missEt, "missEt") || !argTypedArray(info, 2, napi_int32_array, &missEtPhi, "missEtPhi") ||
      !readBlock(info, 3, nBx, &eg, "egamma") || !readBlock(info, 7, nBx, &mu, "muon") || !readBlock(info, 11, nBx, &jet, "jet") ||
      !argTypedArray(info, 15, napi_float64_array, &scales, "scales") || !argTypedArray(info, 16, napi_float64_array, &normScale, "scale") ||
      !argTypedArray(info, 17, napi_float64_array, &normOffset, "offset") || !scoutloop::readFormat(info, 18, &f) ||
      !argTypedArray(info, 19, napi_float32_array, &outFeatures, "outFeatures") || !argTypedArray(info, 20, napi_int32_array, &outInputs, "outInputs"))
    return env.Null();
  if (missEt.ElementLength() < nBx || missEtPhi.ElementLength() < nBx || scales.ElementLength() != 6 ||
      normScale.ElementLength() != kFeatures || normOffset.ElementLength() != kFeatures ||
      outFeatures.ElementLength() < nBx * kFeatures || outInputs.ElementLength() < nBx * kFeatures) {
    Napi::RangeError::New(env, "featuresAndInputs: array lengths do not match nBx and 57 features").ThrowAsJavaScriptException();
    return env.Null();
  }
  if ((f.isSigned && f.width > 32) || (!f.isSigned && f.width > 31)) {
    Napi::RangeError::New(env, "featuresAndInputs: format does not fit 32-bit raw storage").ThrowAsJavaScriptException();
    return env.Null();
  }
  const double* sc = scales.Data();
  const Scales s{sc[0], sc[1], sc[2], sc[3], sc[4], sc[5]};
  float* feat = outFeatures.Data();
  int32_t* raw = outInputs.Data();
  for (size_t b0 = 0; b0 < nBx; b0 += kRowBlock) {
    const size_t b1 = std::min(nBx, b0 + kRowBlock);
    std::memset(feat + b0 * kFeatures, 0, (b1 - b0) * kFeatures * sizeof(float));
    for (size_t i = b0; i < b1; i++) {
      float* row = feat + i * kFeatures;
      row[0] = static_cast<float>(missEt[i] * s.caloEt);
      row[2] = static_cast<float>(wrapPhi(missEtPhi[i] * s.caloPhi));
      fillCaloPhys(eg, i, 4, s, row + 3);
      fillMuonPhys(mu, i, s, row + 15);
      fillCaloPhys(jet, i, 10, s, row + 27);
    }
    scoutloop::quantizeRows(feat + b0 * kFeatures, b1 - b0, kFeatures, normScale.Data(), normOffset.Data(), f, raw + b0 * kFeatures);
  }
  return env.Undefined();
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("extractFeaturesHw", Napi::Function::New(env, ExtractFeaturesHw, "extractFeaturesHw"));
  exports.Set("featuresAndInputs", Napi::Function::New(env, FeaturesAndInputs, "featuresAndInputs"));
}

scoutloop::Register reg(Init);

}  // namespace
