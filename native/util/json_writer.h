// A minimal streaming JSON writer: the simulated kernel's state dump, the
// trace records, the host's snapshots and stats. Keys are written in the
// order given, so the output is deterministic.
#pragma once

#include <cstdint>
#include <string>

namespace edgeloop {

class JsonWriter {
 public:
  void BeginObject() { Sep(); out_ += '{'; first_ = true; }
  void EndObject() { out_ += '}'; first_ = false; }
  void BeginArray() { Sep(); out_ += '['; first_ = true; }
  void EndArray() { out_ += ']'; first_ = false; }
  void Key(const char* k) { Sep(); Quote(k); out_ += ':'; first_ = true; }
  void Int(int64_t v) { Sep(); out_ += std::to_string(v); }
  void Bool(bool v) { Sep(); out_ += v ? "true" : "false"; }
  void String(const std::string& s) { Sep(); Quote(s); }
  void Null() { Sep(); out_ += "null"; }

  template <typename T>
  void Field(const char* k, T v) { Key(k); Int(static_cast<int64_t>(v)); }
  void FieldBool(const char* k, bool v) { Key(k); Bool(v); }
  void FieldString(const char* k, const std::string& v) { Key(k); String(v); }

  const std::string& str() const { return out_; }

 private:
  void Sep() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  void Quote(const std::string& s) {
    out_ += '"';
    for (char c : s) {
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        static const char* hex = "0123456789abcdef";
        out_ += "\\u00";
        out_ += hex[(c >> 4) & 0xf];
        out_ += hex[c & 0xf];
      } else {
        out_ += c;
      }
    }
    out_ += '"';
  }

  std::string out_;
  bool first_ = true;
};

}  // namespace edgeloop
