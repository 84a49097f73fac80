// Board protocol v1 SCORE / SCORE_REPLY payloads (docs/board-protocol.md §4.3, §4.4) packed and
// unpacked in C++: the per-event word loops of src/hil/codec.ts (its TS functions stay the
// reference; a property test holds both to the same bytes). Lengths are checked here again before
// any memory is touched; the TS side has already validated counts against the payload size.
#include <cstdint>
#include <cstring>

#include "registry.h"

namespace {

using scoutloop::argTypedArray;

constexpr size_t kScorePrefixWords = 2;  // orbit u32, bx u16 + reserved u16
constexpr size_t kReplyWords = 7;        // orbit, bx|flags, ingress lo/hi, egress lo/hi, score
constexpr double kTwo32 = 4294967296.0;

bool argCount(const Napi::CallbackInfo& info, size_t i, size_t max, size_t* out, const char* what) {
  if (info.Length() <= i || !info[i].IsNumber()) {
    Napi::TypeError::New(info.Env(), std::string(what) + " must be a number").ThrowAsJavaScriptException();
    return false;
  }
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 0 && v <= double(max)) || v != double(int64_t(v))) {
    Napi::RangeError::New(info.Env(), std::string(what) + " out of range").ThrowAsJavaScriptException();
    return false;
  }
  *out = size_t(v);
  return true;
}

void rangeError(const Napi::CallbackInfo& info, const char* what) {
  Napi::RangeError::New(info.Env(), what).ThrowAsJavaScriptException();
}

// hilPackScore(orbit Uint32Array, bx Uint16Array, features Int32Array, nFeatures, first, n, out Uint8Array)
// writes the SCORE payload (8 + n × (8 + 4·nF) bytes) of events [first, first + n).
Napi::Value PackScore(const Napi::CallbackInfo& info) {
  Napi::Uint32Array orbit;
  Napi::Uint16Array bx;
  Napi::Int32Array features;
  Napi::Uint8Array out;
  size_t nF, first, n;
  if (!argTypedArray(info, 0, napi_uint32_array, &orbit, "orbit") || !argTypedArray(info, 1, napi_uint16_array, &bx, "bx") ||
      !argTypedArray(info, 2, napi_int32_array, &features, "features") || !argCount(info, 3, 64, &nF, "nFeatures") ||
      !argCount(info, 4, 1u << 30, &first, "first") || !argCount(info, 5, 4096, &n, "n") ||
      !argTypedArray(info, 6, napi_uint8_array, &out, "out"))
    return info.Env().Null();
  const size_t stride = kScorePrefixWords + nF;
  if (nF == 0 || first + n > orbit.ElementLength() || first + n > bx.ElementLength() || (first + n) * nF > features.ElementLength() ||
      out.ElementLength() < 4 * (2 + n * stride)) {
    rangeError(info, "hilPackScore: arrays shorter than the event range");
    return info.Env().Null();
  }
  uint8_t* p = out.Data();
  const uint32_t head[2] = {uint32_t(n), uint32_t(nF)};  // u32 n, u16 nFeatures + u16 reserved
  std::memcpy(p, head, 8);
  p += 8;
  const uint32_t* o = orbit.Data() + first;
  const uint16_t* b = bx.Data() + first;
  const int32_t* f = features.Data() + first * nF;
  for (size_t i = 0; i < n; i++) {
    const uint32_t pre[2] = {o[i], uint32_t(b[i])};
    std::memcpy(p, pre, 8);
    std::memcpy(p + 8, f + i * nF, 4 * nF);
    p += 4 * stride;
  }
  return info.Env().Undefined();
}

// hilUnpackScore(payload Uint8Array, n, nFeatures, orbit Uint32Array, bx Uint16Array, features Int32Array)
Napi::Value UnpackScore(const Napi::CallbackInfo& info) {
  Napi::Uint8Array payload;
  Napi::Uint32Array orbit;
  Napi::Uint16Array bx;
  Napi::Int32Array features;
  size_t n, nF;
  if (!argTypedArray(info, 0, napi_uint8_array, &payload, "payload") || !argCount(info, 1, 4096, &n, "n") ||
      !argCount(info, 2, 64, &nF, "nFeatures") || !argTypedArray(info, 3, napi_uint32_array, &orbit, "orbit") ||
      !argTypedArray(info, 4, napi_uint16_array, &bx, "bx") || !argTypedArray(info, 5, napi_int32_array, &features, "features"))
    return info.Env().Null();
  const size_t stride = kScorePrefixWords + nF;
  if (nF == 0 || payload.ElementLength() != 4 * (2 + n * stride) || orbit.ElementLength() < n || bx.ElementLength() < n ||
      features.ElementLength() < n * nF) {
    rangeError(info, "hilUnpackScore: payload or output arrays do not match n and nFeatures");
    return info.Env().Null();
  }
  const uint8_t* p = payload.Data() + 8;
  for (size_t i = 0; i < n; i++) {
    uint32_t pre[2];
    std::memcpy(pre, p, 8);
    orbit[i] = pre[0];
    bx[i] = uint16_t(pre[1] & 0xffff);
    std::memcpy(features.Data() + i * nF, p + 8, 4 * nF);
    p += 4 * stride;
  }
  return info.Env().Undefined();
}

// hilPackReply(n, orbit Uint32Array, bx Uint16Array, flags Uint8Array, score Int32Array,
//              ingress Float64Array, egress Float64Array, out Uint8Array): the SCORE_REPLY payload.
Napi::Value PackReply(const Napi::CallbackInfo& info) {
  size_t n;
  Napi::Uint32Array orbit;
  Napi::Uint16Array bx;
  Napi::Uint8Array flags, out;
  Napi::Int32Array score;
  Napi::Float64Array ingress, egress;
  if (!argCount(info, 0, 4096, &n, "n") || !argTypedArray(info, 1, napi_uint32_array, &orbit, "orbit") ||
      !argTypedArray(info, 2, napi_uint16_array, &bx, "bx") || !argTypedArray(info, 3, napi_uint8_array, &flags, "flags") ||
      !argTypedArray(info, 4, napi_int32_array, &score, "score") || !argTypedArray(info, 5, napi_float64_array, &ingress, "ingress") ||
      !argTypedArray(info, 6, napi_float64_array, &egress, "egress") || !argTypedArray(info, 7, napi_uint8_array, &out, "out"))
    return info.Env().Null();
  if (orbit.ElementLength() < n || bx.ElementLength() < n || flags.ElementLength() < n || score.ElementLength() < n ||
      ingress.ElementLength() < n || egress.ElementLength() < n || out.ElementLength() < 8 + 4 * kReplyWords * n) {
    rangeError(info, "hilPackReply: arrays shorter than n");
    return info.Env().Null();
  }
  uint8_t* p = out.Data();
  const uint32_t head[2] = {uint32_t(n), 0};
  std::memcpy(p, head, 8);
  p += 8;
  // Cycle counters are whole numbers below 2^53 (as the TS side's % and floor assume).
  auto lo = [](double v) { return uint32_t(uint64_t(v) & 0xffffffffu); };
  auto hi = [](double v) { return uint32_t(uint64_t(v) >> 32); };
  for (size_t i = 0; i < n; i++) {
    const double in = ingress[i], eg = egress[i];
    const uint32_t w[kReplyWords] = {orbit[i], uint32_t(bx[i]) | (uint32_t(flags[i]) << 16), lo(in), hi(in), lo(eg), hi(eg), uint32_t(score[i])};
    std::memcpy(p, w, sizeof w);
    p += sizeof w;
  }
  return info.Env().Undefined();
}

// hilUnpackReply(payload Uint8Array, n, orbit, bx, flags, score, ingress, egress) into the given arrays.
Napi::Value UnpackReply(const Napi::CallbackInfo& info) {
  Napi::Uint8Array payload, flags;
  size_t n;
  Napi::Uint32Array orbit;
  Napi::Uint16Array bx;
  Napi::Int32Array score;
  Napi::Float64Array ingress, egress;
  if (!argTypedArray(info, 0, napi_uint8_array, &payload, "payload") || !argCount(info, 1, 4096, &n, "n") ||
      !argTypedArray(info, 2, napi_uint32_array, &orbit, "orbit") || !argTypedArray(info, 3, napi_uint16_array, &bx, "bx") ||
      !argTypedArray(info, 4, napi_uint8_array, &flags, "flags") || !argTypedArray(info, 5, napi_int32_array, &score, "score") ||
      !argTypedArray(info, 6, napi_float64_array, &ingress, "ingress") || !argTypedArray(info, 7, napi_float64_array, &egress, "egress"))
    return info.Env().Null();
  if (payload.ElementLength() != 8 + 4 * kReplyWords * n || orbit.ElementLength() < n || bx.ElementLength() < n ||
      flags.ElementLength() < n || score.ElementLength() < n || ingress.ElementLength() < n || egress.ElementLength() < n) {
    rangeError(info, "hilUnpackReply: payload or output arrays do not match n");
    return info.Env().Null();
  }
  const uint8_t* p = payload.Data() + 8;
  for (size_t i = 0; i < n; i++) {
    uint32_t w[kReplyWords];
    std::memcpy(w, p, sizeof w);
    p += sizeof w;
    orbit[i] = w[0];
    bx[i] = uint16_t(w[1] & 0xffff);
    flags[i] = uint8_t((w[1] >> 16) & 0xff);
    ingress[i] = double(w[2]) + double(w[3]) * kTwo32;
    egress[i] = double(w[4]) + double(w[5]) * kTwo32;
    score[i] = int32_t(w[6]);
  }
  return info.Env().Undefined();
}

// hilReplyFlags(features Int32Array, n, nFeatures, inMin, inMax, raw Int32Array, outMin, outMax,
//               outSaturates, flags Uint8Array): SATURATED (1) and INPUT_OVERFLOW (2) per event.
Napi::Value ReplyFlags(const Napi::CallbackInfo& info) {
  Napi::Int32Array features, raw;
  Napi::Uint8Array flags;
  size_t n, nF;
  if (!argTypedArray(info, 0, napi_int32_array, &features, "features") || !argCount(info, 1, 4096, &n, "n") ||
      !argCount(info, 2, 64, &nF, "nFeatures") || info.Length() < 10 || !info[3].IsNumber() || !info[4].IsNumber() ||
      !argTypedArray(info, 5, napi_int32_array, &raw, "raw") || !info[6].IsNumber() || !info[7].IsNumber() ||
      !info[8].IsBoolean() || !argTypedArray(info, 9, napi_uint8_array, &flags, "flags"))
    return info.Env().Null();
  if (features.ElementLength() < n * nF || raw.ElementLength() < n || flags.ElementLength() < n) {
    rangeError(info, "hilReplyFlags: arrays shorter than n");
    return info.Env().Null();
  }
  const double inMin = info[3].As<Napi::Number>().DoubleValue(), inMax = info[4].As<Napi::Number>().DoubleValue();
  const double outMin = info[6].As<Napi::Number>().DoubleValue(), outMax = info[7].As<Napi::Number>().DoubleValue();
  const bool saturates = info[8].As<Napi::Boolean>().Value();
  const int32_t* f = features.Data();
  for (size_t i = 0; i < n; i++) {
    uint8_t fl = 0;
    const double r = raw[i];
    if (saturates && (r == outMax || r == outMin)) fl |= 1;
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    for (size_t k = 0; k < nF; k++) {
      const int32_t v = f[i * nF + k];
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    if (nF > 0 && (double(lo) < inMin || double(hi) > inMax)) fl |= 2;
    flags[i] = fl;
  }
  return info.Env().Undefined();
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("hilPackScore", Napi::Function::New(env, PackScore, "hilPackScore"));
  exports.Set("hilUnpackScore", Napi::Function::New(env, UnpackScore, "hilUnpackScore"));
  exports.Set("hilPackReply", Napi::Function::New(env, PackReply, "hilPackReply"));
  exports.Set("hilUnpackReply", Napi::Function::New(env, UnpackReply, "hilUnpackReply"));
  exports.Set("hilReplyFlags", Napi::Function::New(env, ReplyFlags, "hilReplyFlags"));
}

scoutloop::Register reg(Init);

}  // namespace
