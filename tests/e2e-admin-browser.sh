#!/bin/bash
# e2e-admin-browser.sh — the admin console in a real browser: Debian's
# headless Chromium driven through chromedriver by tests/webdriver.py (the
# W3C WebDriver protocol, standard library only).  Two real replicas of a
# station make a conflict on one field through the real county; the
# browser logs in, opens the conflicts page, finds the conflict, resolves
# it with a new value and a note, switches to English; then both replicas
# sync and hold that value, and learn the resolution; the 报表 page shows
# the month's figures.  Then at a phone's
# 390x844: the menu stays whole, no page is wider than the screen, a
# conflict on a choice field (two named workers) shows who wrote each
# value and offers the choices as a select with the Chinese labels;
# resolving with 高 and correcting with 低 work.  The resource directory
# (issue 15): a resource is added in the browser and reaches the
# station, another deleted; the follow-ups page shows a station's
# overdue referral.  A one-time enrolment code (issue 16): its QR
# code, pictured by the browser, decodes (zbarimg) to the command shown,
# which a new PC runs and syncs.  Screenshots at 1366x768
# and 390x844 go to the test's directory, and are kept in
# $SWSYNC_SCREENSHOT_DIR if that is set.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/county.sh"

TESTS_SRCDIR=${TESTS_SRCDIR:-$(cd "$(dirname "$0")" && pwd)}
if ! python3 -c "import sys; sys.path.insert(0, sys.argv[1]); import webdriver
c, d = webdriver.find_tools(); sys.exit(0 if c and d else 1)" "$TESTS_SRCDIR"; then
    echo "1..0 # SKIP chromium and chromium-driver are not installed (tools/install-deps)"
    _tap_done=1
    exit 0
fi
for tool in python3 sqlite3 zbarimg; do
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
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
token() {
    local f=$T/$1.token
    cat >"$f"
    chmod 600 "$f"
}
field() { S "$1" case show "$2" --json | json "d['$3']"; }

# ---- a county, two replicas of station A, a conflict on the phone ----------

exits 0 "county init" C init --county C01
exits 0 "admin add 李科长's account" C admin add likz --password-stdin \
    <<<"县里的密码 2026"
C station add A --name 东风镇社工站 | token office
C station token A --device laptop | token laptop
county_start "$CDB"
for r in office laptop; do
    exits 0 "init replica $r" S $r init --station A --server "$URL" \
        --token-file "$T/$r.token"
done
exits 0 "the office adds a case" S office case add name=王秀英 \
    category=elderly_alone phone=13800000001 village=东村 address=东村3组
X=$OUT
for r in office laptop; do exits 0 "$r syncs" S $r sync --quiet; done
S office case set "$X" phone=13911112222 >/dev/null
S laptop case set "$X" phone=13700003333 >/dev/null
for r in office laptop office; do exits 0 "$r syncs its offline edit" S $r sync --quiet; done
exits 0 "conflicts list --json" C conflicts list --json
is "$(json 'len(d)' <<<"$OUT")" 1 "one conflict at the county"
CID=$(json 'd[0]["id"]' <<<"$OUT")

# ---- the browser -------------------------------------------------------------

python3 - "$TESTS_SRCDIR" "$URL" "$T" "$CID" >"$T/browser.out" 2>"$T/browser.err" <<'PY'
import os, sys, traceback
sys.path.insert(0, sys.argv[1])
from webdriver import Browser, WebDriverError

url, tmp, cid = sys.argv[2], sys.argv[3], sys.argv[4]
NEW, NOTE = "13600001111", "电话回访核实 <b>本人</b>"


def check(cond, desc, why=""):
    print(("ok\t" if cond else "not ok\t") + desc + ("\t" + why if not cond else ""),
          flush=True)
    return cond


try:
    with Browser(tmp) as b:
        b.get(url + "/admin/")
        check("/admin/login" in b.url, "without a session the console opens the login page",
              b.url)
        check("管理员登录" in b.title, "... in Chinese", b.title)
        b.find("#user").send_keys("likz")
        b.find("#password").send_keys("县里的密码 2026")
        b.find("#login-button").click()
        b.wait("#stations")
        check(b.url.endswith("/admin/"), "logged in, on the stations page", b.url)
        check(b.find("#user").text == "likz", "the admin's name is shown")
        b.screenshot(os.path.join(tmp, "stations.png"))

        b.find('nav a[href="/admin/conflicts"]').click()
        row = b.wait(f'#conflicts tr[data-id="{cid}"]')
        check("电话" in row.text, "the conflicts page lists the phone conflict", row.text)
        b.screenshot(os.path.join(tmp, "conflicts.png"))
        row.find("a.open-conflict").click()
        b.wait("#resolve-form")
        winner = b.find("#winner .v").text
        loser = b.find("#loser .v").text
        check(sorted([winner, loser]) == ["13700003333", "13911112222"],
              "both values side by side", f"{winner} / {loser}")
        check("设备 laptop" in b.find("#winner").text or "设备 laptop" in b.find("#loser").text,
              "... with the replica that wrote each")
        check("王秀英" in b.find("#record").text, "the record's other fields for context")
        b.screenshot(os.path.join(tmp, "conflict.png"))

        b.find("#keep-value").click()
        b.find("#new-value").send_keys(NEW)
        b.find("#note").send_keys(NOTE)
        check(b.find("#keep-value").selected, "'enter a new value' is chosen")
        b.find("#resolve").click()
        done = b.wait("#done")
        check("冲突已处理" in done.text, "the page confirms the resolution", done.text)
        check(b.find("#status").text == "已解决", "the conflict is resolved",
              b.find("#status").text)
        check(b.find("#resolution-note").text == NOTE, "the note is shown as typed",
              b.find("#resolution-note").text)
        b.screenshot(os.path.join(tmp, "resolved.png"))

        b.find("#lang-switch").click()
        b.wait("html[lang=en]")
        h1 = b.find("h1").text
        check(h1.startswith(f"Conflict #{cid}"), "the switch turns the page to English", h1)
        check("Resolved by" in b.find("#resolution").text, "... every label",
              b.find("#resolution").text)
        check(b.find("#logout").text == "Log out", "... the buttons too",
              b.find("#logout").text)
        b.find('nav a[href="/admin/stations"]').click()
        b.wait("#stations")
        check(b.find("h1").text == "Stations and sync health",
              "English stays on the next page", b.find("h1").text)
        b.screenshot(os.path.join(tmp, "stations-en.png"))

        b.find('nav a[href="/admin/report"]').click()
        b.wait("#report")
        b.find("#lang-switch").click()
        b.wait("html[lang=zh-CN]")
        check(b.find("h1").text == "月度报表", "the 报表 page, in Chinese", b.find("h1").text)
        check(b.find("#new-elderly_alone").text == "1",
              "... shows this month's new case of an elder living alone",
              b.find("#new-elderly_alone").text)
        check(b.find("#report-csv").text == "下载 CSV", "... and its CSV download link",
              b.find("#report-csv").text)
        b.screenshot(os.path.join(tmp, "report.png"))
        b.find("#logout").click()
        b.wait("#login-message")
        check("/admin/login" in b.url, "logging out returns to the login page", b.url)
except Exception as e:
    check(False, "the browser session ran to its end",
          f"{type(e).__name__}: {e}".replace("\n", " ")[:400])
    traceback.print_exc(file=sys.stderr)
PY
while IFS=$'\t' read -r res desc why; do
    if [ "$res" = ok ]; then
        pass "$desc"
    else
        fail "$desc" "$why"
    fi
done <"$T/browser.out"
[ -s "$T/browser.err" ] && diag "$(head -c 3000 "$T/browser.err")"
ok "the browser took a screenshot of the conflict page" test -s "$T/conflict.png"
if [ -n "${SWSYNC_SCREENSHOT_DIR:-}" ]; then
    mkdir -p "$SWSYNC_SCREENSHOT_DIR" && cp "$T"/*.png "$SWSYNC_SCREENSHOT_DIR"/ 2>/dev/null
fi

# ---- the stations take the admin's value ---------------------------------------

exits 0 "conflicts show --json" C conflicts show "$CID" --json
is "$(json '" ".join(str(d[k]) for k in ("status", "resolution", "resolved_by"))' <<<"$OUT")" \
    "resolved value likz" "the county recorded the resolution, by the admin"
is "$(json 'd["note"]' <<<"$OUT")" "电话回访核实 <b>本人</b>" "... with the note"
for r in office laptop; do exits 0 "$r syncs" S $r sync --quiet; done
is "$(field office "$X" phone)" 13600001111 "the office PC holds the admin's value"
is "$(field laptop "$X" phone)" 13600001111 "the laptop holds the admin's value"
exits 0 "swsync conflicts --json on the laptop" S laptop conflicts --json
is "$(json '[(c["status"], c["resolution"]) for c in d]' <<<"$OUT")" \
    "[('resolved', 'value')]" "the laptop learned the resolution"
is "$(S office status --json | json 'd["open_conflicts"]')" 0 "no open conflict at the office"
ok "the office equals the county" scope_equal "$T/office.db" "$CDB" A
ok "the laptop equals the county" scope_equal "$T/laptop.db" "$CDB" A
exits 0 "audit --json" C audit --json
is "$(json '[a["action"] for a in d if a["actor"] == "likz"]' <<<"$OUT")" \
    "['logout', 'report', 'report', 'resolve', 'login']" \
    "the admin's login, resolution, reports (two languages) and logout are audited"

# ---- a phone's width: the menu, and choice fields as selects -------------------
# A second conflict, on a choice field (the risk level), written by two
# named workers; the browser is 390 px wide.

exits 0 "张三 sets the risk level on the office PC" \
    S office --author 张三 case set "$X" risk_level=high
exits 0 "李四 sets it on the laptop" \
    S laptop --author 李四 case set "$X" risk_level=medium
for r in office laptop office; do exits 0 "$r syncs (risk level)" S $r sync --quiet; done
exits 0 "conflicts list --json" C conflicts list --json
CID2=$(json '[c["id"] for c in d if c["field"] == "risk_level"][0]' <<<"$OUT")
like "$CID2" '^[0-9]+$' "a conflict on the risk level"

python3 - "$TESTS_SRCDIR" "$URL" "$T" "$CID2" "$X" >"$T/browser2.out" 2>"$T/browser2.err" <<'PY'
import os, sys, traceback
sys.path.insert(0, sys.argv[1])
from webdriver import Browser

url, tmp, cid, rec = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
WIDE = """var W = document.documentElement.clientWidth, r = [];
document.querySelectorAll('body *').forEach(function (e) {
  var q = e.getBoundingClientRect();
  if (q.width && q.right > W + 1 && !e.closest('.scroll'))
    r.push(e.tagName + '#' + e.id);
});
return r.slice(0, 5);"""


def check(cond, desc, why=""):
    print(("ok\t" if cond else "not ok\t") + desc + ("\t" + str(why) if not cond else ""),
          flush=True)
    return cond


def phone_browser():
    """A 390x844 browser; a chromedriver that does not come up (its port
    taken meanwhile, a loaded machine) is tried again, twice at most."""
    for attempt in range(3):
        d = os.path.join(tmp, "wd2-%d" % attempt)
        os.makedirs(d, exist_ok=True)
        try:
            return Browser(d, width=390, height=844)
        except RuntimeError as e:
            if "did not start" not in str(e) or attempt == 2:
                raise
            print("# chromedriver did not start; again", file=sys.stderr)


try:
    with phone_browser() as b:
        b.get(url + "/admin/login")
        b.find("#user").send_keys("likz")
        b.find("#password").send_keys("县里的密码 2026")
        b.find("#login-button").click()
        b.wait("#stations")
        menu = b.execute("""return Array.from(document.querySelectorAll('nav.main a'))
          .map(function (a) { var q = a.getBoundingClientRect();
            return [a.textContent, a.scrollWidth <= a.clientWidth, q.height,
                    q.right <= document.documentElement.clientWidth]; });""")
        check([m[0].split()[0] for m in menu] == ["站点", "冲突", "个案查询", "疑似重复", "报表",
                                                 "跟进与转介", "资源目录", "转站", "审计日志"],
              "390 px: the menu is there", menu)
        check(all(m[1] and m[2] < 60 for m in menu),
              "... every label whole on one line, none clipped to a character", menu)
        check(all(m[3] for m in menu), "... every item within the screen", menu)
        check(b.execute(WIDE) == [], "... and no page wider than the screen",
              b.execute(WIDE))
        b.screenshot(os.path.join(tmp, "stations-390.png"))

        b.get(url + "/admin/conflicts/" + cid)
        b.wait("#resolve-form")
        check(b.execute(WIDE) == [], "the conflict page fits 390 px", b.execute(WIDE))
        who = sorted([b.find("#winner-author").text, b.find("#loser-author").text])
        check(who == ["张三", "李四"], "the conflict page says who wrote each value", who)
        sel = b.find("#new-value")
        check(sel.prop("tagName") == "SELECT", "the new value of a choice field is a select",
              sel.prop("tagName"))
        opts = b.execute("return Array.from(document.querySelectorAll('#new-value option'))"
                         ".map(function (o) { return [o.value, o.textContent]; });")
        check(opts == [["low", "低"], ["medium", "中"], ["high", "高"]],
              "... its options are the Chinese labels of the codes", opts)
        b.screenshot(os.path.join(tmp, "conflict-390.png"))
        b.find('#new-value option[value="high"]').click()
        check(b.find("#keep-value").selected, "choosing 高 chooses 'enter a new value'")
        b.find("#note").send_keys("电话核实：高")
        b.find("#resolve").click()
        done = b.wait("#done")
        check("冲突已处理" in done.text, "resolving with the choice labelled 高 works",
              done.text)

        b.get(url + "/admin/records/cases/" + rec)
        b.wait("#correct-form")
        check(b.execute(WIDE) == [], "the record page fits 390 px", b.execute(WIDE))
        b.find('#correct-field option[value="risk_level"]').click()
        check(b.find("#correct-risk_level").prop("offsetParent") is not None,
              "choosing the risk level shows its select", "")
        check(b.find("#correct-value").prop("offsetParent") is None,
              "... in place of the text box", "")
        b.find('#correct-risk_level option[value="low"]').click()
        check(b.find('#correct-risk_level option[value="low"]').text == "低",
              "... labelled in Chinese", b.find('#correct-risk_level option[value="low"]').text)
        b.screenshot(os.path.join(tmp, "record-390.png"))
        b.find("#correct-form button[type=submit]").click()
        b.wait("#done")
        check("msg=corrected" in b.url, "the correction chosen as 低 is saved", b.url)
except Exception as e:
    check(False, "the 390 px browser session ran to its end",
          f"{type(e).__name__}: {e}".replace("\n", " ")[:400])
    traceback.print_exc(file=sys.stderr)
PY
while IFS=$'\t' read -r res desc why; do
    if [ "$res" = ok ]; then
        pass "$desc"
    else
        fail "$desc" "$why"
    fi
done <"$T/browser2.out"
[ -s "$T/browser2.err" ] && diag "$(head -c 3000 "$T/browser2.err")"
if [ -n "${SWSYNC_SCREENSHOT_DIR:-}" ]; then
    cp "$T"/*-390.png "$SWSYNC_SCREENSHOT_DIR"/ 2>/dev/null
fi
exits 0 "conflicts show --json" C conflicts show "$CID2" --json
is "$(json '" ".join(str(d[k]) for k in ("status", "resolution"))' <<<"$OUT")" \
    "resolved value" "the county recorded the resolution"
is "$(C case show "$X" --json | json 'd["risk_level"]')" low \
    "the risk level is the correction's code (low), after the resolution's (high)"
exits 0 "the office syncs" S office sync --quiet
is "$(S office case show "$X" --authors --json | json 'd.get("risk_level")')" None \
    "the office holds the county's value, without the admin's name"

exits 0 "the office refers the case, follow-up last week" S office referral add \
    case="$X" need=health resource_text=卫生院 \
    follow_up_on=$(date -d '7 days ago' +%Y-%m-%d)
exits 0 "the office syncs (referral)" S office sync --quiet
# ---- the resource directory and the follow-ups page (issue 15) -------------

python3 - "$TESTS_SRCDIR" "$URL" "$T" >"$T/browser3.out" 2>"$T/browser3.err" <<'PY'
import os, sys, time, traceback
sys.path.insert(0, sys.argv[1])
from webdriver import Browser

url, tmp = sys.argv[2], sys.argv[3]


def check(cond, desc, why=""):
    print(("ok\t" if cond else "not ok\t") + desc + ("\t" + str(why) if not cond else ""),
          flush=True)
    return cond


def browser():
    for attempt in range(3):
        d = os.path.join(tmp, "wd3-%d" % attempt)
        os.makedirs(d, exist_ok=True)
        try:
            return Browser(d)
        except RuntimeError as e:
            if "did not start" not in str(e) or attempt == 2:
                raise


try:
    with browser() as b:
        b.get(url + "/admin/login")
        b.find("#user").send_keys("likz")
        b.find("#password").send_keys("县里的密码 2026")
        b.find("#login-button").click()
        b.wait("#stations")
        b.find('nav.main a[href="/admin/resources"]').click()
        b.wait("#resource-add")
        check(b.find("#resources-none") is not None, "the directory starts empty")
        types = [o.text for o in b.find_all("#r-type option")]
        check("医疗机构" in types and "社会组织" in types, "the type is a select in Chinese", types)
        b.find("#r-name").send_keys("镇卫生院")
        b.find('#r-type option[value="medical"]').click()
        b.find("#r-contact").send_keys("0731-1234567")
        b.find("#r-areas").send_keys("东村、西村")
        b.find("#resource-add-button").click()
        b.wait("#flash")
        t = b.find("#resources").text
        check("镇卫生院" in t and "医疗机构" in t and "东村、西村" in t,
              "the new resource is in the directory", t[:300])
        b.find("#r-name").send_keys("临时资源")
        b.find('#r-type option[value="other"]').click()
        b.find("#resource-add-button").click()
        b.wait("#flash")
        b.screenshot(os.path.join(tmp, "resources.png"))
        rows = b.find_all("#resources tbody tr")
        for r in rows:
            if "临时资源" in r.text:
                r.find("button.danger").click()
                break
        for _ in range(100):
            if "msg=deleted" in b.url:
                break
            time.sleep(0.1)
        check("已删除" in b.wait("#flash").text, "a resource is deleted", b.find("#flash").text)
        check("临时资源" not in b.find("#resources").text, "... and gone from the list")
        b.find('nav.main a[href="/admin/followup"]').click()
        b.wait("#referral-figures")
        ovd = b.find('#overdue tr[data-station="A"]').text.split()
        check(ovd == ["A", "0", "1", "0"], "overdue per station: A has one referral overdue", ovd)
        fig = b.find('#referral-figures tr[data-station="A"]').text.split()
        check(fig[:3] == ["A", "1", "1"], "referrals per station: A has one open, overdue", fig)
        b.screenshot(os.path.join(tmp, "followup.png"))
except Exception as e:
    check(False, "the resources browser session ran to its end",
          f"{type(e).__name__}: {e}".replace("\n", " ")[:400])
    traceback.print_exc(file=sys.stderr)
PY
while IFS=$'\t' read -r res desc why; do
    if [ "$res" = ok ]; then
        pass "$desc"
    else
        fail "$desc" "$why"
    fi
done <"$T/browser3.out"
[ -s "$T/browser3.err" ] && diag "$(head -c 3000 "$T/browser3.err")"
exits 0 "the office pulls the directory" S office sync --quiet
is "$(S office resource list --json | json '[(x["name"], x["type"], x["areas"]) for x in d]')" \
    "[('镇卫生院', 'medical', '东村、西村')]" \
    "the station holds the resource the browser added, not the deleted one"
like "$(C audit --limit 20)" "record_add" "the addition is audited"
ok "screenshots of the directory and the follow-ups" test -s "$T/resources.png" -a -s "$T/followup.png"


# ---- case transfer (issue 15): a station's request confirmed in the console,
# then the case moved back with the case page's form ---------------------------

C station add B --name 西河镇社工站 | token b
exits 0 "the office asks to move the case to B" \
    S office transfer-request "$X" --to B --note 搬到西河镇
exits 0 "the office syncs (sends the request)" S office sync --quiet
RQ=$(csql "$CDB" "SELECT id FROM transfer_requests WHERE status = 'pending'")
like "$RQ" '^[0-9]+$' "the county has the request"

python3 - "$TESTS_SRCDIR" "$URL" "$T" "$RQ" "$X" >"$T/browser4.out" 2>"$T/browser4.err" <<'PY'
import os, sys, traceback
sys.path.insert(0, sys.argv[1])
from webdriver import Browser

url, tmp, rq, rec = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]


def check(cond, desc, why=""):
    print(("ok\t" if cond else "not ok\t") + desc + ("\t" + why if not cond else ""),
          flush=True)
    return cond


try:
    with Browser(tmp) as b:
        b.get(url + "/admin/login")
        b.find("#user").send_keys("likz")
        b.find("#password").send_keys("县里的密码 2026")
        b.find("#login-button").click()
        b.wait("#stations")
        link = b.find('nav a[href="/admin/transfers"]')
        check("转站" in link.text and "1" in link.text,
              "the menu shows one pending transfer request", link.text)
        link.click()
        row = b.wait(f"#request-{rq}")
        check("搬到西河镇" in row.text and "B" in row.text,
              "the transfers page lists the station's request", row.text)
        b.screenshot(os.path.join(tmp, "transfers.png"))
        b.find(f"#confirm-{rq} button").click()
        done = b.wait("#done")
        check("已转站" in done.text, "confirming it moves the case", done.text)
        check(len(b.execute("return document.querySelectorAll("
                            "'#transfer-requests tbody tr').length;") and [1] or []) == 0
              or b.find("#no-requests") is not None,
              "no request is pending any more")
        b.get(url + "/admin/records/cases/" + rec)
        b.wait("#transfer-form")
        b.find('#transfer-to option[value="A"]').click()
        b.find("#transfer-note").send_keys("又搬回东风镇")
        b.find("#transfer-button").click()
        done = b.wait("#done")
        check("msg=transferred" in b.url, "the case page's form moves it back", b.url)
        b.screenshot(os.path.join(tmp, "transferred.png"))
except Exception as e:
    check(False, "the transfer browser session ran to its end",
          f"{type(e).__name__}: {e}".replace("\n", " ")[:400])
    traceback.print_exc(file=sys.stderr)
PY
while IFS=$'\t' read -r res desc why; do
    if [ "$res" = ok ]; then
        pass "$desc"
    else
        fail "$desc" "$why"
    fi
done <"$T/browser4.out"
[ -s "$T/browser4.err" ] && diag "$(head -c 3000 "$T/browser4.err")"
is "$(csql "$CDB" "SELECT status FROM transfer_requests WHERE id = $RQ")" \
    confirmed "the request is confirmed"
is "$(csql "$CDB" "SELECT details FROM audit WHERE action = 'transfer' AND actor = 'likz' ORDER BY id" | sed -z 's/\n$//; s/\n/ | /g')" \
    "from A to B; 2 records; request $RQ; 搬到西河镇 | from B to A; 2 records; 又搬回东风镇" \
    "both transfers are audited, by the admin"
is "$(csql "$CDB" "SELECT station FROM cases WHERE id = '$X'")" A "the case is A's again"
exits 0 "the office syncs" S office sync --quiet
ok "the office holds the case" S office case show "$X"


# ---- possible duplicates (issue 15 item 5) ---------------------------------
# Station B registers a person with the ID number of one of A's; the
# duplicates page lists the pair as strong, and the admin links it.

IDNUM=11010519491231002X
exits 0 "A's case gets an ID number" S office case set "$X" id_number=$IDNUM
# (station B and its token: the transfer section above)
exits 0 "init replica b" S b init --station B --server "$URL" \
    --token-file "$T/b.token"
exits 0 "B registers the same ID number" S b case add name=王秀瑛 \
    category=low_income id_number=$IDNUM
XB=$OUT
for r in office b; do exits 0 "$r syncs (duplicates)" S $r sync --quiet; done

python3 - "$TESTS_SRCDIR" "$URL" "$T" "$X" "$XB" >"$T/browser5.out" 2>"$T/browser5.err" <<'PY'
import os, sys, traceback
sys.path.insert(0, sys.argv[1])
from webdriver import Browser

url, tmp, xa, xb = sys.argv[2:6]


def check(cond, desc, why=""):
    print(("ok\t" if cond else "not ok\t") + desc + ("\t" + str(why) if not cond else ""),
          flush=True)
    return cond


try:
    d = os.path.join(tmp, "wd5")
    os.makedirs(d, exist_ok=True)
    with Browser(d) as b:
        b.get(url + "/admin/login")
        b.find("#user").send_keys("likz")
        b.find("#password").send_keys("县里的密码 2026")
        b.find("#login-button").click()
        b.wait("#stations")
        b.find('nav a[href="/admin/duplicates"]').click()
        row = b.wait("#duplicates tr.dup")
        check("疑似同一人" in b.find("h1").text, "the duplicates page, in Chinese",
              b.find("h1").text)
        check(row.attr("data-strength") == "strong", "the pair is strong",
              row.attr("data-strength"))
        check(b.find("#duplicates tr.dup .strength").text == "强", "... shown as 强",
              b.find("#duplicates tr.dup .strength").text)
        check(b.find("#duplicates tr.dup .reason").text == "身份证号相同",
              "the reason: the same ID number", b.find("#duplicates tr.dup .reason").text)
        text = row.text
        check("王秀英" in text and "王秀瑛" in text, "both cases by name", text)
        check("东风镇社工站" in text and "西河镇社工站" in text, "... with their stations", text)
        hrefs = b.execute("return Array.from(document.querySelectorAll("
                          "'#duplicates tr.dup a.transfer')).map(function (a) "
                          "{ return a.getAttribute('href'); });")
        check(sorted(hrefs) == sorted(["/admin/records/cases/%s#transfer-form" % i for i in (xa, xb)]),
              "a transfer link to each case page's transfer form", hrefs)
        b.screenshot(os.path.join(tmp, "duplicates.png"))
        b.find("#duplicates tr.dup form.dup-link input[name=note]").send_keys("同一人，已搬家")
        b.find("#duplicates tr.dup form.dup-link button").click()
        b.wait("#dup-saved")
        check(b.find("#duplicates tr.dup .decision").text == "已关联", "the pair is linked",
              b.find("#duplicates tr.dup .decision").text)
        check(b.find("#duplicates tr.dup form.dup-unlink") is not None,
              "... and can be undone")
        b.screenshot(os.path.join(tmp, "duplicates-linked.png"))
except Exception as e:
    check(False, "the duplicates browser session ran to its end",
          f"{type(e).__name__}: {e}".replace("\n", " ")[:400])
    traceback.print_exc(file=sys.stderr)
PY
while IFS=$'\t' read -r res desc why; do
    if [ "$res" = ok ]; then
        pass "$desc"
    else
        fail "$desc" "$why"
    fi
done <"$T/browser5.out"
[ -s "$T/browser5.err" ] && diag "$(head -c 3000 "$T/browser5.err")"
if [ -n "${SWSYNC_SCREENSHOT_DIR:-}" ]; then
    cp "$T"/duplicates*.png "$SWSYNC_SCREENSHOT_DIR"/ 2>/dev/null
fi
is "$(C duplicates list --json | json 'd[0]["state"] + " " + d[0]["note"]')" \
    "linked 同一人，已搬家" "the county holds the link and its note"
exits 0 "the office syncs (link)" S office sync --quiet
like "$(S office case show "$X")" "also served at 西河镇社工站" \
    "the office learns where else the person is served"


# ---- a one-time enrolment code as a QR code (issue 16 item 6) ---------------
# The admin makes a code on the 站点 page; the browser's picture of the
# QR code is decoded by zbarimg and must be exactly the command shown;
# a new station PC runs that command and syncs.

python3 - "$TESTS_SRCDIR" "$URL" "$T" >"$T/browser6.out" 2>"$T/browser6.err" <<'PY'
import os, subprocess, sys, traceback
sys.path.insert(0, sys.argv[1])
from webdriver import Browser

url, tmp = sys.argv[2:4]


def check(cond, desc, why=""):
    print(("ok\t" if cond else "not ok\t") + desc + ("\t" + str(why) if not cond else ""),
          flush=True)
    return cond


def browser():
    """A chromedriver that does not come up is tried again, twice at most."""
    for attempt in range(3):
        d = os.path.join(tmp, "wd6-%d" % attempt)
        os.makedirs(d, exist_ok=True)
        try:
            return Browser(d)
        except RuntimeError as e:
            if "did not start" not in str(e) or attempt == 2:
                raise
            print("# chromedriver did not start; again", file=sys.stderr)


try:
    with browser() as b:
        b.get(url + "/admin/login")
        b.find("#user").send_keys("likz")
        b.find("#password").send_keys("县里的密码 2026")
        b.find("#login-button").click()
        b.wait("#stations")
        form = b.find("#code-form")
        check("一次性登记码" in form.text, "the stations page offers a one-time enrolment code",
              form.text)
        b.execute("document.getElementById('code-station').value = 'A';")
        b.find("#code-device").send_keys("qr-pc")
        b.find("#code-form button").click()
        qr = b.wait("#enrol-qr")
        code = b.find("#enrol-code-value").text
        cmd = b.find("#enrol-command").text
        check(cmd == "swsync init --enrol %s --server %s" % (code, url),
              "the page shows the code and the command for the station's PC", cmd)
        check(b.find("#enrol-expires").text != "", "... and when the code expires")
        b.screenshot(os.path.join(tmp, "enrol-code.png"))
        b.execute("document.getElementById('enrol-qr').scrollIntoView();")
        png = qr.screenshot(os.path.join(tmp, "enrol-qr.png"))
        z = subprocess.run(["zbarimg", "--raw", "-q", png], capture_output=True, text=True)
        check(z.returncode == 0, "zbarimg decodes the browser's picture of the QR code",
              z.stderr.strip())
        got = z.stdout.rstrip("\n")
        check(got == cmd, "the QR code holds exactly the command shown", got)
        print("code\t" + code, flush=True)
except Exception as e:
    check(False, "the enrolment code browser session ran to its end",
          f"{type(e).__name__}: {e}".replace("\n", " ")[:400])
    traceback.print_exc(file=sys.stderr)
PY
ECODE=
while IFS=$'\t' read -r res desc why; do
    case $res in
    ok) pass "$desc" ;;
    code) ECODE=$desc ;;
    *) fail "$desc" "$why" ;;
    esac
done <"$T/browser6.out"
[ -s "$T/browser6.err" ] && diag "$(head -c 3000 "$T/browser6.err")"
if [ -n "${SWSYNC_SCREENSHOT_DIR:-}" ]; then
    cp "$T"/enrol-*.png "$SWSYNC_SCREENSHOT_DIR"/ 2>/dev/null
fi
exits 0 "a new PC runs the command the QR code holds" \
    S qrpc init --enrol "$ECODE" --server "$URL"
exits 0 "... and syncs" S qrpc sync --quiet
ok "the new PC holds station A's records" scope_equal "$T/qrpc.db" "$CDB" A
exits 77 "the code again: refused (used)" S qrpc2 init --enrol "$ECODE" --server "$URL"

county_stop
done_testing
