#!/usr/bin/env python3
"""faults — the fault-injecting proxy and the black-box fault campaign.

    tools/faults.py proxy --target HOST:PORT --plan FILE [--listen PORT]
    tools/faults.py campaign [--seeds N | --seed S ...] [--first S]
                    [--rounds R] [--workdir DIR] [--self-test]

proxy: a TCP proxy on 127.0.0.1 that forwards to the county and, on a
connection, breaks one request/response exchange as the plan says.  It
prints "listening on 127.0.0.1:PORT" first.  The plan is a JSON object,
read from FILE (again) when a connection is accepted, so a driver changes
it between syncs without restarting the proxy:

    {"req": K,          the K-th exchange of the connection (1: hello)
     "down": N,         cut the answer after N bytes (then close both ways)
     "up": N,           cut the request after N bytes (then close)
     "hold": S,         before the answer's first byte, wait S seconds
     "once": true}      only the first connection that reaches exchange K

An exchange is found by the direction of the bytes (HTTP/1.1 without
pipelining): the client speaks, the server answers, the client speaks
again.  An empty or missing plan passes everything through.

campaign: see run_campaign() below and docs/faults.md.
"""

import argparse
import json
import os
import signal
import socket
import sys
import threading


# ---- the proxy -------------------------------------------------------------

class Conn:
    def __init__(self, client, server, plan, shared):
        self.c, self.s = client, server
        self.plan = plan
        self.shared = shared
        self.lock = threading.Lock()
        self.exch = 0          # exchanges begun
        self.phase = None      # 'up' or 'down'
        self.up = self.down = 0  # bytes of the current exchange
        self.closed = False

    def close(self):
        with self.lock:
            if self.closed:
                return
            self.closed = True
        for sock in (self.c, self.s):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass

    def armed(self):
        p = self.plan
        if not p or p.get("req") != self.exch:
            return False
        if p.get("once"):
            with self.shared["lock"]:
                if self.shared["fired"] and self.shared["fired"] is not self:
                    return False
                self.shared["fired"] = self
        return True

    def pump_up(self):
        try:
            while True:
                data = self.c.recv(65536)
                if not data:
                    self.s.shutdown(socket.SHUT_WR)
                    return
                with self.lock:
                    if self.phase != "up":
                        self.exch += 1
                        self.phase = "up"
                        self.up = self.down = 0
                cut = self.plan.get("up") if self.armed() else None
                if cut is not None and self.up + len(data) > cut:
                    self.s.sendall(data[:max(0, cut - self.up)])
                    log(self, "cut up after %d bytes" % cut)
                    self.close()
                    return
                self.up += len(data)
                self.s.sendall(data)
        except OSError:
            self.close()

    def pump_down(self):
        try:
            while True:
                data = self.s.recv(65536)
                if not data:
                    self.c.shutdown(socket.SHUT_WR)
                    return
                first = False
                with self.lock:
                    if self.phase != "down":
                        self.phase = "down"
                        first = True
                armed = self.armed()
                if first and armed and self.plan.get("hold"):
                    threading.Event().wait(float(self.plan["hold"]))
                cut = self.plan.get("down") if armed else None
                if cut is not None and self.down + len(data) > cut:
                    self.c.sendall(data[:max(0, cut - self.down)])
                    log(self, "cut down after %d bytes" % cut)
                    self.close()
                    return
                self.down += len(data)
                self.c.sendall(data)
        except OSError:
            self.close()


LOGF = None


def log(conn, msg):
    if LOGF:
        LOGF.write("exchange %d: %s\n" % (conn.exch, msg))
        LOGF.flush()


def read_plan(path):
    try:
        with open(path) as f:
            text = f.read().strip()
        return json.loads(text) if text else {}
    except (OSError, ValueError):
        return {}


def serve_proxy(args):
    global LOGF
    host, port = args.target.rsplit(":", 1)
    target = (host, int(port))
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", args.listen))
    ls.listen(64)
    if args.log:
        LOGF = open(args.log, "a")
    print("listening on 127.0.0.1:%d" % ls.getsockname()[1], flush=True)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    shared = {"lock": threading.Lock(), "fired": None, "plan_id": None}
    while True:
        c, _ = ls.accept()
        plan = read_plan(args.plan) if args.plan else {}
        with shared["lock"]:
            # a new plan (by content) may fire once again
            key = json.dumps(plan, sort_keys=True)
            if key != shared["plan_id"]:
                shared["plan_id"] = key
                shared["fired"] = None
        try:
            s = socket.create_connection(target)
        except OSError:
            c.close()
            continue
        conn = Conn(c, s, plan, shared)
        threading.Thread(target=conn.pump_up, daemon=True).start()
        threading.Thread(target=conn.pump_down, daemon=True).start()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    px = sub.add_parser("proxy")
    px.add_argument("--target", required=True)
    px.add_argument("--listen", type=int, default=0)
    px.add_argument("--plan")
    px.add_argument("--log")
    args = p.parse_args()
    if args.cmd == "proxy":
        serve_proxy(args)


if __name__ == "__main__":
    main()
