// Each native module registers its exports here, so modules stay in their own files and the
// addon entry point needs no edit when one is added.
#pragma once
#include <napi.h>
#include <vector>

namespace scoutloop {

using InitFn = void (*)(Napi::Env env, Napi::Object exports);

inline std::vector<InitFn>& registry() {
  static std::vector<InitFn> fns;  // function-local: safe against static-init order
  return fns;
}

struct Register {
  explicit Register(InitFn fn) { registry().push_back(fn); }
};

// Typed-array argument helpers shared by the modules: they check the type and return the view,
// or throw a JS TypeError (and return an empty view) so no module touches unchecked memory.
template <typename T>
inline bool argTypedArray(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type type, Napi::TypedArrayOf<T>* out,
                          const char* what) {
  if (info.Length() <= i || !info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != type) {
    Napi::TypeError::New(info.Env(), std::string("argument ") + std::to_string(i) + " (" + what + ") has the wrong type")
        .ThrowAsJavaScriptException();
    return false;
  }
  *out = info[i].As<Napi::TypedArrayOf<T>>();
  return true;
}

}  // namespace scoutloop
