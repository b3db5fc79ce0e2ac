// CallSite: the reactor line behind a kernel call, captured by the compiler
// at the caller (GCC and Clang builtins as default arguments), so no call
// site names itself. reactor/syscalls.h takes one on every call the reactor
// makes; a TracingKernel writes it into the call's record as
// "site":"TcpConnection::Send native/reactor/tcp_connection.cc:73".
#pragma once

#include <cstdint>
#include <string>

namespace edgeloop {

struct CallSite {
  // `function` is unqualified ("Send"; a constructor is its class's name, a
  // lambda "operator()"); `file` is the path the compiler was given.
  const char* function;
  const char* file;
  int32_t line;

  // As a default argument (`CallSite site = CallSite()`), these describe
  // the line that called the function taking it.
  explicit CallSite(const char* fn = __builtin_FUNCTION(), const char* f = __builtin_FILE(),
                    int32_t l = __builtin_LINE())
      : function(fn), file(f), line(l) {}
};

// "native/reactor/tcp_connection.cc", whatever directory the build ran in.
std::string RepoPath(const char* file);
// "TcpConnection::Send": the class is the file's (its name in CamelCase,
// the tutorial variants' files excepted), a constructor "Epoll::Epoll".
std::string QualifiedName(const CallSite& site);
// "TcpConnection::Send native/reactor/tcp_connection.cc:73", as a trace records it.
std::string DescribeCallSite(const CallSite& site);

}  // namespace edgeloop
