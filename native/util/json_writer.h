// A minimal streaming JSON writer: the simulated kernel's state dump, the
// trace records, the host's snapshots and stats. Keys are written in the
// order given, so the output is deterministic.
//
// The trace writes one record per syscall (hundreds of thousands in a large
// run), so it writes into a plain growing buffer with inline appends (in
// wasm, std::string's out-of-line push_back per character was most of the
// cost of tracing), keys and unescaped runs of a string in one copy,
// integers through std::to_chars, and a writer can be cleared and reused
// without giving its storage back.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

namespace edgeloop {

class JsonWriter {
 public:
  void BeginObject() { Sep(); Put('{'); first_ = true; }
  void EndObject() { Put('}'); first_ = false; }
  void BeginArray() { Sep(); Put('['); first_ = true; }
  void EndArray() { Put(']'); first_ = false; }
  void Key(const char* k) { Sep(); Quote(k, std::strlen(k)); Put(':'); first_ = true; }
  void Int(int64_t v) {
    Sep();
    Reserve(24);
    const auto r = std::to_chars(buf_.get() + len_, buf_.get() + len_ + 24, v);
    len_ = static_cast<size_t>(r.ptr - buf_.get());
  }
  void Bool(bool v) { Sep(); v ? Put("true", 4) : Put("false", 5); }
  void String(const std::string& s) { Sep(); Quote(s.data(), s.size()); }
  void String(const char* s) { Sep(); Quote(s, std::strlen(s)); }
  void Null() { Sep(); Put("null", 4); }

  template <typename T>
  void Field(const char* k, T v) { Key(k); Int(static_cast<int64_t>(v)); }
  void FieldBool(const char* k, bool v) { Key(k); Bool(v); }
  void FieldString(const char* k, const std::string& v) { Key(k); String(v); }
  void FieldString(const char* k, const char* v) { Key(k); String(v); }

  // Text that is already JSON, appended as is (a member with its leading ',').
  void Fragment(std::string_view text) { Put(text.data(), text.size()); }

  std::string str() const { return std::string(buf_.get(), len_); }
  // The text so far, valid until the next write.
  std::string_view view() const { return std::string_view(buf_.get(), len_); }
  // Empties the writer for the next document; keeps the storage.
  void Clear() {
    len_ = 0;
    first_ = true;
  }

 private:
  void Reserve(size_t n) {
    if (cap_ - len_ >= n) return;
    size_t cap = cap_ == 0 ? 256 : cap_ * 2;
    while (cap - len_ < n) cap *= 2;
    std::unique_ptr<char[]> grown(new char[cap]);
    if (len_ > 0) std::memcpy(grown.get(), buf_.get(), len_);
    buf_ = std::move(grown);
    cap_ = cap;
  }
  void Put(char c) {
    Reserve(1);
    buf_[len_++] = c;
  }
  void Put(const char* s, size_t n) {
    Reserve(n);
    std::memcpy(buf_.get() + len_, s, n);
    len_ += n;
  }
  void Sep() {
    if (!first_) Put(',');
    first_ = false;
  }
  void Quote(const char* s, size_t n) {
    // The worst case, every byte escaped as \u00XX, and the two quotes.
    Reserve(6 * n + 2);
    char* out = buf_.get() + len_;
    *out++ = '"';
    for (size_t i = 0; i < n; ++i) {
      const char c = s[i];
      if (c == '"' || c == '\\') {
        *out++ = '\\';
        *out++ = c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        static const char* hex = "0123456789abcdef";
        std::memcpy(out, "\\u00", 4);
        out += 4;
        *out++ = hex[(c >> 4) & 0xf];
        *out++ = hex[c & 0xf];
      } else {
        *out++ = c;
      }
    }
    *out++ = '"';
    len_ = static_cast<size_t>(out - buf_.get());
  }

  std::unique_ptr<char[]> buf_;
  size_t len_ = 0;
  size_t cap_ = 0;
  bool first_ = true;
};

}  // namespace edgeloop
