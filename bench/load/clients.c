// The benchmark's other load generators, one epoll-based C process each:
//
//   clients latency PORT N MSG_BYTES SECONDS WARMUP [SLOW_READ_BYTES SLOW_TICK_MS]
//       N connections each send MSG_BYTES, wait for all of it to come back
//       (echo), and go again; the round-trip times of the window are
//       reported as p50/p99/p999/max (microseconds). With the slow-reader
//       arguments, one more connection sends the request byte 'G' when the
//       window opens (the server answers with a large response) and then
//       reads SLOW_READ_BYTES every SLOW_TICK_MS, in the same loop; it
//       reports what it got in all and in the window's second half (a
//       response that stopped coming shows as 0 there).
//   clients sink PORT
//       one connection reads until end of file; bytes and seconds.
//   clients idle PORT COUNT
//       opens COUNT connections, prints "READY COUNT", holds them until
//       stdin closes.
//   clients flood PORT COUNT BYTES
//       the clients that send and never read: opens COUNT connections
//       (raising RLIMIT_NOFILE if it must), each sends BYTES (nonblocking,
//       edge-triggered EPOLLOUT) and never reads. Prints "READY COUNT
//       SENT_BYTES COMPLETE RESET" once every connection has sent all BYTES
//       (COMPLETE of them), been reset by the server (RESET), or been
//       blocked (EAGAIN) with no progress for 1 s; then goes on sending
//       where the server lets it (still never reading) until stdin closes,
//       closes them all (unread input: the kernel resets them) and prints
//       its JSON line.
//
// Each prints one JSON line on success (flood: after its READY line).
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

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dial(int port, int nonblock) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return perror("socket"), -1;
  for (int tries = 0; connect(fd, (struct sockaddr*)&a, sizeof a) < 0; tries++) {
    if (errno != EINTR || tries > 100) return perror("connect"), close(fd), -1;
  }
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (nonblock) fcntl(fd, F_SETFL, O_NONBLOCK);
  return fd;
}

static int cmp_double(const void* x, const void* y) {
  double a = *(const double*)x, b = *(const double*)y;
  return a < b ? -1 : a > b;
}

static double pct(const double* sorted, size_t n, double p) {
  if (n == 0) return 0;
  size_t i = (size_t)(p * (double)(n - 1) + 0.5);
  return sorted[i];
}

struct rt {
  int fd;
  size_t got;    // bytes of the current echo received
  double sent;  // when the current message went out
};

static int latency(int argc, char** argv) {
  if (argc < 7) return fprintf(stderr, "usage: clients latency PORT N MSG_BYTES SECONDS WARMUP [SLOW_READ_BYTES SLOW_TICK_MS]\n"), 2;
  const int port = atoi(argv[2]), n = atoi(argv[3]);
  const size_t msg = (size_t)atol(argv[4]);
  const double seconds = atof(argv[5]), warmup = atof(argv[6]);
  const size_t slow_bytes = argc > 8 ? (size_t)atol(argv[7]) : 0;
  const double slow_tick = argc > 8 ? atof(argv[8]) / 1000.0 : 0;
  char* out = malloc(msg);
  memset(out, 'e', msg);
  char* in = malloc(65536);
  size_t cap = 1 << 20, count = 0;
  double* samples = malloc(cap * sizeof *samples);
  struct rt* c = calloc((size_t)n, sizeof *c);
  int ep = epoll_create1(0);
  for (int i = 0; i < n; i++) {
    if ((c[i].fd = dial(port, 1)) < 0) return 1;
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)i};
    epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev);
  }
  int slow = slow_bytes > 0 ? dial(port, 1) : -1;
  if (slow_bytes > 0 && slow < 0) return 1;
  char* slow_buf = slow_bytes > 0 ? malloc(slow_bytes) : NULL;
  uint64_t slow_got = 0, slow_late = 0;
  const double t0 = now();
  for (int i = 0; i < n; i++) {
    c[i].sent = t0;
    if (write(c[i].fd, out, msg) != (ssize_t)msg) return perror("write"), 1;
  }
  double start = t0 + warmup, end = start + seconds, next_tick = 0;
  int slow_started = 0;
  struct epoll_event evs[256];
  for (;;) {
    double t = now();
    if (t >= end) break;
    if (slow >= 0 && t >= start) {
      if (!slow_started) {
        slow_started = 1;
        if (write(slow, "G", 1) != 1) return perror("write (slow reader)"), 1;
        next_tick = t + slow_tick;
      } else if (t >= next_tick) {
        ssize_t r = read(slow, slow_buf, slow_bytes);
        if (r > 0) {
          slow_got += (uint64_t)r;
          if (t >= start + seconds / 2) slow_late += (uint64_t)r;
        }
        next_tick += slow_tick;
        if (next_tick < t) next_tick = t + slow_tick;
      }
    }
    int timeout = 100;
    if (slow >= 0) {
      double until = slow_started ? next_tick : start;
      int ms = (int)((until - t) * 1000.0);
      timeout = ms < 0 ? 0 : ms < timeout ? ms : timeout;
    }
    int k = epoll_wait(ep, evs, 256, timeout);
    for (int j = 0; j < k; j++) {
      struct rt* x = &c[evs[j].data.u64];
      ssize_t r = read(x->fd, in, 65536);
      if (r == 0 || (r < 0 && errno != EAGAIN)) {
        fprintf(stderr, "latency: the server closed a connection (%s)\n", r == 0 ? "EOF" : strerror(errno));
        return 1;
      }
      if (r < 0) continue;
      x->got += (size_t)r;
      if (x->got < msg) continue;
      const double done = now();
      if (x->sent >= start && done < end) {
        if (count == cap) samples = realloc(samples, (cap *= 2) * sizeof *samples);
        samples[count++] = (done - x->sent) * 1e6;
      }
      x->got -= msg;
      x->sent = done;
      if (write(x->fd, out, msg) != (ssize_t)msg) return perror("write"), 1;
    }
  }
  qsort(samples, count, sizeof *samples, cmp_double);
  printf("{\"count\":%zu,\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f,\"slowBytes\":%llu,\"slowLateBytes\":%llu}\n",
         count, pct(samples, count, 0.5), pct(samples, count, 0.99), pct(samples, count, 0.999),
         count ? samples[count - 1] : 0.0, (unsigned long long)slow_got, (unsigned long long)slow_late);
  return 0;
}

static int sink(int argc, char** argv) {
  if (argc < 3) return fprintf(stderr, "usage: clients sink PORT\n"), 2;
  const size_t size = 256 << 10;
  char* buf = malloc(size);
  const double t0 = now();
  int fd = dial(atoi(argv[2]), 0);
  if (fd < 0) return 1;
  uint64_t bytes = 0;
  int bad = 0;
  for (;;) {
    ssize_t r = read(fd, buf, size);
    if (r == 0) break;
    if (r < 0) {
      if (errno == EINTR) continue;
      return perror("read"), 1;
    }
    // Spot-check the pattern (byte i is i & 0xff) once per read.
    if ((unsigned char)buf[0] != (unsigned char)(bytes & 0xff)) bad = 1;
    bytes += (uint64_t)r;
  }
  printf("{\"bytes\":%llu,\"seconds\":%.4f,\"patternOk\":%s}\n", (unsigned long long)bytes, now() - t0, bad ? "false" : "true");
  return 0;
}

static int idle(int argc, char** argv) {
  if (argc < 4) return fprintf(stderr, "usage: clients idle PORT COUNT\n"), 2;
  const int port = atoi(argv[2]), n = atoi(argv[3]);
  for (int i = 0; i < n; i++) {
    if (dial(port, 0) < 0) return 1;
  }
  printf("READY %d\n", n);
  fflush(stdout);
  char b[64];
  while (read(0, b, sizeof b) > 0) {
  }
  return 0;
}

struct flooder {
  int fd;
  int state;          // 0 sending, 1 sent all, 2 reset/failed (closed)
  uint64_t sent;
  double progress;    // when a write last took bytes (or the connection opened)
  int blocked;        // the last write found EAGAIN
};

/** At least `need` fds: the soft limit up to the hard one, and past it as root. */
static int raise_nofile(rlim_t need) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) < 0) return perror("getrlimit"), -1;
  if (rl.rlim_cur >= need) return 0;
  rl.rlim_cur = need;
  if (rl.rlim_max < need) rl.rlim_max = need;
  if (setrlimit(RLIMIT_NOFILE, &rl) < 0) return perror("setrlimit(RLIMIT_NOFILE)"), -1;
  return 0;
}

/** Writes until BYTES are out, EAGAIN, or an error; returns bytes written now. */
static uint64_t flood_push(struct flooder* f, const char* chunk, size_t chunk_len, uint64_t bytes, double t) {
  uint64_t wrote = 0;
  while (f->state == 0) {
    uint64_t left = bytes - f->sent;
    if (left == 0) {
      f->state = 1;
      break;
    }
    size_t n = left < chunk_len ? (size_t)left : chunk_len;
    ssize_t r = send(f->fd, chunk, n, MSG_NOSIGNAL);
    if (r > 0) {
      f->sent += (uint64_t)r;
      wrote += (uint64_t)r;
      f->progress = t;
      f->blocked = 0;
    } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      f->blocked = 1;
      break;
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else {
      // ECONNRESET/EPIPE: the server reset it (its memory budget's last resort).
      f->state = 2;
      close(f->fd);
      f->fd = -1;
    }
  }
  return wrote;
}

static int flood(int argc, char** argv) {
  if (argc < 5) return fprintf(stderr, "usage: clients flood PORT COUNT BYTES\n"), 2;
  const int port = atoi(argv[2]), n = atoi(argv[3]);
  const uint64_t bytes = (uint64_t)strtoull(argv[4], NULL, 10);
  if (n <= 0) return fprintf(stderr, "flood: COUNT must be positive\n"), 2;
  if (raise_nofile((rlim_t)n + 64) < 0) return 1;
  const size_t chunk_len = 256 << 10;
  char* chunk = malloc(chunk_len);
  memset(chunk, 'f', chunk_len);
  struct flooder* f = calloc((size_t)n, sizeof *f);
  int ep = epoll_create1(0);
  const double t0 = now();
  for (int i = 0; i < n; i++) {
    if ((f[i].fd = dial(port, 1)) < 0) return 1;
    f[i].progress = now();
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLET, .data.u64 = (uint64_t)i};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, f[i].fd, &ev) < 0) return perror("epoll_ctl"), 1;
  }
  struct epoll_event in_ev = {.events = EPOLLIN, .data.u64 = UINT64_MAX};
  int watch_stdin = 0;
  uint64_t total = 0;
  int ready = 0;
  double ready_at = 0;
  struct epoll_event evs[256];
  for (;;) {
    int k = epoll_wait(ep, evs, 256, 100);
    if (k < 0 && errno != EINTR) return perror("epoll_wait"), 1;
    const double t = now();
    for (int j = 0; j < k; j++) {
      if (evs[j].data.u64 == UINT64_MAX) {
        char b[64];
        ssize_t r = read(0, b, sizeof b);
        if (r <= 0) goto done;
        continue;
      }
      struct flooder* x = &f[evs[j].data.u64];
      if (x->state == 0) total += flood_push(x, chunk, chunk_len, bytes, t);
    }
    if (!ready) {
      int complete = 0, reset = 0, pending = 0;
      for (int i = 0; i < n; i++) {
        if (f[i].state == 1) complete++;
        else if (f[i].state == 2) reset++;
        else if (!f[i].blocked || t - f[i].progress < 1.0) pending++;
      }
      if (pending == 0) {
        ready = 1;
        ready_at = t;
        printf("READY %d %llu %d %d\n", n, (unsigned long long)total, complete, reset);
        fflush(stdout);
        // Only now: the harness's commands wait for READY.
        if (epoll_ctl(ep, EPOLL_CTL_ADD, 0, &in_ev) == 0) watch_stdin = 1;
        else if (errno == EPERM) watch_stdin = 0;  // stdin a regular file: nothing to wait for
        else return perror("epoll_ctl(stdin)"), 1;
        if (!watch_stdin) goto done;
      }
    }
  }
done:;
  int complete = 0, reset = 0;
  for (int i = 0; i < n; i++) {
    if (f[i].state == 1) complete++;
    if (f[i].state == 2) reset++;
    if (f[i].fd >= 0) close(f[i].fd);
  }
  printf("{\"connections\":%d,\"sentBytes\":%llu,\"complete\":%d,\"reset\":%d,\"readySeconds\":%.3f,\"seconds\":%.3f}\n", n,
         (unsigned long long)total, complete, reset, ready ? ready_at - t0 : -1.0, now() - t0);
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "latency") == 0) return latency(argc, argv);
  if (argc > 1 && strcmp(argv[1], "sink") == 0) return sink(argc, argv);
  if (argc > 1 && strcmp(argv[1], "idle") == 0) return idle(argc, argv);
  if (argc > 1 && strcmp(argv[1], "flood") == 0) return flood(argc, argv);
  fprintf(stderr, "usage: clients latency|sink|idle|flood ...\n");
  return 2;
}
