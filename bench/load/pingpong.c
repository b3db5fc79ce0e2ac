// Pingpong load generator (muduo's pingpong method): each connection sends
// one block, then echoes back whatever it receives, for a fixed time.
// Throughput is the bytes the clients read per second during the window
// (after a warm-up). One thread, one epoll, level-triggered, TCP_NODELAY.
//
//   pingpong PORT CONNECTIONS BLOCK_BYTES SECONDS [WARMUP_SECONDS]
//
// Prints one JSON line: {"bytes","seconds","mibps","cpu"} (cpu: this
// process's user+sys seconds during the window, to show it is not the
// bottleneck: well under 1.0 means it waits for the server).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn {
  int fd;
  char* pending;  // bytes read but not yet written back (a full socket)
  size_t npending, cap;
};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         (double)ru.ru_stime.tv_usec / 1e6;
}

static void keep(struct conn* c, const char* p, size_t n) {
  if (c->npending + n > c->cap) {
    c->cap = (c->npending + n) * 2;
    c->pending = realloc(c->pending, c->cap);
    if (!c->pending) abort();
  }
  memcpy(c->pending + c->npending, p, n);
  c->npending += n;
}

// Writes p[0..n) after what is pending; returns 0, or -1 if the connection failed.
static int send_all(int ep, struct conn* c, const char* p, size_t n) {
  if (c->npending == 0) {
    ssize_t w = write(c->fd, p, n);
    if (w < 0 && errno != EAGAIN) return -1;
    if (w > 0) p += w, n -= (size_t)w;
    if (n == 0) return 0;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
  }
  keep(c, p, n);
  return 0;
}

static int flush(int ep, struct conn* c) {
  while (c->npending > 0) {
    ssize_t w = write(c->fd, c->pending, c->npending);
    if (w < 0) return errno == EAGAIN ? 0 : -1;
    memmove(c->pending, c->pending + w, c->npending - (size_t)w);
    c->npending -= (size_t)w;
  }
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: pingpong PORT CONNECTIONS BLOCK_BYTES SECONDS [WARMUP_SECONDS]\n");
    return 2;
  }
  const int port = atoi(argv[1]), nconn = atoi(argv[2]);
  const size_t block = (size_t)atol(argv[3]);
  const double seconds = atof(argv[4]), warmup = argc > 5 ? atof(argv[5]) : 0.5;
  struct conn* conns = calloc((size_t)nconn, sizeof *conns);
  char* buf = malloc(65536);
  char* first = malloc(block);
  for (size_t i = 0; i < block; i++) first[i] = (char)(i & 0xff);
  int ep = epoll_create1(0), one = 1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  for (int i = 0; i < nconn; i++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr*)&a, sizeof a) < 0) return perror("connect"), 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) return perror("fcntl"), 1;
    conns[i].fd = fd;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &conns[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  for (int i = 0; i < nconn; i++) {
    if (send_all(ep, &conns[i], first, block) < 0) return perror("write"), 1;
  }
  struct epoll_event evs[1024];
  const double t0 = now();
  double start = 0, end = t0 + warmup + seconds, cpu0 = 0;
  int measuring = 0;
  uint64_t bytes = 0;
  for (;;) {
    const double t = now();
    if (!measuring && t >= t0 + warmup) measuring = 1, start = t, end = t + seconds, bytes = 0, cpu0 = cpu();
    if (t >= end) break;
    int n = epoll_wait(ep, evs, 1024, 50);
    for (int i = 0; i < n; i++) {
      struct conn* c = evs[i].data.ptr;
      if (evs[i].events & EPOLLOUT) {
        if (flush(ep, c) < 0) return fprintf(stderr, "pingpong: write: %s\n", strerror(errno)), 1;
      }
      if (!(evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      ssize_t r = read(c->fd, buf, 65536);
      if (r == 0 || (r < 0 && errno != EAGAIN)) {
        fprintf(stderr, "pingpong: the server closed a connection (%s)\n", r == 0 ? "EOF" : strerror(errno));
        return 1;
      }
      if (r < 0) continue;
      bytes += (uint64_t)r;
      if (send_all(ep, c, buf, (size_t)r) < 0) return fprintf(stderr, "pingpong: write: %s\n", strerror(errno)), 1;
    }
  }
  const double elapsed = now() - start, used = cpu() - cpu0;
  for (int i = 0; i < nconn; i++) close(conns[i].fd);
  printf("{\"bytes\":%llu,\"seconds\":%.4f,\"mibps\":%.2f,\"cpu\":%.3f}\n", (unsigned long long)bytes, elapsed,
         (double)bytes / elapsed / 1048576.0, used / elapsed);
  return 0;
}
