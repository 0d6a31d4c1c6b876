#!/usr/bin/env python3
"""qr-svg-png.py — draw the county console's QR code (inline SVG) as a PNG.

Usage: qr-svg-png.py PAGE.html ID OUT.png
Reads the <svg id="ID"> of the page: its viewBox (N x N modules) and the
one path of dark modules, written as runs "Mx yhNv1h-Nz" (web.c,
put_qr_svg); writes a black-on-white PNG at 8 pixels a module, standard
library only, for a real decoder (zbarimg) to read.  Exit 1 if the page
has no such QR code."""
import re
import struct
import sys
import zlib

SCALE = 8


def png(path, rows):
    """A greyscale 8-bit PNG of rows (lists of 0..255)."""
    h, w = len(rows), len(rows[0])
    raw = b"".join(b"\0" + bytes(r) for r in rows)

    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw)))
        f.write(chunk(b"IEND", b""))


def main():
    page, ident, out = sys.argv[1:4]
    html = open(page, encoding="utf-8").read()
    m = re.search(r'<svg[^>]*\bid="%s"[^>]*>(.*?)</svg>' % re.escape(ident), html, re.S)
    if not m:
        print("no <svg id=%s> in the page" % ident, file=sys.stderr)
        return 1
    svg = m.group(0)
    n = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    d = re.search(r'<path[^>]*\bd="([^"]*)"', svg).group(1)
    grid = [[255] * n for _ in range(n)]
    runs = re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", d)
    if "".join("M%s %sh%sv1h-%sz" % (x, y, k, k) for x, y, k in runs) != d:
        print("the path is not made of module runs", file=sys.stderr)
        return 1
    for x, y, k in runs:
        for i in range(int(k)):
            grid[int(y)][int(x) + i] = 0
    rows = []
    for r in grid:
        line = [v for v in r for _ in range(SCALE)]
        rows.extend([line] * SCALE)
    png(out, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
