#!/usr/bin/env python3
"""check-i18n.py — no message people read escapes translation (TAP).

1. Every C file of the programs is classified: translated (listed in
   po/POTFILES.in) or left out on purpose (EXCLUDED below, with the
   reason).  A new file must be put in one of the two.
2. In the translated files, every sw_fail(), printf(), fprintf(),
   fputs() and puts() whose text is a literal with words has it inside
   _() (a line may say /* no-i18n: WHY */ for text scripts read).
3. xgettext over po/POTFILES.in finds no message that po/zh_CN.po lacks,
   leaves empty or marks fuzzy, and every translation keeps the format
   of its message (msgfmt -c).

Needs $TOP_SRCDIR (the source tree) and $XGETTEXT; make check sets both.
"""
import os
import re
import subprocess
import sys
import tempfile

TOP = os.environ.get("TOP_SRCDIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..")
XGETTEXT = os.environ.get("XGETTEXT") or "xgettext"
MSGFMT = os.environ.get("MSGFMT") or "msgfmt"

# Left out on purpose, and why (see the comment in po/POTFILES.in).
EXCLUDED = {
    "sync/codec.c": "protocol texts: they cross the wire",
    "sync/exchange.c": "protocol",
    "sync/change.c": "no messages",
    "sync/ddl.c": "SQL",
    "sync/county/syncsql.c": "SQL (no messages)",
    "sync/county/http.c": "protocol answers and the server's log",
    "sync/county/web.c": "the console's own Chinese/English texts",
    "sync/web/html.c": "the consoles' HTML",
    "sync/web/i18n.c": "the consoles' own Chinese/English texts",
    "sync/web/form.c": "no messages (form decoding for the consoles)",
    "sync/county/rows.c": "SQL rows for the console",
    "sync/county/assets.c": "generated",
    "sync/pinyin-data.c": "generated",
    "sync/sdb-sqlite.c": "no messages (the SQLite backend of the seam)",
    "sync/sdb-pg.c": "the server's own messages, passed on as they are",
}

CALLS = {"sw_fail": 2, "fprintf": 1, "printf": 0, "fputs": 0, "puts": 0}
FMT = re.compile(r"%[-+ #0-9.*$lhzjtL]*[a-zA-Z%]")
ESC = re.compile(r"\\(x[0-9a-fA-F]+|[0-7]{1,3}|.)")

n = 0
failed = 0


def result(ok, desc, diag=()):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, desc))
    for d in diag:
        print("#   " + d)
    if not ok:
        failed += 1


def skip_str(s, i):
    i += 1
    while s[i] != '"':
        i += 2 if s[i] == "\\" else 1
    return i + 1


def skip_arg(s, i):
    depth = 0
    while i < len(s):
        c = s[i]
        if c == '"':
            i = skip_str(s, i)
            continue
        if c == "'":
            j = i + 1
            while s[j] != "'":
                j += 2 if s[j] == "\\" else 1
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return i
            depth -= 1
        elif c == "," and depth == 0:
            return i
        i += 1
    return i


def words(lit):
    t = "".join(m.group(1) for m in
                re.finditer(r'"((?:[^"\\]|\\.)*)"', lit))
    t = ESC.sub(" ", FMT.sub(" ", t))
    return re.search(r"[A-Za-z]{2,}", t) is not None


def unwrapped(path):
    """(line, text) of each call whose literal text is not in _()."""
    s = open(path, encoding="utf-8").read()
    # blank out comments, keeping line numbers and no-i18n markers
    s = re.sub(r"/\*.*?\*/", lambda m: "/*no-i18n*/" if "no-i18n" in
               m.group(0) else re.sub(r"[^\n]", " ", m.group(0)), s,
               flags=re.S)
    out = []
    for m in re.finditer(r"\b(sw_fail|fprintf|printf|fputs|puts)\s*\(", s):
        pre = s[s.rfind("\n", 0, m.start()) + 1:m.start()]
        if pre.count('"') % 2:
            continue
        i = m.end()
        ok = True
        for _ in range(CALLS[m.group(1)]):
            i = skip_arg(s, i)
            if i >= len(s) or s[i] != ",":
                ok = False
                break
            i += 1
        if not ok:
            continue
        j = i
        while j < len(s) and s[j].isspace():
            j += 1
        if s.startswith("/*no-i18n*/", j):
            continue
        if j >= len(s) or s[j] != '"':
            continue
        k = j
        last = j
        while True:
            while k < len(s) and s[k].isspace():
                k += 1
            if k < len(s) and s[k] == '"':
                k = skip_str(s, k)
                last = k
            else:
                break
        if words(s[j:last]):
            out.append((s.count("\n", 0, j) + 1, s[j:last][:60]))
    return out


potfiles = [l.strip() for l in open(os.path.join(TOP, "po/POTFILES.in"))
            if l.strip() and not l.startswith("#")]

# 1. every C file classified
sources = []
for d in ("agent", "sync", "sync/county", "sync/web"):
    for f in sorted(os.listdir(os.path.join(TOP, d))):
        if f.endswith(".c"):
            sources.append(d + "/" + f)
loose = [f for f in sources if f not in potfiles and f not in EXCLUDED]
result(not loose, "every C file is translated or left out on purpose",
       ["not classified: " + f for f in loose])
gone = [f for f in potfiles if not os.path.exists(os.path.join(TOP, f))]
result(not gone, "po/POTFILES.in names only existing files",
       ["missing: " + f for f in gone])

# 2. no literal message outside _() in the translated files
for f in potfiles:
    if f in gone:
        continue
    bad = unwrapped(os.path.join(TOP, f))
    result(not bad, "%s: every message is inside _()" % f,
           ["line %d: %s" % b for b in bad])

# 3. the catalogue is complete
with tempfile.TemporaryDirectory() as tmp:
    pot = os.path.join(tmp, "swsync.pot")
    r = subprocess.run([XGETTEXT, "--from-code=UTF-8", "--language=C",
                        "--keyword=_", "--keyword=N_", "-o", pot,
                        "--files-from=po/POTFILES.in"], cwd=TOP,
                       capture_output=True, text=True)
    result(r.returncode == 0, "xgettext extracts the messages",
           r.stderr.splitlines())

    def entries(path):
        text = open(path, encoding="utf-8").read()
        res = {}
        for block in text.split("\n\n"):
            fuzzy = any(l.startswith("#,") and "fuzzy" in l
                        for l in block.splitlines())
            cur, mid, mstr = None, [], []
            for l in block.splitlines():
                if l.startswith("#"):
                    continue
                if l.startswith("msgid "):
                    cur = mid
                    l = l[6:]
                elif l.startswith("msgstr "):
                    cur = mstr
                    l = l[7:]
                if cur is not None and l.startswith('"'):
                    cur.append(eval(l))
            if mid or mstr:
                res["".join(mid)] = ("".join(mstr), fuzzy)
        return res

    want = entries(pot) if r.returncode == 0 else {}
    have = entries(os.path.join(TOP, "po/zh_CN.po"))
    lacking = [m for m in want if m and (m not in have or not have[m][0]
                                         or have[m][1])]
    result(want and not lacking,
           "po/zh_CN.po translates all %d messages" % (len(want) - 1),
           ["untranslated: " + repr(m)[:100] for m in lacking[:30]])
    stale = [m for m in have if m and m not in want]
    result(not stale, "po/zh_CN.po has no message the sources lost "
           "(make update-po)", ["stale: " + repr(m)[:100] for m in stale[:30]])
    r = subprocess.run([MSGFMT, "-c", "-o", os.devnull,
                        os.path.join(TOP, "po/zh_CN.po")],
                       capture_output=True, text=True)
    result(r.returncode == 0, "msgfmt -c: every translation keeps its format",
           r.stderr.splitlines())

print("1..%d" % n)
sys.exit(1 if failed else 0)
