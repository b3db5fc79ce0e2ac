// The ceiling reference: the thinnest single-threaded epoll echo loop.
// Level-triggered, one read per event, write back what was read. Usage: epoll_echo PORT
// (prints the bound port; 0 picks one). No abstractions, on purpose.
#define _GNU_SOURCE
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <errno.h>
#include <poll.h>

int main(int argc, char** argv) {
  int one = 1, lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), ep = epoll_create1(0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(argc > 1 ? atoi(argv[1]) : 0),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof a;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(lfd, (struct sockaddr*)&a, sizeof a) || listen(lfd, 4096)) return perror("listen"), 1;
  getsockname(lfd, (struct sockaddr*)&a, &alen);
  printf("READY %d\n", ntohs(a.sin_port)), fflush(stdout);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd}, evs[256];
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  static char buf[65536];
  for (;;) {
    int n = epoll_wait(ep, evs, 256, -1);
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd, c;
      if (fd == lfd) {
        while ((c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          ev.data.fd = c, epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
        }
        continue;
      }
      ssize_t r = read(fd, buf, sizeof buf), w = 0;
      if (r <= 0) { close(fd); continue; }  // EOF or error (an EAGAIN here cannot happen in LT)
      // A full socket is rare (pingpong keeps one block in flight): wait for room.
      while (w < r) {
        ssize_t k = write(fd, buf + w, (size_t)(r - w));
        if (k > 0) w += k;
        else if (errno != EAGAIN) break;
        else poll(&(struct pollfd){.fd = fd, .events = POLLOUT}, 1, -1);
      }
    }
  }
}
