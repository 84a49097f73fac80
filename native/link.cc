// Native twin of src/link/decodeTs.ts: candidate search and orbit validation/decoding over the
// caller's Buffer (zero-copy), into the caller's preallocated scratch Int32Array. Every length read
// from the bytes is bounded (block count <= 3564, structure inside [p, end)) before it is used.
// Layout constants mirror src/link/format.ts and src/link/scratch.ts (a test compares them).
#include <cstdint>
#include <cstring>

#include "crc32c.h"
#include "registry.h"

namespace {

constexpr uint32_t kMarker = 0x4b4c4353;  // "SCLK": scoutloop header word 1 (docs/link-format.md §2)
constexpr uint32_t kDeadbeef = 0xdeadbeef;  // SCDAQ format.h constants::deadbeef (packet trailer)
constexpr uint32_t kBeefdead = 0xbeefdead;  // SCDAQ format.h constants::beefdead (orbit trailer)
constexpr uint32_t kVersion = 1;
constexpr uint32_t kFlagCrc = 0x01;
constexpr int kLinks = 8;
constexpr size_t kHeader = 32, kBlock = 192, kTrailer = 544, kPacketTrailer = 32;
constexpr int kBitmapWords = 112;
constexpr uint32_t kMaxBlocks = 3564, kBxMax = 3564;

// Scratch layout (src/link/scratch.ts LAYOUT).
constexpr size_t kNbx = 3564;
constexpr size_t kMuCap = kNbx * 16, kCaloCap = kNbx * 12;  // every muon slot (8 links x 2) can be decoded
constexpr size_t kMuFields = 11, kCaloFields = 4, kSumFields = 12;
constexpr size_t kOffBx = 0;
constexpr size_t kOffMuOffset = kOffBx + kNbx;
constexpr size_t kOffMuField = kOffMuOffset + kNbx + 1;
constexpr size_t kOffCalo0 = kOffMuField + kMuFields * kMuCap;
constexpr size_t kCaloStride = (kNbx + 1) + kCaloFields * kCaloCap;
constexpr size_t kOffSums = kOffCalo0 + 3 * kCaloStride;
constexpr size_t kScratchTotal = kOffSums + kSumFields * kNbx;

// Result slots (src/link/format.ts DECODE_SLOT).
enum Slot { kCode = 0, kLength, kOrbit, kNBx, kNMuon, kNJet, kNEg, kNTau, kSds, kNeed, kInterm, kAuto, kDropped, kOrbitCtr, kStart, kTolerated, kResultSize = 16 };
enum Code { kNeedMore = 0, kOrbitOk = 1, kPacketTrailerCode = 2, kBadHeader = 10, kLengthMismatch, kBitmapMismatch, kBxOutOfRange, kCrcMismatch = 15, kSkip = 20 };
// Tolerated deviations (src/link/format.ts TOLERATED_BIT): decoded as CMSSW decodes them, flagged.
// Block-walk memory slots (src/link/format.ts WALK_SLOT): a Float64Array the caller owns per stream.
enum WalkSlot { kWalkOrigin = 0, kWalkFrames, kWalkScanned, kWalkScanFrom, kWalkScanTo, kWalkResidues, kWalkSize = kWalkResidues + 3 * 192 };
enum Tolerated : uint32_t { kTolBitmap = 1, kTolLinkWord = 2, kTolBxZero = 4, kTolOrbitBit31 = 8, kTolOverCap = 16 };
constexpr int32_t kMuonCap = 8;  // final muons uGMT sends per BX (src/events/batch.ts CAPS.muon)

inline uint32_t rd(const uint8_t* b, size_t p) {
  uint32_t v;
  std::memcpy(&v, b + p, 4);  // unaligned-safe; the DMA stream is little-endian like x86/ARM hosts
  return v;
}
inline int32_t sign9(uint32_t u) { return (u & 0x100) ? int32_t(u) - 512 : int32_t(u); }
// Muon η at the station, as CMSSW ScGMTRawToDigi reads it: raw 0x100 is +256 ("ieta_u > 256").
inline int32_t stationEta9(uint32_t u) { return u > 256 ? int32_t(u) - 512 : int32_t(u); }
inline int32_t sign8(uint32_t u) { return (u & 0x80) ? int32_t(u) - 256 : int32_t(u); }

using scoutloop::crc32c;  // native/crc32c.h, shared with the framer

// ---- search ----
int64_t findCandidate(const uint8_t* b, size_t from, size_t end) {
  if (end < 8) return -1;
  for (size_t p = from; p + 8 <= end; p++) {
    uint32_t w1 = rd(b, p + 4);
    if (w1 == kMarker) return int64_t(p);
    if (w1 == kDeadbeef && rd(b, p) == kDeadbeef) return int64_t(p);
  }
  return -1;
}

// ---- decoding ----
// Every non-empty final-muon slot (ScGMTRawToDigi unpacks up to 16); returns how many were decoded.
int32_t decodeMuons(const uint8_t* b, size_t blk, int32_t* s, size_t i, double* r) {
  int32_t* off = s + kOffMuOffset;
  int32_t n = off[i];
  const int32_t start = n;
  int32_t* F = s + kOffMuField;
  for (int slot = 0; slot < 2; slot++) {
    for (int link = 0; link < kLinks; link++) {
      uint32_t extra = rd(b, blk + 32 + 4 * link);
      uint32_t f = rd(b, blk + (slot ? 128 : 64) + 4 * link);
      uint32_t sw = rd(b, blk + (slot ? 160 : 96) + 4 * link);
      uint32_t pt = (f >> 10) & 0x1ff;
      if (extra >> 31) {  // intermediate muon (shifts.h interm = 31): the CMSSW unpacker drops it
        if (pt) r[kInterm] += 1;
        continue;
      }
      if (pt == 0) continue;
      F[0 * kMuCap + n] = int32_t(pt);
      F[1 * kMuCap + n] = sign9((f >> 23) & 0x1ff);
      F[2 * kMuCap + n] = int32_t(f & 0x3ff);
      F[3 * kMuCap + n] = stationEta9((extra >> (slot ? 22 : 13)) & 0x1ff);
      F[4 * kMuCap + n] = int32_t((sw >> 11) & 0x3ff);
      F[5 * kMuCap + n] = int32_t((f >> 19) & 0xf);
      F[6 * kMuCap + n] = ((sw >> 3) & 1) ? (((sw >> 2) & 1) ? -1 : 1) : 0;
      F[7 * kMuCap + n] = int32_t(sw & 0x3);
      F[8 * kMuCap + n] = int32_t((sw >> 21) & 0xff);
      F[9 * kMuCap + n] = int32_t((sw >> 30) & 0x3);
      F[10 * kMuCap + n] = int32_t((sw >> 4) & 0x7f);
      n++;
    }
  }
  off[i + 1] = n;
  return n - start;
}

struct CaloSpec {
  uint32_t etMask, etaShift, phiShift, isoShift;
  int links[2];
};
// demux shifts/masks (shifts.h, masks.h); links in unpack order (blocks.h dmaBlock, ScCALORawToDigi.cc).
constexpr CaloSpec kCalo[3] = {{0x7ff, 11, 19, 28, {1, 0}}, {0x1ff, 9, 17, 25, {3, 2}}, {0x1ff, 9, 17, 25, {7, 6}}};

inline void decodeCaloKind(const uint8_t* b, size_t blk, int32_t* s, size_t i, int k) {
  const CaloSpec& c = kCalo[k];
  int32_t* off = s + kOffCalo0 + k * kCaloStride;
  int32_t* F = off + kNbx + 1;
  int32_t n = off[i];
#pragma GCC unroll 2
  for (int li = 0; li < 2; li++) {
    const int link = c.links[li];
    // Load the link's 6 words, then visit only the non-zero-ET ones (most e/g and tau words are
    // empty, so the common case is one predictable branch per link).
    uint32_t w[6];
    unsigned mask = 0;
#pragma GCC unroll 6
    for (int word = 0; word < 6; word++) {
      w[word] = rd(b, blk + 32 * word + 4 * link);
      mask |= unsigned((w[word] & c.etMask) != 0) << word;
    }
    while (mask) {
      const int word = __builtin_ctz(mask);
      mask &= mask - 1;
      const uint32_t v = w[word];
      F[n] = int32_t(v & c.etMask);
      F[kCaloCap + n] = sign8((v >> c.etaShift) & 0xff);
      F[2 * kCaloCap + n] = int32_t((v >> c.phiShift) & 0xff);
      F[3 * kCaloCap + n] = int32_t((v >> c.isoShift) & 0x3);
      n++;
    }
  }
  off[i + 1] = n;
}

inline void decodeSums(const uint8_t* b, size_t blk, int32_t* s, size_t i) {
  int32_t* S = s + kOffSums;
  auto word = [&](int k) { return rd(b, blk + 32 * k + 4 * 5); };  // link 5 = sums
  uint32_t w0 = word(0), w1 = word(1), w2 = word(2), w3 = word(3), w4 = word(4), w5 = word(5);
  S[0 * kNbx + i] = int32_t(w0 & 0xfff);
  S[1 * kNbx + i] = int32_t((w0 >> 12) & 0xfff);
  S[2 * kNbx + i] = int32_t(w1 & 0xfff);
  S[3 * kNbx + i] = int32_t(w2 & 0xfff);
  S[4 * kNbx + i] = int32_t((w2 >> 12) & 0xff);
  S[5 * kNbx + i] = int32_t(w3 & 0xfff);
  S[6 * kNbx + i] = int32_t((w3 >> 12) & 0xff);
  S[7 * kNbx + i] = int32_t(w4 & 0xfff);
  S[8 * kNbx + i] = int32_t((w4 >> 12) & 0xff);
  S[9 * kNbx + i] = int32_t(w5 & 0xfff);
  S[10 * kNbx + i] = int32_t((w5 >> 12) & 0xff);
  S[11 * kNbx + i] = int32_t((w1 >> 12) & 0x1fff);
}

inline void fail(double* r, Code code, double length) {
  r[kCode] = code;
  r[kLength] = length;
}

void decodeBody(const uint8_t* b, size_t p, uint32_t orbit, uint32_t nBlocks, uint32_t sds, uint32_t flags, int32_t* s,
                double* r);

// A packet trailer at p (0xDEADBEEF 0xDEADBEEF, three u64 counters), or NeedMore.
void decodePacketTrailer(const uint8_t* b, size_t p, size_t end, double* r) {
  if (end - p < kPacketTrailer) {
    fail(r, kNeedMore, 0);
    r[kNeed] = kPacketTrailer;
    return;
  }
  r[kCode] = kPacketTrailerCode;
  r[kLength] = kPacketTrailer;
  const Slot slots[3] = {kAuto, kDropped, kOrbitCtr};
  for (int k = 0; k < 3; k++) r[slots[k]] = double(rd(b, p + 8 + 8 * k)) + double(rd(b, p + 12 + 8 * k)) * 4294967296.0;
}

inline bool isTrailerFrame(const uint8_t* b, size_t t) {
  for (int link = 0; link < kLinks; link++)
    if (rd(b, t + 4 * link) != kBeefdead) return false;
  return true;
}

// Twin of blockWalkFindsTrailer (decodeTs.ts): an orbit-trailer frame at a block boundary
// p + 32 + 192 k, k < nBlocks, among those whose 32 bytes are buffered? Per residue of the
// boundary's stream offset mod 192, `walk` remembers [from, to) known clean and whether `to` is a
// trailer frame, so each boundary is examined once while candidates move forward.
bool blockWalkFindsTrailer(const uint8_t* b, size_t p, uint32_t nBlocks, size_t end, double* walk) {
  if (nBlocks == 0 || p + kHeader + 32 > end) return false;
  const size_t first = p + kHeader;
  size_t last = first + size_t(nBlocks - 1) * kBlock;
  if (last > end - 32) last = end - 32;
  const double origin = walk[kWalkOrigin];
  const double at = origin + double(first);  // exact: stream offsets stay below 2^53
  double* m = walk + kWalkResidues + 3 * size_t(uint64_t(at) % kBlock);
  size_t q = first;
  if (m[0] <= at && at <= m[1]) {
    // [at, to) is known clean: resume at `to`, or stop there if it is a trailer inside this walk.
    const double to = m[1] - origin;
    if (to > double(last)) return false;  // the whole walk is known clean (to may be a trailer beyond it)
    q = size_t(to);
    if (m[2] == 1) return true;
  } else {
    m[0] = m[1] = at;  // nothing known here yet: start a new range
    m[2] = 0;
  }
  for (; q <= last; q += kBlock) {
    walk[kWalkFrames] += 1;
    if (isTrailerFrame(b, q)) {
      m[1] = origin + double(q);
      m[2] = 1;
      return true;
    }
  }
  m[1] = origin + double(q);  // clean up to q (q > the old `to` here)
  return false;
}

void decodeAt(const uint8_t* b, size_t p, size_t end, int32_t* s, double* r, double* walk) {
  for (int k = 0; k < kResultSize; k++) r[k] = 0;
  const size_t avail = end - p;
  if (avail >= 8 && rd(b, p) == kDeadbeef && rd(b, p + 4) == kDeadbeef) {
    decodePacketTrailer(b, p, end, r);
    return;
  }
  if (avail < kHeader) {
    fail(r, kNeedMore, 0);
    r[kNeed] = kHeader;
    return;
  }
  const uint32_t orbit = rd(b, p), w2 = rd(b, p + 8), nBlocks = rd(b, p + 12);
  const uint32_t sds = w2 & 0xff, flags = (w2 >> 8) & 0xff;
  bool reservedOk = (w2 >> 24) == 0 && ((w2 >> 16) & 0xff) == kVersion;
  for (int k = 4; k < 8; k++)
    if (rd(b, p + 4 * k) != 0) reservedOk = false;
  if (!reservedOk || (sds != 1 && sds != 2) || (flags & ~kFlagCrc) || nBlocks > kMaxBlocks) {
    fail(r, kBadHeader, 0);
    return;
  }
  // An orbit trailer frame at an earlier block boundary: the block count is wrong, decided from
  // the bytes already here (decodeTs.ts, same rule), so a count too large costs only this orbit.
  if (blockWalkFindsTrailer(b, p, nBlocks, end, walk)) {
    fail(r, kLengthMismatch, 0);
    return;
  }
  const size_t len = kHeader + size_t(nBlocks) * kBlock + kTrailer;  // bounded: nBlocks <= 3564
  if (avail < len) {
    fail(r, kNeedMore, 0);
    r[kNeed] = double(len);
    return;
  }
  // No CRC flag but a CRC word in the trailer: the flag was cleared in transit.
  if (!(flags & kFlagCrc) && rd(b, p + len - 4) != 0) {
    fail(r, kCrcMismatch, double(len));
    return;
  }
  decodeBody(b, p, orbit, nBlocks, sds, flags, s, r);
}

void decodeBody(const uint8_t* b, size_t p, uint32_t rawOrbit, uint32_t nBlocks, uint32_t sds, uint32_t flags, int32_t* s,
                double* r) {
  const size_t len = kHeader + size_t(nBlocks) * kBlock + kTrailer;
  const uint32_t orbit = rawOrbit & 0x7fffffffu;  // ScGMT/ScCALORawToDigi: bl->orbit & 0x7FFFFFFF
  uint32_t tolerated = (rawOrbit >> 31) ? kTolOrbitBit31 : 0;
  r[kOrbit] = orbit;
  r[kSds] = sds;
  const size_t t = p + kHeader + size_t(nBlocks) * kBlock;
  for (int link = 0; link < kLinks; link++)
    if (rd(b, t + 4 * link) != kBeefdead) {
      fail(r, kLengthMismatch, 0);
      return;
    }
  if ((flags & kFlagCrc) && crc32c(b + p, len - 4) != rd(b, p + len - 4)) {
    fail(r, kCrcMismatch, double(len));
    return;
  }
  const size_t bm = t + 32;
  uint32_t nBits = 0;
  int32_t* bxOut = s + kOffBx;
  for (int wi = 0; wi < kBitmapWords; wi++) {
    uint32_t w = rd(b, bm + 4 * wi);
    if (wi == 0 && (w & 1)) tolerated |= kTolBxZero;
    while (w) {
      const uint32_t bx = uint32_t(wi) * 32 + uint32_t(__builtin_ctz(w));
      w &= w - 1;
      if (bx > kBxMax) {
        fail(r, kBxOutOfRange, double(len));
        return;
      }
      if (nBits < nBlocks) bxOut[nBits] = int32_t(bx);
      nBits++;
    }
  }
  if (nBits != nBlocks) tolerated |= kTolBitmap;  // SCDAQ pairs blocks and bitmap BXs by position
  const uint32_t nBx = nBits < nBlocks ? nBits : nBlocks;
  r[kNBx] = nBx;
  if (sds == 1) {
    s[kOffMuOffset] = 0;
    for (uint32_t i = 0; i < nBx; i++) {
      const size_t blk = p + kHeader + size_t(i) * kBlock;
      const uint32_t bx = uint32_t(bxOut[i]);
      for (int link = 0; link < kLinks; link++) {
        // The header orbit and the bitmap BX win over the link's own words (SCDAQ processor.cc).
        if (rd(b, blk + 4 * link) != orbit || (rd(b, blk + 32 + 4 * link) & 0x1fff) != bx) tolerated |= kTolLinkWord;
      }
      if (decodeMuons(b, blk, s, i, r) > kMuonCap) tolerated |= kTolOverCap;
    }
    r[kNMuon] = s[kOffMuOffset + nBx];
  } else {
    for (int k = 0; k < 3; k++) s[kOffCalo0 + k * kCaloStride] = 0;
    for (uint32_t i = 0; i < nBx; i++) {
      const size_t blk = p + kHeader + size_t(i) * kBlock;
      decodeCaloKind(b, blk, s, i, 0);
      decodeCaloKind(b, blk, s, i, 1);
      decodeCaloKind(b, blk, s, i, 2);
      decodeSums(b, blk, s, i);
    }
    r[kNJet] = s[kOffCalo0 + nBx];
    r[kNEg] = s[kOffCalo0 + kCaloStride + nBx];
    r[kNTau] = s[kOffCalo0 + 2 * kCaloStride + nBx];
  }
  r[kCode] = kOrbitOk;
  r[kLength] = double(len);
  r[kTolerated] = double(tolerated);
}

// ---- SCDAQ header mode (twin of scanScdaq in src/link/decodeTs.ts) ----
constexpr size_t kWindow = kHeader + size_t(kMaxBlocks) * kBlock;  // header + blocks, at most

void scanScdaq(const uint8_t* b, size_t pos, size_t end, bool atBoundary, uint32_t sds, int32_t* s, double* r, double* walk) {
  for (int k = 0; k < kResultSize; k++) r[k] = 0;
  r[kStart] = double(pos);
  if (atBoundary && end - pos >= 8 && rd(b, pos) == kDeadbeef && rd(b, pos + 4) == kDeadbeef) {
    decodePacketTrailer(b, pos, end, r);
    return;
  }
  // No trailer frame starts in [scanFrom, scanTo) (stream offsets): resume at scanTo (decodeTs.ts, same rule).
  const double origin = walk[kWalkOrigin];
  const double first = origin + double(pos + kHeader);
  size_t q = pos + kHeader;
  if (walk[kWalkScanFrom] <= first && first <= walk[kWalkScanTo]) {
    q = size_t(walk[kWalkScanTo] - origin);
  } else {
    walk[kWalkScanFrom] = first;
  }
  int64_t t = -1;
  for (; q + 32 <= end && q - pos <= 2 * kWindow; q++) {
    walk[kWalkScanned] += 1;
    if (rd(b, q) == kBeefdead && isTrailerFrame(b, q)) {
      t = int64_t(q);
      break;
    }
  }
  walk[kWalkScanTo] = origin + double(q);  // clean up to q (a trailer at q if found)
  if (t < 0) {
    if (end - pos >= 2 * kWindow + kHeader + 32) {
      fail(r, kSkip, double(kWindow));
      return;
    }
    fail(r, kNeedMore, 0);
    r[kNeed] = double(end - pos + 1);
    return;
  }
  const size_t tail = size_t(t) + kTrailer;
  if (tail > end) {
    fail(r, kNeedMore, 0);
    r[kNeed] = double(tail - pos);
    return;
  }
  uint32_t n = 0;
  for (int wi = 0; wi < kBitmapWords; wi++) n += uint32_t(__builtin_popcount(rd(b, size_t(t) + 32 + 4 * wi)));
  const size_t span = kHeader + size_t(n) * kBlock;
  if (size_t(t) < pos + span) {  // p = t - span < pos: the trailer's orbit began before pos
    fail(r, kSkip, double(tail - pos));
    return;
  }
  const size_t p = size_t(t) - span;
  r[kStart] = double(p);
  decodeBody(b, p, rd(b, p), n, sds, 0, s, r);
}

// ---- N-API entry points ----
bool readRange(const Napi::CallbackInfo& info, size_t i, size_t limit, size_t* out, const char* what) {
  if (info.Length() <= i || !info[i].IsNumber()) {
    Napi::TypeError::New(info.Env(), std::string(what) + " must be a number").ThrowAsJavaScriptException();
    return false;
  }
  double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0) || v > double(limit) || v != double(int64_t(v))) {
    Napi::RangeError::New(info.Env(), std::string(what) + " out of range").ThrowAsJavaScriptException();
    return false;
  }
  *out = size_t(v);
  return true;
}

// linkFindCandidate(buf: Uint8Array, from, end): number
Napi::Value LinkFindCandidate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Uint8Array buf;
  size_t from, end;
  if (!scoutloop::argTypedArray(info, 0, napi_uint8_array, &buf, "buf")) return env.Undefined();
  if (!readRange(info, 2, buf.ElementLength(), &end, "end") || !readRange(info, 1, end, &from, "from")) return env.Undefined();
  return Napi::Number::New(env, double(findCandidate(buf.Data(), from, end)));
}

// The typed arrays of linkDecodeAt / linkNext (buf, scratch, result, walk at 0, 3, 4, 5), checked.
bool decodeArgs(const Napi::CallbackInfo& info, Napi::Uint8Array* buf, Napi::Int32Array* scratch, Napi::Float64Array* result,
                Napi::Float64Array* walk) {
  if (!scoutloop::argTypedArray(info, 0, napi_uint8_array, buf, "buf") ||
      !scoutloop::argTypedArray(info, 3, napi_int32_array, scratch, "scratch") ||
      !scoutloop::argTypedArray(info, 4, napi_float64_array, result, "result") ||
      !scoutloop::argTypedArray(info, 5, napi_float64_array, walk, "walk"))
    return false;
  if (scratch->ElementLength() < kScratchTotal || result->ElementLength() < size_t(kResultSize) ||
      walk->ElementLength() < size_t(kWalkSize)) {
    Napi::RangeError::New(info.Env(), "scratch, result or walk array too short").ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

// linkDecodeAt(buf: Uint8Array, p, end, scratch: Int32Array, result: Float64Array, walk: Float64Array): void
Napi::Value LinkDecodeAt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Uint8Array buf;
  Napi::Int32Array scratch;
  Napi::Float64Array result, walk;
  size_t p, end;
  if (!decodeArgs(info, &buf, &scratch, &result, &walk)) return env.Undefined();
  if (!readRange(info, 2, buf.ElementLength(), &end, "end") || !readRange(info, 1, end, &p, "p")) return env.Undefined();
  decodeAt(buf.Data(), p, end, scratch.Data(), result.Data(), walk.Data());
  return env.Undefined();
}

// linkNext(buf, from, end, scratch, result, walk): number — linkFindCandidate, then linkDecodeAt at
// the candidate if there is one; returns the candidate position or -1 (one JS→C++ crossing per orbit).
Napi::Value LinkNext(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Uint8Array buf;
  Napi::Int32Array scratch;
  Napi::Float64Array result, walk;
  size_t from, end;
  if (!decodeArgs(info, &buf, &scratch, &result, &walk)) return env.Undefined();
  if (!readRange(info, 2, buf.ElementLength(), &end, "end") || !readRange(info, 1, end, &from, "from")) return env.Undefined();
  const int64_t p = findCandidate(buf.Data(), from, end);
  if (p >= 0) decodeAt(buf.Data(), size_t(p), end, scratch.Data(), result.Data(), walk.Data());
  return Napi::Number::New(env, double(p));
}

// linkScanScdaq(buf, pos, end, atBoundary: boolean, sds, scratch, result, walk): void
Napi::Value LinkScanScdaq(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Uint8Array buf;
  Napi::Int32Array scratch;
  Napi::Float64Array result, walk;
  size_t pos, end, sds;
  if (!scoutloop::argTypedArray(info, 0, napi_uint8_array, &buf, "buf") ||
      !scoutloop::argTypedArray(info, 5, napi_int32_array, &scratch, "scratch") ||
      !scoutloop::argTypedArray(info, 6, napi_float64_array, &result, "result") ||
      !scoutloop::argTypedArray(info, 7, napi_float64_array, &walk, "walk"))
    return env.Undefined();
  if (!readRange(info, 2, buf.ElementLength(), &end, "end") || !readRange(info, 1, end, &pos, "pos") ||
      !readRange(info, 4, 2, &sds, "sds"))
    return env.Undefined();
  if (!info[3].IsBoolean() || sds < 1) {
    Napi::TypeError::New(env, "atBoundary must be a boolean and sds 1 or 2").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (scratch.ElementLength() < kScratchTotal || result.ElementLength() < size_t(kResultSize) ||
      walk.ElementLength() < size_t(kWalkSize)) {
    Napi::RangeError::New(env, "scratch, result or walk array too short").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  scanScdaq(buf.Data(), pos, end, info[3].As<Napi::Boolean>().Value(), uint32_t(sds), scratch.Data(), result.Data(), walk.Data());
  return env.Undefined();
}

Napi::Value LinkScratchSize(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), double(kScratchTotal)); }

// linkCrc32c(buf: Uint8Array): number (exposed so tests can check the hardware path against TS)
Napi::Value LinkCrc32c(const Napi::CallbackInfo& info) {
  Napi::Uint8Array buf;
  if (!scoutloop::argTypedArray(info, 0, napi_uint8_array, &buf, "buf")) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), double(crc32c(buf.Data(), buf.ElementLength())));
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("linkFindCandidate", Napi::Function::New(env, LinkFindCandidate, "linkFindCandidate"));
  exports.Set("linkDecodeAt", Napi::Function::New(env, LinkDecodeAt, "linkDecodeAt"));
  exports.Set("linkScanScdaq", Napi::Function::New(env, LinkScanScdaq, "linkScanScdaq"));
  exports.Set("linkNext", Napi::Function::New(env, LinkNext, "linkNext"));
  exports.Set("linkScratchSize", Napi::Function::New(env, LinkScratchSize, "linkScratchSize"));
  exports.Set("linkCrc32c", Napi::Function::New(env, LinkCrc32c, "linkCrc32c"));
}

scoutloop::Register reg(Init);

}  // namespace
