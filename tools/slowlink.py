#!/usr/bin/env python3
"""slowlink — a TCP proxy on 127.0.0.1 that makes a slow, lossy link, and
counts the bytes that cross it.

    tools/slowlink.py --target 127.0.0.1:PORT [--listen PORT]
        [--rate BYTES_PER_S] [--delay SECONDS] [--loss P]
        [--stall MIN MAX] [--seed N] [--log FILE]

With --rate 0 --delay 0 --loss 0 (the defaults) it only passes bytes
through and counts them.  It prints "listening on 127.0.0.1:PORT" on its
first line of output, then serves until killed (SIGTERM/SIGINT).

The link model, per direction (the two directions are independent, as on
a full-duplex line, and shared by all connections, as on one dongle):

- bandwidth: every byte takes 1/rate seconds on the line; a segment (at
  most 1448 bytes, a TCP segment on Ethernet) waits for the line to be
  free, so a burst queues behind itself;
- latency: each segment arrives `delay` seconds after it left the line
  (0.25 s each way makes a 0.5 s round trip);
- loss: a user-space proxy cannot drop packets, since the kernel's TCP
  beneath it would just deliver them.  Instead, with probability `loss`
  a segment is "lost" and stalls for a random time between the two --stall
  bounds (default 0.3-0.6 s, like a retransmission timeout), and the
  segments behind it on that connection wait too (TCP delivers in order:
  head-of-line blocking);
- connection set-up: a new connection's first bytes leave no earlier than
  2 x delay after it was opened (the SYN / SYN-ACK round trip).

What it leaves out: slow start and congestion control (the real link
would be slower on a fresh connection), and the bytes of TCP/IP headers
(about 40 a segment) — counts here are bytes of the TCP payload.

--log FILE: one JSON line a request/response exchange, found by the
direction of the bytes (HTTP/1.1 without pipelining: the client speaks,
the server answers, the client speaks again):
    {"conn": 1, "req": "POST /v1/push HTTP/1.1", "up": 812, "down": 251,
     "t0": 0.012, "t1": 0.530}
up/down: bytes client->server and server->client; t0/t1: seconds since
the proxy started, when the exchange's first byte was read from the
client and when its last byte was delivered to the client.
"""

import argparse
import heapq
import json
import random
import signal
import socket
import sys
import threading
import time

MSS = 1448


class Line:
    """One direction of the link, shared by all connections."""

    def __init__(self, rate, delay, loss, stall, rng):
        self.rate = rate
        self.delay = delay
        self.loss = loss
        self.stall = stall
        self.rng = rng
        self.free_at = 0.0
        self.lock = threading.Lock()

    def schedule(self, nbytes, not_before):
        """When a segment of nbytes read now reaches the far end."""
        now = time.monotonic()
        with self.lock:
            start = max(now, self.free_at, not_before)
            leave = start + (nbytes / self.rate if self.rate > 0 else 0.0)
            self.free_at = leave
            arrive = leave + self.delay
            if self.loss > 0 and self.rng.random() < self.loss:
                arrive += self.rng.uniform(*self.stall)
        return arrive


class Exchanges:
    """Request/response exchanges of one connection, for the log."""

    def __init__(self, conn_id, log, t_start):
        self.conn_id = conn_id
        self.log = log
        self.t_start = t_start
        self.lock = threading.Lock()
        self.cur = None

    def _emit(self):
        if self.cur and self.log:
            self.log(self.cur)
        self.cur = None

    def up(self, data):
        with self.lock:
            if self.cur is None or self.cur["down"] > 0:
                self._emit()
                line = data.split(b"\r\n", 1)[0][:100]
                self.cur = {"conn": self.conn_id,
                            "req": line.decode("ascii", "replace"),
                            "up": 0, "down": 0,
                            "t0": round(time.monotonic() - self.t_start, 4),
                            "t1": None}
            self.cur["up"] += len(data)

    def down(self, nbytes, delivered_at):
        with self.lock:
            if self.cur is None:  # the server spoke first
                self.cur = {"conn": self.conn_id, "req": "", "up": 0,
                            "down": 0, "t0": None, "t1": None}
            self.cur["down"] += nbytes
            self.cur["t1"] = round(delivered_at - self.t_start, 4)

    def close(self):
        with self.lock:
            self._emit()


class Pipe:
    """Bytes from src to dst through a Line, in order, on time."""

    def __init__(self, src, dst, line, not_before, on_read, on_sent):
        self.src, self.dst, self.line = src, dst, line
        self.not_before = not_before
        self.on_read, self.on_sent = on_read, on_sent
        self.queue = []  # (arrive, seq, data); data None: end of stream
        self.seq = 0
        self.last_arrive = 0.0
        self.cv = threading.Condition()

    def reader(self):
        try:
            while True:
                data = self.src.recv(65536)
                if not data:
                    break
                if self.on_read:
                    self.on_read(data)
                for i in range(0, len(data), MSS):
                    seg = data[i:i + MSS]
                    arrive = self.line.schedule(len(seg), self.not_before)
                    self._put(arrive, seg)
        except OSError:
            pass
        self._put(self.last_arrive, None)

    def _put(self, arrive, data):
        with self.cv:
            arrive = max(arrive, self.last_arrive)  # in order
            self.last_arrive = arrive
            self.seq += 1
            heapq.heappush(self.queue, (arrive, self.seq, data))
            self.cv.notify()

    def writer(self):
        try:
            while True:
                with self.cv:
                    while not self.queue:
                        self.cv.wait()
                    arrive, _, data = self.queue[0]
                    wait = arrive - time.monotonic()
                    if wait > 0:
                        self.cv.wait(wait)
                        continue
                    heapq.heappop(self.queue)
                if data is None:
                    break
                self.dst.sendall(data)
                if self.on_sent:
                    self.on_sent(len(data), time.monotonic())
        except OSError:
            pass
        try:
            self.dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(args):
    rng = random.Random(args.seed)
    up_line = Line(args.rate, args.delay, args.loss, args.stall, rng)
    down_line = Line(args.rate, args.delay, args.loss, args.stall, rng)
    t_start = time.monotonic()
    log_lock = threading.Lock()
    log_file = open(args.log, "a", encoding="utf-8") if args.log else None

    def log(rec):
        if log_file:
            with log_lock:
                log_file.write(json.dumps(rec) + "\n")
                log_file.flush()

    host, port = args.target.rsplit(":", 1)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.listen))
    ls.listen(64)
    print("listening on 127.0.0.1:%d" % ls.getsockname()[1], flush=True)

    conn_id = 0
    while True:
        client, _ = ls.accept()
        conn_id += 1
        try:
            server = socket.create_connection((host, int(port)))
        except OSError:
            client.close()
            continue
        for s in (client, server):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        ex = Exchanges(conn_id, log, t_start)
        ready = time.monotonic() + 2 * args.delay
        up = Pipe(client, server, up_line, ready, ex.up, None)
        down = Pipe(server, client, down_line, 0.0, None, ex.down)
        threads = [threading.Thread(target=f, daemon=True)
                   for f in (up.reader, up.writer, down.reader, down.writer)]
        for t in threads:
            t.start()

        def closer(threads=threads, ex=ex, client=client, server=server):
            for t in threads:
                t.join()
            ex.close()
            client.close()
            server.close()

        threading.Thread(target=closer, daemon=True).start()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--target", required=True, help="HOST:PORT to forward to")
    p.add_argument("--listen", type=int, default=0,
                   help="port on 127.0.0.1 (0: any free one)")
    p.add_argument("--rate", type=float, default=0,
                   help="bytes a second each way (0: unlimited)")
    p.add_argument("--delay", type=float, default=0,
                   help="one-way latency, seconds")
    p.add_argument("--loss", type=float, default=0,
                   help="probability that a segment is lost (stalls)")
    p.add_argument("--stall", type=float, nargs=2, default=(0.3, 0.6),
                   metavar=("MIN", "MAX"),
                   help="seconds a lost segment is late (0.3 0.6)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--log", help="JSON lines, one an exchange")
    args = p.parse_args()
    if not args.target.startswith("127.0.0.1:"):
        p.error("--target must be on 127.0.0.1")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        serve(args)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
