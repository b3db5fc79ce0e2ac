// The edgeloop Node addon: exports the Kernel class (linux or sim backend)
// and the Server class (the reactor's host: on a Kernel object's kernel for
// the simulation, or as a real server on Node's event loop).
#include <napi.h>

#include "kernel_wrap.h"
#include "server_wrap.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Kernel", edgeloop::KernelWrap::Define(env));
  exports.Set("Server", edgeloop::ServerWrap::Define(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(edgeloop, Init)
