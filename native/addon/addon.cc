// The edgeloop Node addon: exports the Kernel class (linux or sim backend).
#include <napi.h>

#include "kernel_wrap.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Kernel", edgeloop::KernelWrap::Define(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(edgeloop, Init)
