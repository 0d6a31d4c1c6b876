#!/usr/bin/env python3
"""rr-proxy.py -- a TCP load balancer for the tests, on 127.0.0.1.

    rr-proxy.py PORTFILE LOGFILE BACKEND_PORT...

Listens on a port of 127.0.0.1 the kernel picks and writes it to PORTFILE
once it accepts connections.  Each new connection goes to the next backend
in turn (round robin); a backend that refuses the connection is passed over
for the next one, as a load balancer's health check would take it out.
When either side of a connection closes or breaks, both are closed.
LOGFILE gets one line a connection: its number and the backend's port, or
"none" when every backend refused it (the client is then closed at once).
Runs until it is killed.
"""

import os
import socket
import sys
import threading


def main():
    portfile, logfile = sys.argv[1], sys.argv[2]
    backends = [int(p) for p in sys.argv[3:]]
    if not backends:
        sys.exit("usage: rr-proxy.py PORTFILE LOGFILE BACKEND_PORT...")
    lock = threading.Lock()
    state = {"next": 0, "n": 0}
    log = open(logfile, "a", buffering=1)

    def connect():
        with lock:
            first = state["next"]
            state["next"] = (first + 1) % len(backends)
        for k in range(len(backends)):
            port = backends[(first + k) % len(backends)]
            try:
                return port, socket.create_connection(("127.0.0.1", port),
                                                      timeout=5)
            except OSError:
                continue
        return None, None

    def close_both(a, b):
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def pipe(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        close_both(src, dst)

    def serve(client):
        with lock:
            state["n"] += 1
            n = state["n"]
        port, up = connect()
        log.write(f"{n} {port if port else 'none'}\n")
        if up is None:
            client.close()
            return
        up.settimeout(None)
        back = threading.Thread(target=pipe, args=(up, client), daemon=True)
        back.start()
        pipe(client, up)
        back.join()
        client.close()
        up.close()

    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    with open(portfile + ".tmp", "w") as f:
        f.write(f"{srv.getsockname()[1]}\n")
    # renamed into place: a reader never sees half a number
    os.rename(portfile + ".tmp", portfile)
    while True:
        client, _ = srv.accept()
        threading.Thread(target=serve, args=(client,), daemon=True).start()


if __name__ == "__main__":
    main()
