// A minimal streaming JSON writer: the simulated kernel's state dump, the
// trace records, the host's snapshots and stats. Keys are written in the
// order given, so the output is deterministic.
//
// The trace writes one record per syscall (hundreds of thousands in a large
// run), so the common cases are appended in runs: keys and strings that need
// no escape in one append, integers through std::to_chars, and a writer can
// be cleared and reused without giving its storage back.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace edgeloop {

class JsonWriter {
 public:
  void BeginObject() { Sep(); out_ += '{'; first_ = true; }
  void EndObject() { out_ += '}'; first_ = false; }
  void BeginArray() { Sep(); out_ += '['; first_ = true; }
  void EndArray() { out_ += ']'; first_ = false; }
  void Key(const char* k) { Sep(); Quote(k, std::strlen(k)); out_ += ':'; first_ = true; }
  void Int(int64_t v) {
    Sep();
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, static_cast<size_t>(r.ptr - buf));
  }
  void Bool(bool v) { Sep(); out_ += v ? "true" : "false"; }
  void String(const std::string& s) { Sep(); Quote(s.data(), s.size()); }
  void String(const char* s) { Sep(); Quote(s, std::strlen(s)); }
  void Null() { Sep(); out_ += "null"; }

  template <typename T>
  void Field(const char* k, T v) { Key(k); Int(static_cast<int64_t>(v)); }
  void FieldBool(const char* k, bool v) { Key(k); Bool(v); }
  void FieldString(const char* k, const std::string& v) { Key(k); String(v); }
  void FieldString(const char* k, const char* v) { Key(k); String(v); }

  const std::string& str() const { return out_; }
  // Empties the writer for the next document; keeps the storage.
  void Clear() {
    out_.clear();
    first_ = true;
  }

 private:
  void Sep() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  void Quote(const char* s, size_t n) {
    out_ += '"';
    size_t run = 0;  // start of the bytes not yet appended
    for (size_t i = 0; i < n; ++i) {
      const char c = s[i];
      if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20) continue;
      out_.append(s + run, i - run);
      run = i + 1;
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += c;
      } else {
        static const char* hex = "0123456789abcdef";
        out_ += "\\u00";
        out_ += hex[(c >> 4) & 0xf];
        out_ += hex[c & 0xf];
      }
    }
    out_.append(s + run, n - run);
    out_ += '"';
  }

  std::string out_;
  bool first_ = true;
};

}  // namespace edgeloop
