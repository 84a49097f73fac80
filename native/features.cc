// 57-value AXOL1TL feature extraction in hardware units (mirror of src/events/features.ts).
// Inputs are the columnar arrays of an OrbitBatch; every offset is checked before it is used.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "registry.h"

namespace {

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

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("extractFeaturesHw", Napi::Function::New(env, ExtractFeaturesHw, "extractFeaturesHw"));
}

scoutloop::Register reg(Init);

}  // namespace
