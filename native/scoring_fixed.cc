// Batch access to the ap_fixed conversions of fixed.h, so tests can hold C++ and TS to the same
// edge-case table (ties, negative ties, saturation edges).
#include "fixed.h"
#include "registry.h"

namespace {

using scoutloop::argTypedArray;
namespace fx = scoutloop::fx;

bool readFormat(const Napi::CallbackInfo& info, size_t i, fx::Format* f) {
  Napi::Int32Array a;
  if (!argTypedArray(info, i, napi_int32_array, &a, "format")) return false;
  if (a.ElementLength() != 5) {
    Napi::RangeError::New(info.Env(), "format must be [width, int, signed, quant, overflow]").ThrowAsJavaScriptException();
    return false;
  }
  *f = fx::Format{a[0], a[1], a[2] != 0, static_cast<fx::Quant>(a[3]), static_cast<fx::Overflow>(a[4])};
  if (!fx::validFormat(*f)) {
    Napi::RangeError::New(info.Env(), "invalid fixed-point format").ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

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

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("fxQuantize", Napi::Function::New(env, FxQuantize, "fxQuantize"));
  exports.Set("fxCast", Napi::Function::New(env, FxCast, "fxCast"));
}

scoutloop::Register reg(Init);

}  // namespace
