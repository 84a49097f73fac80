// ap_fixed formats as they cross from JS: five int32 [width, int, signed, quant, overflow]
// (formatInts in src/scoring/native.ts), read and validated in one place for every module.
#pragma once
#include <napi.h>

#include "fixed.h"
#include "registry.h"

namespace scoutloop {

// The format packed at p[0..4] (not validated: callers check fx::validFormat).
inline fx::Format formatAt(const int32_t* p) {
  fx::Format f;
  f.width = p[0];
  f.intBits = p[1];
  f.isSigned = p[2] != 0;
  f.quant = static_cast<fx::Quant>(p[3]);
  f.overflow = static_cast<fx::Overflow>(p[4]);
  return f;
}

// Argument i as a validated format, or a JS TypeError/RangeError and false.
inline bool readFormat(const Napi::CallbackInfo& info, size_t i, fx::Format* f) {
  Napi::Int32Array a;
  if (!argTypedArray(info, i, napi_int32_array, &a, "format")) return false;
  if (a.ElementLength() != 5) {
    Napi::RangeError::New(info.Env(), "format must be [width, int, signed, quant, overflow]").ThrowAsJavaScriptException();
    return false;
  }
  *f = formatAt(a.Data());
  if (!fx::validFormat(*f)) {
    Napi::RangeError::New(info.Env(), "invalid fixed-point format").ThrowAsJavaScriptException();
    return false;
  }
  return true;
}

}  // namespace scoutloop
