#include "flat_json.h"

#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace edgeloop {

namespace {

class Parser {
 public:
  explicit Parser(const std::string& s) : s_(s) {}

  std::map<std::string, FlatValue> Object() {
    std::map<std::string, FlatValue> out;
    Skip();
    Expect('{');
    Skip();
    if (Peek() == '}') {
      ++i_;
      End();
      return out;
    }
    for (;;) {
      Skip();
      std::string key = String();
      Skip();
      Expect(':');
      Skip();
      out[key] = Value(key);
      Skip();
      if (Peek() == ',') {
        ++i_;
        continue;
      }
      Expect('}');
      End();
      return out;
    }
  }

 private:
  [[noreturn]] void Fail(const std::string& what) const {
    throw std::invalid_argument("options: " + what + " at offset " + std::to_string(i_));
  }
  char Peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void Skip() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
  }
  void Expect(char c) {
    if (Peek() != c) Fail(std::string("expected '") + c + "'");
    ++i_;
  }
  void End() {
    Skip();
    if (i_ != s_.size()) Fail("trailing characters");
  }

  std::string String() {
    Expect('"');
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) Fail("unterminated escape");
      char e = s_[i_++];
      switch (e) {
        case '"': case '\\': case '/': out += e; break;
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          if (i_ + 4 > s_.size()) Fail("short \\u escape");
          const long cp = std::strtol(s_.substr(i_, 4).c_str(), nullptr, 16);
          i_ += 4;
          // Options are ASCII; anything else is kept as UTF-8 for the message.
          if (cp < 0x80) {
            out += static_cast<char>(cp);
          } else if (cp < 0x800) {
            out += static_cast<char>(0xc0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3f));
          } else {
            out += static_cast<char>(0xe0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
          }
          break;
        }
        default: Fail("bad escape");
      }
    }
    Expect('"');
    return out;
  }

  FlatValue Value(const std::string& key) {
    FlatValue v;
    const char c = Peek();
    if (c == '"') {
      v.type = FlatValue::Type::kString;
      v.string = String();
    } else if (s_.compare(i_, 4, "true") == 0) {
      v.type = FlatValue::Type::kBool;
      v.boolean = true;
      i_ += 4;
    } else if (s_.compare(i_, 5, "false") == 0) {
      v.type = FlatValue::Type::kBool;
      i_ += 5;
    } else if (s_.compare(i_, 4, "null") == 0) {
      i_ += 4;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const char* start = s_.c_str() + i_;
      char* end = nullptr;
      v.type = FlatValue::Type::kNumber;
      v.number = std::strtod(start, &end);
      i_ += static_cast<size_t>(end - start);
    } else {
      Fail("\"" + key + "\" must be a string, number, boolean or null (no nesting)");
    }
    return v;
  }

  const std::string& s_;
  size_t i_ = 0;
};

}  // namespace

FlatJson::FlatJson(const std::string& text) : values_(Parser(text).Object()) {}

const FlatValue* FlatJson::Find(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end() || it->second.type == FlatValue::Type::kNull) return nullptr;
  return &it->second;
}

std::string FlatJson::String(const std::string& key, const std::string& fallback) const {
  const FlatValue* v = Find(key);
  if (!v) return fallback;
  if (v->type != FlatValue::Type::kString) throw std::invalid_argument("options: \"" + key + "\" must be a string");
  return v->string;
}

int64_t FlatJson::Integer(const std::string& key, int64_t fallback, int64_t min, int64_t max) const {
  const FlatValue* v = Find(key);
  if (!v) return fallback;
  if (v->type != FlatValue::Type::kNumber || std::floor(v->number) != v->number ||
      v->number < static_cast<double>(min) || v->number > static_cast<double>(max)) {
    throw std::invalid_argument("options: \"" + key + "\" must be an integer from " + std::to_string(min) +
                                " to " + std::to_string(max));
  }
  return static_cast<int64_t>(v->number);
}

bool FlatJson::Bool(const std::string& key, bool fallback) const {
  const FlatValue* v = Find(key);
  if (!v) return fallback;
  if (v->type != FlatValue::Type::kBool) throw std::invalid_argument("options: \"" + key + "\" must be a boolean");
  return v->boolean;
}

void FlatJson::RequireOnly(const char* const* known, size_t count) const {
  for (const auto& entry : values_) {
    bool ok = false;
    for (size_t i = 0; i < count && !ok; ++i) ok = entry.first == known[i];
    if (!ok) throw std::invalid_argument("options: unknown option \"" + entry.first + "\"");
  }
}

std::vector<std::string> FlatJson::Keys() const {
  std::vector<std::string> keys;
  keys.reserve(values_.size());
  for (const auto& entry : values_) keys.push_back(entry.first);
  return keys;
}

}  // namespace edgeloop
