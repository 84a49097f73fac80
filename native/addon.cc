// Addon entry point: runs every module's registration (see registry.h).
#include "registry.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  for (auto fn : scoutloop::registry()) fn(env, exports);
  return exports;
}

NODE_API_MODULE(scoutloop, Init)
