// FlatJson: parses one JSON object whose values are strings, numbers,
// booleans or null (no nesting): what an options document needs. Embedders
// validate and name bad fields before this; here a malformed document or a
// wrong type still throws std::invalid_argument naming the field.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace edgeloop {

struct FlatValue {
  enum class Type { kNull, kBool, kNumber, kString } type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
};

class FlatJson {
 public:
  explicit FlatJson(const std::string& text);

  // Each returns `fallback` when the key is absent (or null) and throws when
  // the value has another type or range.
  std::string String(const std::string& key, const std::string& fallback) const;
  int64_t Integer(const std::string& key, int64_t fallback, int64_t min, int64_t max) const;
  bool Bool(const std::string& key, bool fallback) const;
  // Throws if a key is not one of known[0..count).
  void RequireOnly(const char* const* known, size_t count) const;
  // True when `key` is present and not null.
  bool Has(const std::string& key) const { return Find(key) != nullptr; }
  // Every key, null-valued ones too, in sorted order.
  std::vector<std::string> Keys() const;

 private:
  const FlatValue* Find(const std::string& key) const;

  std::map<std::string, FlatValue> values_;
};

}  // namespace edgeloop
