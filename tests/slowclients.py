#!/usr/bin/env python3
"""slowclients.py — hostile clients for tests/e2e-slow-clients.sh.

usage:
  slowclients.py trickle PORT N ADDRS EVERY_S STOP_FILE MAX_S
      N connections spread over 127.0.0.2 .. 127.0.0.(ADDRS+1), each
      sending a request line and then one header line every EVERY_S
      seconds, never finishing; a connection the server closes is opened
      again (after 0.1 s).  Runs until STOP_FILE exists or MAX_S passed,
      then prints "opened=N cut=M" (cut: closed by the server).
  hold PORT TOKEN N
      N connections with one token, each sending the headers of a push
      and half its body, all held open; then prints the status of those
      the server answered at once (429), "-" for the others.
  half PORT TOKEN
      sends half a push (headers and part of the body) and keeps the
      connection open; prints "sent" and sleeps until killed.
"""
import os
import selectors
import socket
import sys
import time


def trickle(port, n, addrs, every, stop_file, max_s):
    sel = selectors.DefaultSelector()
    opened = cut = 0
    due = {}  # socket -> next send time
    pending = []  # times at which to open a connection again

    def open_one(i):
        nonlocal opened
        src = "127.0.0.%d" % (2 + i % addrs)
        s = socket.socket()
        s.setblocking(False)
        try:
            s.bind((src, 0))
            s.connect_ex(("127.0.0.1", port))
        except OSError:
            s.close()
            pending.append(time.time() + 0.5)
            return
        sel.register(s, selectors.EVENT_READ, i)
        due[s] = time.time() + 0.05
        opened += 1

    for i in range(n):
        open_one(i)
    t_end = time.time() + max_s
    started = {}
    while time.time() < t_end and not os.path.exists(stop_file):
        now = time.time()
        for s, t in list(due.items()):
            if t > now:
                continue
            try:
                if s not in started:
                    s.send(b"GET /v1/pull HTTP/1.1\r\nHost: x\r\n")
                    started[s] = 1
                else:
                    s.send(b"X-Slow: a\r\n")
                due[s] = now + every
            except OSError:
                due[s] = now + every  # the read side will see the close
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if not data:
                sel.unregister(s)
                s.close()
                due.pop(s, None)
                started.pop(s, None)
                cut += 1
                pending.append(now + 0.1)
        again = [t for t in pending if t <= now]
        pending[:] = [t for t in pending if t > now]
        for k, _ in enumerate(again):
            open_one(opened + k)
    for s in list(due):
        s.close()
    print("opened=%d cut=%d" % (opened, cut))


def hold(port, token, n):
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /v1/push HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: Bearer " + token.encode() +
                  b"\r\nContent-Encoding: deflate\r\n"
                  b"Content-Length: 1000\r\n\r\n" + b"x" * 10)
        socks.append(s)
        time.sleep(0.1)
    time.sleep(0.5)
    out = []
    for s in socks:
        s.setblocking(False)
        try:
            data = s.recv(4096)
            out.append(data[9:12].decode() if data else "000")
        except BlockingIOError:
            out.append("-")
        except OSError:
            out.append("000")
    print(" ".join(out))
    for s in socks:
        s.close()


def half(port, token):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /v1/push HTTP/1.1\r\nHost: x\r\n"
              b"Authorization: Bearer " + token.encode() +
              b"\r\nContent-Encoding: deflate\r\n"
              b"Content-Length: 1000\r\n\r\n" + b"x" * 400)
    print("sent", flush=True)
    time.sleep(120)


def main():
    mode = sys.argv[1]
    if mode == "trickle":
        trickle(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]),
                float(sys.argv[5]), sys.argv[6], float(sys.argv[7]))
    elif mode == "hold":
        hold(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    elif mode == "half":
        half(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
