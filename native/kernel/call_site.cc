#include "call_site.h"

#include <cstring>
#include <string_view>

namespace edgeloop {

namespace {

// Files whose class is not their name in CamelCase: the tutorial's variants
// are named after the chapter, their classes after what they replace.
struct FileClass {
  const char* stem;
  const char* name;
};
constexpr FileClass kFileClasses[] = {
    {"day25_write_all", "Day25Connection"},
    {"day26_as_written", "Day26Connection"},
};

std::string ClassOf(std::string_view stem) {
  for (const FileClass& f : kFileClasses) {
    if (stem == f.stem) return f.name;
  }
  std::string out;
  bool upper = true;
  for (char c : stem) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
  }
  return out;
}

}  // namespace

std::string RepoPath(const char* file) {
  // "../native/reactor/x.cc" (node-gyp builds from build/) and
  // "native/reactor/x.cc" (wasm/build.sh) name the same file; an absolute
  // path must never reach a trace (native and wasm traces are identical).
  const char* at = std::strstr(file, "native/");
  return at != nullptr ? std::string(at) : std::string(file);
}

std::string QualifiedName(const CallSite& site) {
  std::string_view path(site.file);
  const size_t slash = path.find_last_of('/');
  std::string_view stem = slash == std::string_view::npos ? path : path.substr(slash + 1);
  stem = stem.substr(0, stem.find('.'));
  const std::string cls = ClassOf(stem);
  std::string_view fn(site.function);
  // GCC names a template's arguments ("Tm<int>"), Clang does not.
  fn = fn.substr(0, fn.find('<'));
  std::string out = cls;
  out += "::";
  // A constructor is named after its class: "Epoll" -> "Epoll::Epoll".
  out.append(fn.data(), fn.size());
  return out;
}

std::string DescribeCallSite(const CallSite& site) {
  std::string out = QualifiedName(site);
  out += ' ';
  out += RepoPath(site.file);
  out += ':';
  out += std::to_string(site.line);
  return out;
}

}  // namespace edgeloop
