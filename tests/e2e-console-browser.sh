#!/bin/bash
# e2e-console-browser.sh — the station console in a real browser: Debian's
# headless Chromium driven through chromedriver by tests/webdriver.py.  A
# worker signs in, adds a case with Chinese text and a real ID number
# (checked as typed; birth date and gender filled from it), adds a visit
# with a follow-up date, finds the case by part of the name and by pinyin
# initials (as typed), sees it on the home page's due list, runs "sync now"
# against a real swsync-county on 127.0.0.1 and sees the state change; a
# second replica edits the same field and the console shows the conflict;
# a month is exported and the CSV parsed; a bad date is refused in Chinese
# with nothing saved; CSRF and session expiry hold.  A case is referred
# to a resource of the county's directory, is due on the home page and
# the referrals page, and is completed (issue 15).  Screenshots at
# 1366x768 and 390x844 go to the test's directory, and are kept in
# $SWSYNC_SCREENSHOT_DIR if that is set.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"
. "$(dirname "$0")/console.sh"

TESTS_SRCDIR=${TESTS_SRCDIR:-$(cd "$(dirname "$0")" && pwd)}
if ! python3 -c "import sys; sys.path.insert(0, sys.argv[1]); import webdriver
c, d = webdriver.find_tools(); sys.exit(0 if c and d else 1)" "$TESTS_SRCDIR"; then
    echo "1..0 # SKIP chromium and chromium-driver are not installed (tools/install-deps)"
    _tap_done=1
    exit 0
fi
for tool in python3 sqlite3; do
    command -v "$tool" >/dev/null || bail_out "$tool is needed"
done

T=$TAP_TMP
CDB=$(county_db county)
C() { "$SWSYNC_COUNTY" --db "$CDB" "$@"; }
S() {
    local r=$1
    shift
    "$SWSYNC" --db "$T/$r.db" "$@"
}
token() {
    local f=$T/$1.token
    cat >"$f"
    chmod 600 "$f"
}
IDLE=12

exits 0 "county init" C init --county C01
C station add A --name 东风镇社工站 | token office
C station token A --device laptop | token laptop
county_start "$CDB"
for r in office laptop; do
    exits 0 "init replica $r" S $r init --station A --server "$URL" \
        --token-file "$T/$r.token"
done
exits 0 "worker add 李娟 (li)" S office worker add li --password-stdin <<<"站里的密码 2026"
console_start "$T/office.db" --session-idle $IDLE

# A real ID number: 17 digits and their GB 11643 check character.
IDNUM=$(python3 -c "
w=[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2]; s='42010619520315004'
print(s+'10X98765432'[sum(int(a)*b for a,b in zip(s,w))%11])")

# ---- the browser, part 1: sign in, case, visit, search, due, sync -------------

python3 - "$TESTS_SRCDIR" "$CURL_BASE" "$T" "$IDNUM" part1 >"$T/b1.out" 2>"$T/b1.err" <<'PY'
import os, sys, time, traceback
sys.path.insert(0, sys.argv[1])
from webdriver import Browser

base, tmp, idnum, part = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
today = time.strftime("%Y-%m-%d")


def check(cond, desc, why=""):
    print(("ok\t" if cond else "not ok\t") + desc + ("\t" + str(why) if not cond else ""),
          flush=True)
    return cond


def shot(b, name):
    b.screenshot(os.path.join(tmp, name + "-1366.png"))
    b.set_window(390, 844)
    time.sleep(0.2)
    b.screenshot(os.path.join(tmp, name + "-390.png"))
    w = b.execute("return document.documentElement.scrollWidth")
    check(w <= 390, f"{name}: nothing wider than a 390 px window", w)
    b.set_window(1366, 768)


def text_of(b, css, timeout=30):
    """The text of css once it is there, across the page's own reloads."""
    deadline = time.time() + timeout
    while True:
        try:
            return b.wait(css, timeout=timeout).text
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def set_value(b, css, v):
    b.execute("document.querySelector(arguments[0]).value = arguments[1]", css, v)


def browser(sub):
    """A browser with its own profile directory; chromedriver is retried
    (on a loaded machine it may be slow to come up)."""
    d = os.path.join(tmp, sub)
    os.makedirs(d, exist_ok=True)
    for i in range(3):
        try:
            return Browser(d)
        except RuntimeError:
            if i == 2:
                raise
            time.sleep(2)


try:
    with browser("b1") as b:
        b.get(base + "/")
        check("/login" in b.url, "without a session the console opens the sign-in page", b.url)
        check("社工登录" in b.title, "... in Chinese", b.title)
        b.find("#user").send_keys("li")
        b.find("#password").send_keys("站里的密码 2026")
        b.find("#login-button").click()
        b.wait("#due")
        check(b.find("#last-sync").text == "尚未同步", "home: never synced yet",
              b.find("#last-sync").text)

        # a new case: the ID number is checked as it is typed
        b.find('nav a[href="/case/new"]').click()
        b.wait("#f-name").send_keys("张三丰")
        idf = b.find("#f-id_number")
        idf.send_keys(idnum[:17] + ("0" if idnum[17] != "0" else "1"))
        time.sleep(0.2)
        check("不正确" in b.find("#idnum-check").text, "a wrong check digit is flagged as typed",
              b.find("#idnum-check").text)
        idf.clear()
        idf.send_keys(idnum)
        time.sleep(0.2)
        check("通过" in b.find("#idnum-check").text, "the right one passes",
              b.find("#idnum-check").text)
        check(b.find("#f-birth_date").prop("value") == "1952-03-15",
              "the birth date is filled from the ID number", b.find("#f-birth_date").prop("value"))
        check(b.find("#f-gender").prop("value") == "female", "... and the gender",
              b.find("#f-gender").prop("value"))
        labels = [o.text for o in b.find_all("#f-category option")]
        check("独居老人" in labels and "留守儿童" in labels, "the category is a select with Chinese labels",
              labels)
        b.find('#f-category option[value="elderly_alone"]').click()
        b.find('#f-risk_level option[value="high"]').click()
        check(b.find("#f-opened_on").prop("value") == today, "the opening date defaults to today",
              b.find("#f-opened_on").prop("value"))
        b.find("#f-village").send_keys("东风村")
        b.find("#f-phone").send_keys("13800001234")
        b.find("#f-notes").send_keys("独居，子女在外地务工")
        shot(b, "case-form")
        b.find("#save").click()
        b.wait("#saved")
        check(b.find("#case-name").text == "张三丰", "the case page shows the new case",
              b.find("#case-name").text)
        case_url = b.url.split("?")[0]

        # a visit with a follow-up date (today: due)
        b.find(f'a[href$="/visit"]').click()
        b.wait("#f-mode")
        modes = [o.text for o in b.find_all("#f-mode option")]
        check("入户" in modes, "the visit mode is a select with Chinese labels", modes)
        check(b.find("#f-worker").prop("value") == "li", "the worker defaults to the signed-in one")
        b.find('#f-mode option[value="home"]').click()
        b.find("#f-findings").send_keys("身体尚可，需要跟进用药情况")
        set_value(b, "#f-next_visit_on", today)
        shot(b, "visit-form")
        b.find("#save").click()
        b.wait("#saved")
        tl = b.find("ol.tl").text
        check("身体尚可" in tl and "入户" in tl, "the visit is on the case's timeline", tl[:200])
        shot(b, "case")

        # a bad date: the browser's picker would not let one through, so
        # this is what a browser without one sends
        b.get(case_url + "/visit")
        b.wait("#f-mode")
        b.execute("var e = document.querySelector('#f-next_visit_on'); e.type = 'text'; "
                  "e.value = '2026-02-30';")
        b.find('#f-mode option[value="phone"]').click()
        b.find("#save").click()
        err = b.wait("#form-errors").text
        check("下次走访" in err and "填写有误" in err, "a bad date is refused in Chinese naming the field",
              err)

        # search, as typed
        b.find('nav a[href="/search"]').click()
        q = b.wait("#q")
        q.send_keys("zsf")
        for _ in range(50):
            if "张三丰" in b.find("#results").text:
                break
            time.sleep(0.1)
        check("张三丰" in b.find("#results").text, "typing the pinyin initials finds the case",
              b.find("#results").text)
        shot(b, "search")
        q.clear()
        q.send_keys("三丰")
        time.sleep(0.6)
        check("张三丰" in b.find("#results").text, "... and so does part of the name")
        q.send_keys("xyz")
        time.sleep(0.6)
        check("张三丰" not in b.find("#results").text, "... and not a text it does not hold")

        # the home page: due today
        b.find('nav a[href="/"]').click()
        due = b.wait("#due").text
        check("张三丰" in due and "身体尚可" in due, "the follow-up is due on the home page, with the last findings",
              due[:200])
        pend = b.find("#pending").text
        check(pend != "0", "there are changes to send", pend)
        shot(b, "home")

        # sync now
        b.find("#sync-now").click()
        res = text_of(b, "#sync-result")
        check("同步完成" in res, "sync now runs and says it is done", res)
        check(b.find("#pending").text == "0", "nothing is left to send", b.find("#pending").text)
        check("尚未同步" not in b.find("#last-sync").text and "刚刚" in b.find("#last-sync").text,
              "the last sync is now", b.find("#last-sync").text)
        with open(os.path.join(tmp, "case.url"), "w") as f:
            f.write(case_url)
except Exception as e:
    check(False, "the browser session ran to its end",
          f"{type(e).__name__}: {e}".replace("\n", " ")[:400])
    traceback.print_exc(file=sys.stderr)
PY
report() {
    while IFS=$'\t' read -r res desc why; do
        if [ "$res" = ok ]; then
            pass "$desc"
        else
            fail "$desc" "$why"
        fi
    done <"$1"
    [ -s "$2" ] && diag "$(head -c 3000 "$2")"
}
report "$T/b1.out" "$T/b1.err"

X=$(sqlite3 "$T/office.db" "SELECT id FROM cases")
is "$(csql "$CDB" "SELECT name || ' ' || id_number FROM cases WHERE id = '$X'")" \
    "张三丰 $IDNUM" "the county holds the case the browser added"

# ---- a concurrent edit from the laptop ----------------------------------------------

exits 0 "the laptop syncs" S laptop sync --quiet
exits 0 "the laptop changes the phone" S laptop case set "$X" phone=13700003333
exits 0 "... and syncs first" S laptop sync --quiet

python3 - "$TESTS_SRCDIR" "$CURL_BASE" "$T" "$IDNUM" part2 $IDLE >"$T/b2.out" 2>"$T/b2.err" <<'PY'
import csv, io, os, sys, time, traceback
sys.path.insert(0, sys.argv[1])
from webdriver import Browser

base, tmp, idnum, idle = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[6])
case_url = open(os.path.join(tmp, "case.url")).read().strip()
month = time.strftime("%Y-%m")


def check(cond, desc, why=""):
    print(("ok\t" if cond else "not ok\t") + desc + ("\t" + str(why) if not cond else ""),
          flush=True)
    return cond


def shot(b, name):
    b.screenshot(os.path.join(tmp, name + "-1366.png"))
    b.set_window(390, 844)
    time.sleep(0.2)
    b.screenshot(os.path.join(tmp, name + "-390.png"))
    w = b.execute("return document.documentElement.scrollWidth")
    check(w <= 390, f"{name}: nothing wider than a 390 px window", w)
    b.set_window(1366, 768)


def text_of(b, css, timeout=30):
    """The text of css once it is there, across the page's own reloads."""
    deadline = time.time() + timeout
    while True:
        try:
            return b.wait(css, timeout=timeout).text
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def browser(sub):
    """A browser with its own profile directory; chromedriver is retried
    (on a loaded machine it may be slow to come up)."""
    d = os.path.join(tmp, sub)
    os.makedirs(d, exist_ok=True)
    for i in range(3):
        try:
            return Browser(d)
        except RuntimeError:
            if i == 2:
                raise
            time.sleep(2)


try:
    with browser("b2") as b:
        b.get(base + "/")
        b.wait("#user").send_keys("li")
        b.find("#password").send_keys("站里的密码 2026")
        b.find("#login-button").click()
        b.wait("#due")
        # the office changes the same phone, not knowing of the laptop's
        b.get(case_url + "/edit")
        ph = b.wait("#f-phone")
        ph.clear()
        ph.send_keys("13911112222")
        b.find("#save").click()
        b.wait("#saved")
        b.find('nav a[href="/"]').click()
        b.wait("#sync-now").click()
        res = text_of(b, "#sync-result")
        check("同步完成" in res, "sync now after the concurrent edit", res)
        check(b.find("#open-conflicts").text == "1", "the home page counts one open conflict",
              b.find("#open-conflicts").text)
        b.find('nav a[href="/conflicts"]').click()
        c = b.wait("li.conflict.open")
        t = c.text
        check("13911112222" in t and "13700003333" in t, "the conflict shows both values", t[:300])
        check("张三丰" in t and "电话" in t, "... of the case's phone", t[:300])
        check("li" in t and "本机" in t and "另一台电脑" in t,
              "... and who wrote each (this PC, by li; the other PC)", t[:300])
        check("等待县级处理" in t, "... waiting for the county", t[:300])
        shot(b, "conflicts")

        # export the month, parse the CSV
        csrf = b.execute("return document.querySelector('meta[name=csrf-token]').content")
        raw = b.execute("""
            var f = new FormData(); f.append('csrf', arguments[0]);
            f.append('what', 'visits'); f.append('from', arguments[1] + '-01');
            f.append('to', arguments[1] + '-31');
            return fetch('/export', {method: 'POST', credentials: 'same-origin',
                body: new URLSearchParams(f)}).then(r => r.arrayBuffer())
                .then(a => Array.from(new Uint8Array(a)));""", csrf, month)
        text = bytes(raw).decode("utf-8")
        check(text.startswith("\ufeff"), "the export starts with the BOM", repr(text[:10]))
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        check(len(rows) == 2, "the month's visits: a header and one visit", len(rows))
        if len(rows) == 2:
            rec = dict(zip(rows[0], rows[1]))
            check(any("身体尚可" in v for v in rec.values()), "the visit's findings are in the CSV",
                  rows[1])
            check(any("入户" == v for v in rec.values()), "... the mode as its Chinese label", rows[1])
        status = b.execute("""
            return fetch('/export', {method: 'POST', credentials: 'same-origin',
                body: new URLSearchParams({what: 'cases'})}).then(r => r.status);""")
        check(status == 403, "an export without the CSRF token is refused", status)
        b.find('nav a[href="/export"]').click()
        check(b.wait("#report").text != "", "the export page shows the month's summary")

        # English, and back
        b.find("#lang-switch").click()
        b.wait("html[lang=en]")
        check(b.find("h1").text == "Export", "the switch turns the page to English", b.find("h1").text)
        b.find("#lang-switch").click()
        b.wait("html[lang=zh-CN]")

        # session expiry
        time.sleep(idle + 2)
        b.get(base + "/")
        msg = b.wait("#login-message").text
        check("会话已过期" in msg, "an idle session expires: the sign-in page says so", msg)
except Exception as e:
    check(False, "the browser session ran to its end",
          f"{type(e).__name__}: {e}".replace("\n", " ")[:400])
    traceback.print_exc(file=sys.stderr)
PY
report "$T/b2.out" "$T/b2.err"

is "$(sqlite3 "$T/office.db" "SELECT count(*) FROM local_audit WHERE who = 'li' AND action = 'export'")" 1 \
    "the export is in the local audit trail"
is "$(sqlite3 "$T/office.db" "SELECT count(*) FROM local_audit WHERE who = 'li' AND action = 'login'")" 2 \
    "... and both sign-ins"
# ---- the county resolves and corrects: the console shows it ----------------------

CID=$(C conflicts list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
exits 0 "the county resolves the conflict, keeping the laptop's value" \
    C conflicts resolve "$CID" --keep loser --note "电话核实" --by likz
exits 0 "the county corrects the village" C case set "$X" village=西风村
exits 0 "the office syncs (CLI)" S office sync --quiet
JAR=$T/jar
curl -s -o /dev/null -c "$JAR" --data-urlencode user=li \
    --data-urlencode "password=站里的密码 2026" "$CURL_BASE/login"
PAGE=$(curl -s -b "$JAR" "$CURL_BASE/case/$X")
like "$PAGE" 'data-field="village"><dt>[^<]*</dt><dd>西风村 <span class="tag county">县级已更正</span>' \
    "the case page marks the value the county corrected"
like "$PAGE" 'data-field="phone"><dt>[^<]*</dt><dd>13700003333 <span class="tag county">' \
    "... and the one its resolution wrote"
PAGE=$(curl -s -b "$JAR" "$CURL_BASE/conflicts")
like "$PAGE" 'class="conflict resolved"' "the conflicts page shows the conflict resolved"
like "$PAGE" '电话核实' "... with the county's note"
like "$PAGE" '<span class="resolution">改用另一值</span>' "... and how it was resolved, in words"

# ---- referrals (issue 15): the county's directory in the form, the loop closed --

C station add B --name 西河镇 >/dev/null # where a case may move
exits 0 "the county adds a resource to its directory" C resource add \
    name=镇卫生院 type=medical areas=东风村 contact=0731-1234567
RS=$OUT
exits 0 "the office pulls it (CLI)" S office sync --quiet

python3 - "$TESTS_SRCDIR" "$CURL_BASE" "$T" "$IDNUM" part3 >"$T/b3.out" 2>"$T/b3.err" <<'PY'
import os, sys, time, traceback
sys.path.insert(0, sys.argv[1])
from webdriver import Browser

base, tmp = sys.argv[2], sys.argv[3]
case_url = open(os.path.join(tmp, "case.url")).read().strip()
today = time.strftime("%Y-%m-%d")


def check(cond, desc, why=""):
    print(("ok\t" if cond else "not ok\t") + desc + ("\t" + str(why) if not cond else ""),
          flush=True)
    return cond


def shot(b, name):
    b.screenshot(os.path.join(tmp, name + "-1366.png"))
    b.set_window(390, 844)
    time.sleep(0.2)
    b.screenshot(os.path.join(tmp, name + "-390.png"))
    w = b.execute("return document.documentElement.scrollWidth")
    check(w <= 390, f"{name}: nothing wider than a 390 px window", w)
    b.set_window(1366, 768)


def set_value(b, css, v):
    b.execute("document.querySelector(arguments[0]).value = arguments[1]", css, v)


def browser(sub):
    d = os.path.join(tmp, sub)
    os.makedirs(d, exist_ok=True)
    for i in range(3):
        try:
            return Browser(d)
        except RuntimeError:
            if i == 2:
                raise
            time.sleep(2)


try:
    with browser("b3") as b:
        b.get(base + "/")
        b.wait("#user").send_keys("li")
        b.find("#password").send_keys("站里的密码 2026")
        b.find("#login-button").click()
        b.wait("#referrals-due")
        check("没有到期" in b.find("#referrals-due").text, "home: no referral follow-up due yet",
              b.find("#referrals-due").text)
        b.get(case_url)
        b.wait("#add-referral").click()
        b.wait("#f-need")
        res = [o.text for o in b.find_all("#f-resource_id option")]
        check(any("镇卫生院" in r and "医疗机构" in r for r in res),
              "the form offers the county's directory, with the type in Chinese", res)
        needs = [o.text for o in b.find_all("#f-need option")]
        check("医疗健康" in needs, "the need is a select with Chinese labels", needs)
        check(b.find("#f-status").prop("value") == "referred", "a new referral is 已转介",
              b.find("#f-status").prop("value"))
        b.find('#f-need option[value="health"]').click()
        opts = b.find_all("#f-resource_id option")
        for o in opts:
            if "镇卫生院" in o.text:
                o.click()
        set_value(b, "#f-follow_up_on", today)
        shot(b, "referral-form")
        b.find("#save").click()
        b.wait("#saved")
        t = b.find("#case-referrals").text
        check("医疗健康" in t and "已转介" in t and "镇卫生院" in t,
              "the case page lists the referral", t[:300])
        b.find('nav a[href="/"]').click()
        t = b.wait("#referrals-due").text
        check("张三丰" in t and "今天" in t, "home: the follow-up is due today", t[:300])
        b.find('nav a[href="/referrals"]').click()
        t = b.wait("#referrals").text
        check("张三丰" in t and "镇卫生院" in t, "the referrals page lists it as open", t[:300])
        shot(b, "referrals")
        b.find("#referrals a.edit-referral").click()
        b.wait("#f-status")
        b.find('#f-status option[value="completed"]').click()
        b.find("#f-outcome").send_keys("已就诊，病情稳定")
        b.find("#save").click()
        b.wait("#saved")
        t = b.find("#case-referrals").text
        check("已完成" in t, "the referral is completed (已完成)", t[:300])
        b.find('nav a[href="/referrals"]').click()
        t = b.wait("#referrals-count").text
        check(t.startswith("共 0 条"), "no open referral is left", t)
        b.get(base + "/referrals?all=1")
        t = b.wait("#referrals").text
        check("已完成" in t, "... and all of them shows it", t[:300])
        # case transfer (issue 15): the station asks, the county decides
        b.get(case_url)
        b.wait("#transfer-ask").click()
        b.wait("#transfer-form")
        check("转" in b.find("h1").text, "the transfer request page, in Chinese",
              b.find("h1").text)
        b.find("#transfer-to").send_keys("B")
        b.find("#transfer-note").send_keys("搬到西河镇")
        shot(b, "transfer-ask")
        b.find("#transfer-send").click()
        t = b.wait("#asked").text
        check(len(t) > 0, "the case page says the request is on its way", t)
except Exception as e:
    check(False, "the browser session ran to its end",
          f"{type(e).__name__}: {e}".replace("\n", " ")[:400])
    traceback.print_exc(file=sys.stderr)
PY
report "$T/b3.out" "$T/b3.err"
is "$(sqlite3 "$T/office.db" "SELECT status || ' ' || closed_on || ' ' || resource_id FROM referrals")" \
    "completed $(date +%Y-%m-%d) $RS" "the referral is closed today, referring to the directory's entry"
exits 0 "the office syncs (CLI)" S office sync --quiet
is "$(C transfer requests --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d), d[0]["to_station"], d[0]["note"])')" \
    "1 B 搬到西河镇" "the station's request from the console waits at the county"
is "$(C referral report --json | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; print(d["completed"], d["outcome_rate"])')" \
    "1 100" "the county's figures count it"

for n in home search case visit-form conflicts referral-form referrals transfer-ask; do
    ok "screenshots of $n at 1366x768 and 390x844" test -s "$T/$n-1366.png" -a -s "$T/$n-390.png"
done
if [ -n "${SWSYNC_SCREENSHOT_DIR:-}" ]; then
    mkdir -p "$SWSYNC_SCREENSHOT_DIR" && cp "$T"/*.png "$SWSYNC_SCREENSHOT_DIR"/ 2>/dev/null
fi

console_stop
county_stop
done_testing
