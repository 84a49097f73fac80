// Native twin of frameOrbit in src/link/framer.ts: one orbit of one stream (OrbitBatch typed
// arrays → Run-3 scouting DMA bytes), bit-identical to the TS framer. Constants mirror
// src/link/format.ts; field ranges come from the TS side (one source of truth).
//
// Errors: on anything the TS framer would reject (or any input it handles in an unusual way, e.g.
// offsets out of order or short arrays) this returns undefined without writing anything, and the
// TS wrapper reruns the TS reference, which throws the exact error. So error messages live in one
// place and the native path never has to imitate them.
//
// Size: a first pass validates the BX list and offsets and lists the carried BX; the output is
// then allocated at exactly orbitBytes(rows). Offsets are checked non-decreasing and inside every
// field array before any object is read, so no read or write leaves its array.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "crc32c.h"
#include "registry.h"

namespace {

constexpr uint32_t kMarker = 0x4b4c4353;  // ORBIT_MARKER
constexpr uint32_t kBeefdead = 0xbeefdead;
constexpr uint32_t kVersion = 1, kFlagCrc = 0x01;
constexpr size_t kLinks = 8, kHeaderWords = 8, kBlockWords = 48, kTrailerWords = 136, kBitmapOffset = 8;
constexpr uint32_t kBxMin = 1, kBxMax = 3564;
constexpr int64_t kMuonCap = 8, kCaloCap = 12;
constexpr int kMuonSlotsA = 4;

// Field ranges (lo, hi) in the order of RANGE_ORDER in src/link/framer.ts.
enum RangeIx {
  rMuPt, rMuEta, rMuPhi, rMuQual, rMuIso, rMuPtUncon, rMuDxy, rMuIndex,
  rJetEt, rEgEt, rTauEt, rCaloEta, rCaloPhi, rCaloIso,
  rSumEt, rSumTowers, rSumPhi, rMuEtaStation, kRanges
};

struct I32 {
  const int32_t* p = nullptr;
  size_t n = 0;
};
struct U32 {
  const uint32_t* p = nullptr;
  size_t n = 0;
};
struct Calo {
  U32 offset;
  I32 et, eta, phi, iso;
};
enum MuField { mPt, mEtaVtx, mPhiVtx, mEta, mPhi, mQual, mCharge, mIso, mPtUncon, mDxy, mIndex, kMuFields };

struct Batch {
  uint32_t orbit;
  size_t nBx;
  const uint16_t* bx;
  U32 muOffset;
  I32 mu[kMuFields];
  Calo calo[3];  // jet, egamma, tau
  I32 sums[12];  // SUM_FIELDS order (src/events/batch.ts)
  const int32_t* range;  // kRanges × (lo, hi)
  bool dropEmpty;
  mutable double dropped;  // objects left out under dropEmpty
};

// Typed-array argument of the expected type, or false (no exception: the TS path takes over). One
// napi_get_typedarray_info per argument: with 47 arguments the call overhead is per-orbit cost.
template <typename T, typename View>
bool arg(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type type, View* out) {
  if (info.Length() <= i) return false;
  napi_typedarray_type got;
  size_t length;
  void* data;
  if (napi_get_typedarray_info(info.Env(), info[i], &got, &length, &data, nullptr, nullptr) != napi_ok || got != type) {
    return false;
  }
  out->p = static_cast<const T*>(data);
  out->n = length;
  return true;
}

inline bool inRange(int32_t v, const int32_t* range, int r) { return v >= range[2 * r] && v <= range[2 * r + 1]; }

// Offsets usable as-is: long enough, non-decreasing, inside every field array of the kind.
bool offsetsOk(const U32& off, size_t nBx, const I32* fields, size_t nFields) {
  if (off.n < nBx + 1) return false;
  uint32_t bad = 0;
  for (size_t i = 0; i < nBx; i++) bad |= off.p[i + 1] < off.p[i];  // branch-free: one pass, no early exit
  if (bad) return false;
  for (size_t f = 0; f < nFields; f++)
    if (off.p[nBx] > fields[f].n) return false;
  return true;
}

bool hasCaloContent(const Batch& b, size_t i) {
  for (const Calo& c : b.calo)
    if (c.offset.p[i + 1] > c.offset.p[i]) return true;
  for (const I32& s : b.sums)
    if (s.p[i] != 0) return true;
  return false;
}

inline bool carries(const Batch& b, bool muon, size_t i) {
  bool hasMuons = b.muOffset.p[i + 1] > b.muOffset.p[i];
  return muon ? hasMuons : hasCaloContent(b, i) || !hasMuons;
}

bool putMuonBlock(uint32_t* w, const Batch& b, size_t i, uint32_t bx) {
  const uint32_t start = b.muOffset.p[i], end = b.muOffset.p[i + 1];
  if (int64_t(end) - int64_t(start) > kMuonCap) return false;
  for (size_t link = 0; link < kLinks; link++) {
    w[link] = b.orbit;
    w[kLinks + link] = bx;
  }
  const int32_t* r = b.range;
  int k = 0;
  for (uint32_t j = start; j < end; j++) {
    const int32_t pt = b.mu[mPt].p[j];
    if (pt == 0 && b.dropEmpty) {
      b.dropped++;  // counted only if the whole orbit succeeds (the wrapper adds it)
      continue;
    }
    const int32_t etaV = b.mu[mEtaVtx].p[j], phiV = b.mu[mPhiVtx].p[j], eta = b.mu[mEta].p[j], phi = b.mu[mPhi].p[j];
    const int32_t qual = b.mu[mQual].p[j], q = b.mu[mCharge].p[j], iso = b.mu[mIso].p[j];
    const int32_t ptU = b.mu[mPtUncon].p[j], dxy = b.mu[mDxy].p[j], index = b.mu[mIndex].p[j];
    if (!inRange(pt, r, rMuPt) || !inRange(etaV, r, rMuEta) || !inRange(phiV, r, rMuPhi) || !inRange(eta, r, rMuEtaStation) ||
        !inRange(phi, r, rMuPhi) || !inRange(qual, r, rMuQual) || !inRange(iso, r, rMuIso) || !inRange(ptU, r, rMuPtUncon) ||
        !inRange(dxy, r, rMuDxy) || !inRange(index, r, rMuIndex) || q < -1 || q > 1)
      return false;
    // Muon word layouts: src/link/format.ts MU (CMSSW ugmt::shiftsMuon / masksMuon).
    const uint32_t f = ((uint32_t(phiV) & 0x3ff) << 0) | ((uint32_t(pt) & 0x1ff) << 10) | ((uint32_t(qual) & 0xf) << 19) |
                       ((uint32_t(etaV) & 0x1ff) << 23);
    const uint32_t s = ((uint32_t(iso) & 0x3) << 0) | (uint32_t(q == -1) << 2) | (uint32_t(q != 0) << 3) |
                       ((uint32_t(index) & 0x7f) << 4) | ((uint32_t(phi) & 0x3ff) << 11) | ((uint32_t(ptU) & 0xff) << 21) |
                       ((uint32_t(dxy) & 0x3) << 30);
    // Final muon k: link k mod 4, slot A (frames 2, 3) for k < 4, slot B (frames 4, 5) after.
    const size_t link = size_t(k % kMuonSlotsA);
    const bool slotB = k >= kMuonSlotsA;
    w[(slotB ? 4 : 2) * kLinks + link] = f;
    w[(slotB ? 5 : 3) * kLinks + link] = s;
    w[kLinks + link] |= (uint32_t(eta) & 0x1ff) << (slotB ? 22 : 13);
    k++;
  }
  return true;
}

// CALO_WORDS / CALO_LINKS in src/link/format.ts: jet, egamma, tau.
struct CaloSpec {
  uint32_t etMask, etaShift, phiShift, isoShift;
  size_t link1, link2;
  int etRange;
};
constexpr CaloSpec kCaloSpecs[3] = {
  {0x7ff, 11, 19, 28, 1, 0, rJetEt},
  {0x1ff, 9, 17, 25, 3, 2, rEgEt},
  {0x1ff, 9, 17, 25, 7, 6, rTauEt},
};

bool putCaloKind(uint32_t* w, const Batch& b, const Calo& c, const CaloSpec& spec, size_t i) {
  const uint32_t start = c.offset.p[i], end = c.offset.p[i + 1];
  if (int64_t(end) - int64_t(start) > kCaloCap) return false;
  const int32_t* r = b.range;
  int k = 0;
  for (uint32_t j = start; j < end; j++) {
    const int32_t et = c.et.p[j];
    if (et == 0 && b.dropEmpty) {
      b.dropped++;
      continue;
    }
    const int32_t eta = c.eta.p[j], phi = c.phi.p[j], iso = c.iso.p[j];
    if (!inRange(et, r, spec.etRange) || !inRange(eta, r, rCaloEta) || !inRange(phi, r, rCaloPhi) || !inRange(iso, r, rCaloIso))
      return false;
    const uint32_t word = (uint32_t(et) & spec.etMask) | ((uint32_t(eta) & 0xff) << spec.etaShift) |
                          ((uint32_t(phi) & 0xff) << spec.phiShift) | ((uint32_t(iso) & 0x3) << spec.isoShift);
    // Objects 0..5 on the "1" link, 6..11 on the "2" link.
    w[size_t(k % 6) * kLinks + (k < 6 ? spec.link1 : spec.link2)] = word;
    k++;
  }
  return true;
}

// Sum word k of link 5: 12-bit low field | second field << 12 (ScCALORawToDigi.cc unpackEtSums).
enum SumIx { sTotalEt, sTotalEtEm, sTotalHt, sMissEt, sMissEtPhi, sMissHt, sMissHtPhi, sMissEtHF, sMissEtHFPhi, sMissHtHF, sMissHtHFPhi, sTowerCount };
struct SumWord {
  int lo, hi, hiRange;
};
constexpr SumWord kSumWords[6] = {
  {sTotalEt, sTotalEtEm, rSumEt}, {sTotalHt, sTowerCount, rSumTowers}, {sMissEt, sMissEtPhi, rSumPhi},
  {sMissHt, sMissHtPhi, rSumPhi}, {sMissEtHF, sMissEtHFPhi, rSumPhi}, {sMissHtHF, sMissHtHFPhi, rSumPhi},
};
constexpr size_t kSumLink = 5;

bool putCaloBlock(uint32_t* w, const Batch& b, size_t i) {
  for (int kind = 0; kind < 3; kind++)
    if (!putCaloKind(w, b, b.calo[kind], kCaloSpecs[kind], i)) return false;
  for (size_t k = 0; k < 6; k++) {
    const SumWord& sw = kSumWords[k];
    const int32_t lo = b.sums[sw.lo].p[i], hi = b.sums[sw.hi].p[i];
    if (!inRange(lo, b.range, rSumEt) || !inRange(hi, b.range, sw.hiRange)) return false;
    w[k * kLinks + kSumLink] = uint32_t(lo) | (uint32_t(hi) << 12);
  }
  return true;
}

// linkFrameOrbit(sds, crc, dropEmpty, orbit, nBx, bx, ranges, muOffset, 11 muon fields (MUON_FIELDS order),
//   3 × (offset, hwEt, hwEta, hwPhi, hwIso) for jets/egammas/taus, 12 sums (SUM_FIELDS order), result)
//   → Uint8Array of the framed orbit, or undefined (the TS framer decides). result[0] = objects dropped.
constexpr size_t kArgs = 7 + 1 + kMuFields + 15 + 12 + 1;

Napi::Value LinkFrameOrbit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Value no = env.Undefined();
  if (info.Length() != kArgs || !info[0].IsNumber() || !info[3].IsNumber() || !info[4].IsNumber()) return no;
  const double sdsD = info[0].As<Napi::Number>().DoubleValue();
  if (sdsD != 1 && sdsD != 2) return no;
  const bool muon = sdsD == 1;
  const bool crc = info[1].ToBoolean().Value();
  Batch b{};
  b.dropEmpty = info[2].ToBoolean().Value();
  const double orbit = info[3].As<Napi::Number>().DoubleValue();
  const double nBx = info[4].As<Napi::Number>().DoubleValue();
  if (!(orbit >= 0 && orbit <= 0x7fffffff && std::floor(orbit) == orbit)) return no;
  if (!(nBx >= 0 && nBx <= kBxMax && std::floor(nBx) == nBx)) return no;
  b.orbit = uint32_t(orbit);
  b.nBx = size_t(nBx);

  struct { const uint16_t* p = nullptr; size_t n = 0; } bx;
  I32 range;
  size_t a = 5;
  if (!arg<uint16_t>(info, a++, napi_uint16_array, &bx) || bx.n < b.nBx) return no;
  if (!arg<int32_t>(info, a++, napi_int32_array, &range) || range.n != 2 * kRanges) return no;
  b.bx = bx.p;
  b.range = range.p;
  if (!arg<uint32_t>(info, a++, napi_uint32_array, &b.muOffset)) return no;
  for (I32& f : b.mu)
    if (!arg<int32_t>(info, a++, napi_int32_array, &f)) return no;
  for (Calo& c : b.calo) {
    if (!arg<uint32_t>(info, a++, napi_uint32_array, &c.offset)) return no;
    for (I32* f : {&c.et, &c.eta, &c.phi, &c.iso})
      if (!arg<int32_t>(info, a++, napi_int32_array, f)) return no;
  }
  for (I32& s : b.sums)
    if (!arg<int32_t>(info, a++, napi_int32_array, &s) || s.n < b.nBx) return no;
  Napi::Float64Array result;
  if (!info[a].IsTypedArray() || info[a].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) return no;
  result = info[a].As<Napi::Float64Array>();
  if (result.ElementLength() < 1) return no;

  // Pass 1: offsets the stream reads, BX list, carried BX (streamBxIndices). The calo stream also
  // reads the muon offsets (a BX with muons only goes on the muon stream).
  if (!offsetsOk(b.muOffset, b.nBx, b.mu, kMuFields)) return no;
  if (!muon) {
    for (const Calo& c : b.calo) {
      const I32 fields[4] = {c.et, c.eta, c.phi, c.iso};
      if (!offsetsOk(c.offset, b.nBx, fields, 4)) return no;
    }
  }
  static thread_local std::vector<uint32_t> rowList;  // reused: no allocation per orbit
  rowList.resize(b.nBx);
  size_t rows = 0;
  uint32_t prev = 0, bad = 0;
  for (size_t i = 0; i < b.nBx; i++) {
    const uint32_t x = b.bx[i];
    bad |= (x < kBxMin) | (x > kBxMax) | (x <= prev);
    prev = x;
    rowList[rows] = uint32_t(i);
    rows += carries(b, muon, i);
  }
  if (bad) return no;

  // Pass 2: pack into an output of exactly orbitBytes(rows).
  const size_t words = kHeaderWords + rows * kBlockWords + kTrailerWords;
  Napi::Uint8Array out = Napi::Uint8Array::New(env, words * 4);  // zero-filled
  uint32_t* w = reinterpret_cast<uint32_t*>(out.Data());
  if (reinterpret_cast<uintptr_t>(w) % alignof(uint32_t) != 0) return no;
  w[0] = b.orbit;
  w[1] = kMarker;
  w[2] = uint32_t(sdsD) | ((crc ? kFlagCrc : 0) << 8) | (kVersion << 16);
  w[3] = uint32_t(rows);
  uint32_t* t = w + kHeaderWords + rows * kBlockWords;  // orbit trailer
  for (size_t r = 0; r < rows; r++) {
    const size_t i = rowList[r];
    const uint32_t x = b.bx[i];
    uint32_t* blk = w + kHeaderWords + r * kBlockWords;
    if (!(muon ? putMuonBlock(blk, b, i, x) : putCaloBlock(blk, b, i))) return no;
    t[kBitmapOffset + (x >> 5)] |= 1u << (x & 31);  // x <= 3564 checked above: word < 112
  }
  for (size_t link = 0; link < kLinks; link++) t[link] = kBeefdead;
  if (crc) w[words - 1] = scoutloop::crc32c(out.Data(), words * 4 - 4);
  result[0] = b.dropped;
  return out;
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("linkFrameOrbit", Napi::Function::New(env, LinkFrameOrbit, "linkFrameOrbit"));
}

scoutloop::Register reg(Init);

}  // namespace
