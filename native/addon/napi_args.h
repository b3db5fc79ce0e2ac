// The addon's argument checks, shared by every wrap: the JS side validates
// first (src/), so these only keep a wrong call from reaching C++ as garbage;
// each throws a TypeError naming the argument.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace edgeloop {

inline void RequireArgs(const Napi::CallbackInfo& info, size_t n) {
  if (info.Length() < n) {
    throw Napi::TypeError::New(info.Env(), "expected " + std::to_string(n) + " argument(s)");
  }
}

inline Napi::Number NumberArg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a number");
  }
  return v.As<Napi::Number>();
}

inline int32_t Int32Arg(const Napi::CallbackInfo& info, size_t i) { return NumberArg(info, i).Int32Value(); }

inline std::string StringArg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (!v.IsString()) {
    throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a string");
  }
  return v.As<Napi::String>().Utf8Value();
}

// Connection ids are positive integers below 2^53 (JS numbers); anything
// else names no connection (0).
inline uint64_t ConnArg(const Napi::CallbackInfo& info, size_t i) {
  const double d = NumberArg(info, i).DoubleValue();
  return d >= 1 && d <= 9007199254740991.0 ? static_cast<uint64_t>(d) : 0;
}

// A typed array's bytes; valid while `info` holds the view.
struct BytesView {
  const uint8_t* data = nullptr;
  size_t size = 0;
};

inline BytesView BytesArg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a Uint8Array");
  Napi::TypedArray view = v.As<Napi::TypedArray>();
  void* data = nullptr;
  napi_status status = napi_get_typedarray_info(info.Env(), view, nullptr, nullptr, &data, nullptr, nullptr);
  if (status != napi_ok) throw Napi::Error::New(info.Env(), "cannot read argument " + std::to_string(i));
  return {static_cast<const uint8_t*>(data), data ? view.ByteLength() : 0};
}

}  // namespace edgeloop
