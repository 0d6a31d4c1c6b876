#!/usr/bin/env python3
"""fuzz-proxy.py PORT UPSTREAM_PORT DIR — a recording HTTP proxy on
127.0.0.1:PORT in front of a swsync-county on 127.0.0.1:UPSTREAM_PORT.
Every exchange is forwarded unchanged and written to DIR: N.req (the
request body), N.ans (the answer body) and a line of index.jsonl
(method, path with its query, status, encodings).  tools/fuzz-corpus
turns a recording into the fuzz targets' seed corpus.  Stops on SIGTERM.
"""
import http.client
import http.server
import json
import os
import signal
import sys
import threading

port, upstream, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
os.makedirs(out, exist_ok=True)
lock = threading.Lock()
count = [0]
HOP = {"connection", "keep-alive", "transfer-encoding", "host",
       "content-length"}


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def relay(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        up = http.client.HTTPConnection("127.0.0.1", upstream, timeout=60)
        hdrs = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        hdrs["Host"] = self.headers.get("Host", "127.0.0.1")
        up.request(self.command, self.path, body=body, headers=hdrs)
        r = up.getresponse()
        ans = r.read()
        with lock:
            count[0] += 1
            i = count[0]
            with open(os.path.join(out, "%04d.req" % i), "wb") as f:
                f.write(body)
            with open(os.path.join(out, "%04d.ans" % i), "wb") as f:
                f.write(ans)
            with open(os.path.join(out, "index.jsonl"), "a") as f:
                f.write(json.dumps({
                    "n": i, "method": self.command, "path": self.path,
                    "status": r.status,
                    "req_enc": self.headers.get("Content-Encoding", ""),
                    "ans_enc": r.getheader("Content-Encoding", ""),
                }) + "\n")
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in HOP and k.lower() not in ("date", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(ans)))
        self.end_headers()
        self.wfile.write(ans)
        up.close()

    do_GET = do_POST = do_HEAD = relay


srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Proxy)
signal.signal(signal.SIGTERM, lambda *a: threading.Thread(
    target=srv.shutdown).start())
print("proxy listening on 127.0.0.1:%d" % port, flush=True)
srv.serve_forever()
