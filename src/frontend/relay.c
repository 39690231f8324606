#include "migrate/relay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "migrate/cleanup.h"
#include "migrate/output.h"
#include "migrate/utf8.h"

#define RELAY_CHUNK 16384
#define RELAY_CARRY 4 /* longest tail kept back: "ESC [" or a partial UTF-8 character */

static size_t escape_byte(unsigned char c, char *out) {
        snprintf(out, 5, "\\x%02x", c);
        return 4;
}

/* Could in[0..len) grow into a valid UTF-8 character? */
static bool utf8_incomplete(const unsigned char *in, size_t len) {
        size_t need = in[0] >= 0xc2 && in[0] <= 0xdf ? 2 : in[0] >= 0xe0 && in[0] <= 0xef ? 3 : in[0] >= 0xf0 && in[0] <= 0xf4 ? 4 : 0;
        if (need == 0 || len >= need)
                return false;
        for (size_t i = 1; i < len; i++)
                if ((in[i] & 0xc0) != 0x80)
                        return false;
        return true;
}

size_t relay_filter(const char *in, size_t len, bool final, char *out, size_t *ret_out_len) {
        static const char erase_line[] = "\033[K";
        const unsigned char *u = (const unsigned char *) in;
        size_t i = 0, o = 0;

        while (i < len) {
                unsigned char c = u[i];
                size_t left = len - i;
                if (c == 0x1b) {
                        if (left >= 3 && memcmp(in + i, erase_line, 3) == 0) {
                                memcpy(out + o, erase_line, 3);
                                o += 3, i += 3;
                                continue;
                        }
                        if (!final && left < 3 && memcmp(in + i, erase_line, left) == 0)
                                break;
                        o += escape_byte(c, out + o), i++;
                } else if (c == '\n' || c == '\t' || c == '\r' || (c >= 0x20 && c < 0x7f)) {
                        out[o++] = (char) c, i++;
                } else if (c < 0x80) {
                        o += escape_byte(c, out + o), i++;
                } else {
                        size_t n = utf8_sequence_length(in + i, left);
                        if (n == 2 && c == 0xc2 && u[i + 1] < 0xa0) { /* a C1 control */
                                o += escape_byte(u[i], out + o);
                                o += escape_byte(u[i + 1], out + o);
                                i += 2;
                        } else if (n > 0) {
                                memcpy(out + o, in + i, n);
                                o += n, i += n;
                        } else if (!final && utf8_incomplete(u + i, left)) {
                                break;
                        } else
                                o += escape_byte(c, out + o), i++;
                }
        }
        *ret_out_len = o;
        return i;
}

struct stream {
        int from, to;
        bool broken; /* writing to "to" failed: discard the rest */
        char pending[RELAY_CARRY + RELAY_CHUNK];
        size_t n_pending;
};

static void write_all(struct stream *s, const char *p, size_t n) {
        while (n > 0 && !s->broken) {
                ssize_t w = write(s->to, p, n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0 && errno == EAGAIN) {
                        struct pollfd pfd = { .fd = s->to, .events = POLLOUT };
                        poll(&pfd, 1, -1);
                        continue;
                }
                if (w <= 0) {
                        output_failed(s->to, w < 0 ? errno : EIO);
                        s->broken = true;
                        return;
                }
                p += w, n -= (size_t) w;
        }
}

static void forward(struct stream *s, bool final) {
        static char out[4 * (RELAY_CARRY + RELAY_CHUNK)];
        size_t out_len, used = relay_filter(s->pending, s->n_pending, final, out, &out_len);
        write_all(s, out, out_len);
        memmove(s->pending, s->pending + used, s->n_pending - used);
        s->n_pending -= used;
}

/* Read what is there; returns false at end of file (or a read error). */
static bool pump(struct stream *s) {
        for (;;) {
                ssize_t n = read(s->from, s->pending + s->n_pending, RELAY_CHUNK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return true;
                if (n <= 0) {
                        forward(s, true);
                        return false;
                }
                s->n_pending += (size_t) n;
                forward(s, false);
        }
}

static void close_stream(struct stream *s) {
        if (s->from >= 0)
                close(s->from);
        s->from = -1;
}

static struct stream streams[2];

static int relay_loop(pid_t worker) {
        /* A worker that left a child holding the pipes must not keep us here:
         * its exit, seen through a pidfd, ends the relay once the pipes are drained. */
        _cleanup_close_ int pidfd = (int) syscall(SYS_pidfd_open, worker, 0);

        for (int i = 0; i < 2; i++)
                if (fcntl(streams[i].from, F_SETFL, fcntl(streams[i].from, F_GETFL) | O_NONBLOCK) < 0)
                        return -errno;
        for (;;) {
                struct pollfd pfd[3];
                nfds_t n = 0;
                for (int i = 0; i < 2; i++)
                        if (streams[i].from >= 0)
                                pfd[n++] = (struct pollfd) { .fd = streams[i].from, .events = POLLIN };
                if (n == 0)
                        return 0;
                if (pidfd >= 0)
                        pfd[n++] = (struct pollfd) { .fd = pidfd, .events = POLLIN };
                if (poll(pfd, n, -1) < 0) {
                        if (errno == EINTR)
                                continue; /* a signal relayed to the worker */
                        return -errno;
                }
                bool exited = pidfd >= 0 && (pfd[n - 1].revents & (POLLIN | POLLHUP)) != 0;
                for (int i = 0; i < 2; i++)
                        if (streams[i].from >= 0 && !pump(&streams[i]))
                                close_stream(&streams[i]);
                if (exited) {
                        for (int i = 0; i < 2; i++)
                                if (streams[i].from >= 0) {
                                        forward(&streams[i], true);
                                        close_stream(&streams[i]);
                                }
                        return 0;
                }
        }
}

int relay_run(pid_t worker, int out_fd, int err_fd) {
        streams[0] = (struct stream) { .from = out_fd, .to = STDOUT_FILENO };
        streams[1] = (struct stream) { .from = err_fd, .to = STDERR_FILENO };
        int r = relay_loop(worker);
        /* Whatever happened, the read ends are closed: a worker whose output
         * nobody reads gets EPIPE, it is never blocked on a full pipe. */
        close_stream(&streams[0]);
        close_stream(&streams[1]);
        return r;
}
