// The edgeloop Node addon: exports the Kernel class (linux or sim backend)
// the Server class (the reactor, on a Kernel object's kernel) and the
// LinuxServer class (the reactor as a real server, on Node's event loop).
#include <napi.h>

#include "kernel_wrap.h"
#include "linux_server_wrap.h"
#include "server_wrap.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Kernel", edgeloop::KernelWrap::Define(env));
  exports.Set("Server", edgeloop::ServerWrap::Define(env));
  exports.Set("LinuxServer", edgeloop::LinuxServerWrap::Define(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(edgeloop, Init)
