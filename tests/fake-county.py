#!/usr/bin/env python3
"""fake-county.py — a tiny stand-in for the county server, for the agent's
sync tests (tests/e2e-sync-errors.sh).  It speaks just enough of protocol
v1 (docs/protocol.md) to answer one way per MODE.

usage: fake-county.py MODE PORT_FILE LOG_FILE [LIFETIME_S [CERT KEY]]

Binds 127.0.0.1 on a free port (from the kernel), writes the port to
PORT_FILE once it listens, logs one JSON line per request to LOG_FILE
(method, path, Authorization, Content-Encoding, User-Agent, changes in a
push), and exits by itself after LIFETIME_S seconds (default 30).  With
CERT and KEY (PEM files) it speaks HTTPS.

MODE:
  ok          hello, push (acks "to" of the batch), empty pull
  unauthorized  every request: 401
  forbidden   push: 403
  version     hello: 409 version_mismatch
  site        hello: 409 site_mismatch
  busy        every request: 503 with Retry-After
  internal    every request: 500
  bad         push: 400
  notfound    every request: 404 (not a swsync server)
  wrongpath   every request: 415 (a web server at a wrong path)
  proto2      hello 200 with protocol 2
  html        hello 200 with an HTML page
  small       push: 413 when a batch has more than 2 changes
  toolarge    push: always 413
  noack       push: 200 but acked below the batch (a broken server)
  hang        accept, read the request, never answer
  cut         push: close the connection without an answer
  huge        pull: a 6 MiB answer (over the agent's bound)
  future      hello: the county's clock 3 years behind (station ahead)
  pages       pull: two pages, one new case each (more=true, then false)
  ahead       pull: one new case whose version is 3 years ahead of the
              county's clock (a wrong or malicious county)
  links       pull: one new case, a "links" section (issue 15: it is also
              served at station B) and a member no agent knows; an agent
              of the previous release must ignore both
"""
import json
import os
import socket
import sys
import threading
import time
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODE = sys.argv[1]
PORT_FILE = sys.argv[2]
LOG_FILE = sys.argv[3]
LIFETIME = float(sys.argv[4]) if len(sys.argv) > 4 else 30.0
CERT = sys.argv[5:7] if len(sys.argv) > 6 else None

STATE = {"station": "A01"}
LOCK = threading.Lock()
IDS = [str(uuid.uuid4()), str(uuid.uuid4())]


def log(entry):
    with LOCK:
        with open(LOG_FILE, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


def now_ms():
    return int(time.time() * 1000)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def send(self, status, obj=None, raw=None, deflate=False, headers=None):
        if raw is None:
            raw = json.dumps(obj).encode() if obj is not None else b""
        if deflate:
            raw = zlib.compress(raw)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if deflate:
            self.send_header("Content-Encoding", "deflate")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def error(self, status, code, message, headers=None):
        self.send(status, {"error": code, "message": message},
                  headers=headers)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def entry(self, extra=None):
        e = {
            "method": self.command,
            "path": self.path,
            "auth": self.headers.get("Authorization"),
            "ce": self.headers.get("Content-Encoding"),
            "ae": self.headers.get("Accept-Encoding"),
            "ua": self.headers.get("User-Agent"),
        }
        e.update(extra or {})
        log(e)

    def common_errors(self):
        if MODE == "unauthorized":
            self.error(401, "unauthorized", "token revoked")
        elif MODE == "busy":
            self.error(503, "busy", "too many stations at once",
                       {"Retry-After": "30"})
        elif MODE == "internal":
            self.error(500, "internal", "database is sad")
        elif MODE == "notfound":
            self.error(404, "not_found", "no such route")
        elif MODE == "wrongpath":
            self.error(415, "unsupported_media_type", "not here")
        else:
            return False
        return True

    def do_POST(self):
        data = self.body()
        if self.path == "/v1/hello":
            req = json.loads(data)
            STATE["station"] = req.get("station", "A01")
            self.entry({"hello": req})
            if self.common_errors():
                return
            if MODE == "version":
                return self.error(409, "version_mismatch",
                                  "this county speaks protocol 2")
            if MODE == "site":
                return self.error(409, "site_mismatch",
                                  "token bound to A01-other")
            if MODE == "hang":
                time.sleep(LIFETIME)
                return
            if MODE == "html":
                return self.send(200, raw=b"<html>login</html>")
            server_ms = now_ms()
            if MODE == "future":
                server_ms -= 3 * 365 * 86400 * 1000
            return self.send(200, {
                "v": 1, "protocol": 2 if MODE == "proto2" else 1,
                # the exchange's schema is the station's (a county
                # serves its own and the one before: docs/protocol.md)
                "schema": req.get("schema", 2), "county": "C01",
                "server_time_ms": server_ms, "acked": 0,
                "max_drift_ms": 600000,
                "limits": {"max_body": 4194304, "max_inflated": 33554432,
                           "max_changes": 50000, "push_changes": 500,
                           "pull_limit": 2000}})
        if self.path == "/v1/push":
            batch = json.loads(zlib.decompress(data))
            n = sum(len(r["f"]) for r in batch["rows"])
            self.entry({"changes": n, "from": batch["from"],
                        "to": batch["to"]})
            if self.common_errors():
                return
            if MODE == "forbidden":
                return self.error(403, "forbidden", "not your station")
            if MODE == "bad":
                return self.error(400, "bad_request", "rows[0].t: no")
            if MODE == "toolarge" or (MODE == "small" and n > 2):
                return self.error(413, "too_large", "batch too large")
            if MODE == "cut":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            acked = batch["from"] - 1 if MODE == "noack" else batch["to"]
            return self.send(200, {"acked": acked, "applied": n,
                                   "duplicates": 0, "conflicts": 0,
                                   "clamped": 0})
        self.entry()
        self.error(404, "not_found", "no such route")

    def do_GET(self):
        self.entry()
        if not self.path.startswith("/v1/pull?"):
            return self.error(404, "not_found", "no such route")
        if self.common_errors():
            return
        if MODE == "huge":
            return self.send(200, raw=os.urandom(6 << 20))
        after = int(self.path.split("after=")[1].split("&")[0])
        rows, more, cursor = [], False, after
        if MODE == "pages" and after < 2:
            h = str(now_ms() << 16)
            rows = [{"t": "cases", "id": IDS[after], "st": STATE["station"],
                     "h": h, "w": "C01",
                     "f": {"name": "张三%d" % after, "category": "other"}}]
            cursor = after + 1
            more = cursor < 2
        if MODE == "ahead" and after < 1:
            h = str((now_ms() + 3 * 365 * 86400 * 1000) << 16)
            rows = [{"t": "cases", "id": IDS[0], "st": STATE["station"],
                     "h": h, "w": "C01",
                     "f": {"name": "未来", "category": "other"}}]
            cursor = 1
        body = {"v": 1, "cursor": cursor, "more": more, "rows": rows}
        if MODE == "links" and after < 1:
            h = str(now_ms() << 16)
            body["rows"] = [{"t": "cases", "id": IDS[0],
                             "st": STATE["station"], "h": h, "w": "C01",
                             "f": {"name": "张三", "category": "other"}}]
            body["cursor"] = 1
            body["links"] = {"digest": "ab12", "list": [
                {"case": IDS[0], "station": "B", "name": "西河镇站",
                 "contact": "李社工 0371-2222"}]}
            body["from_the_future"] = {"x": [1, {"y": None}]}
        self.send(200, body, deflate=True)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the agent hung up on purpose (cut, over its bound)


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    if CERT:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(CERT[0], CERT[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = PORT_FILE + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, PORT_FILE)
    threading.Timer(LIFETIME, lambda: os._exit(0)).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
