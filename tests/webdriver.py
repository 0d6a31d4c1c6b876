"""webdriver.py — a small W3C WebDriver client for the browser tests.

Only the standard library (urllib, json): it starts Debian's chromedriver
on a free port of 127.0.0.1, opens a headless Chromium session and speaks
the W3C WebDriver protocol to it (navigate, find elements by CSS, type,
click, read text, take screenshots).  Nothing leaves the machine:
Chromium is started with background networking, component updates and
sync turned off.

    with Browser(tmpdir) as b:
        b.get("http://127.0.0.1:8080/admin/")
        b.find("#user").send_keys("alice")
        b.find("#login-button").click()
        b.screenshot("page.png")
"""

import base64
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

# The W3C key of an element reference in a JSON answer.
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class WebDriverError(Exception):
    """An error answer of the driver: its W3C error code and message."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def find_tools():
    """(chromium, chromedriver) paths, or None for each one missing."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not driver and os.access("/usr/lib/chromium/chromedriver", os.X_OK):
        driver = "/usr/lib/chromium/chromedriver"
    return chromium, driver


class Element:
    def __init__(self, browser, ref):
        self.b = browser
        self.ref = ref

    def _cmd(self, method, path, body=None):
        return self.b.cmd(method, f"/element/{self.ref}{path}", body)

    def click(self):
        self._cmd("POST", "/click", {})

    def clear(self):
        self._cmd("POST", "/clear", {})

    def send_keys(self, text):
        self._cmd("POST", "/value", {"text": text})

    @property
    def text(self):
        return self._cmd("GET", "/text")

    def attr(self, name):
        return self._cmd("GET", f"/attribute/{name}")

    def prop(self, name):
        return self._cmd("GET", f"/property/{name}")

    @property
    def selected(self):
        return self._cmd("GET", "/selected")

    def find(self, css):
        v = self._cmd("POST", "/element", {"using": "css selector", "value": css})
        return Element(self.b, v[ELEMENT])

    def screenshot(self, path):
        """A PNG of this element alone (scrolled into view)."""
        png = base64.b64decode(self._cmd("GET", "/screenshot"))
        with open(path, "wb") as f:
            f.write(png)
        return path


class Browser:
    """A headless Chromium driven through chromedriver.

    tmpdir holds the profile and the driver's log; width x height is the
    window (the console is checked at 1366x768)."""

    def __init__(self, tmpdir, width=1366, height=768, timeout=30):
        chromium, driver = find_tools()
        if not chromium or not driver:
            raise RuntimeError("chromium and chromedriver are needed")
        self.timeout = timeout
        self.sid = None
        port = free_port()
        self.log = open(os.path.join(tmpdir, "chromedriver.log"), "wb")
        self.proc = subprocess.Popen(
            [driver, f"--port={port}", "--allowed-ips=127.0.0.1"],
            stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.time() + timeout
        while True:
            try:
                if self._req("GET", "/status").get("ready"):
                    break
            except (OSError, WebDriverError, ValueError):
                pass
            if time.time() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("chromedriver did not start")
            time.sleep(0.1)
        profile = os.path.join(tmpdir, "chromium-profile")
        os.makedirs(profile, exist_ok=True)
        args = ["--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions",
                "--no-first-run", "--no-default-browser-check",
                "--lang=zh-CN", f"--window-size={width},{height}",
                f"--user-data-dir={profile}"]
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args}}}}
        try:
            v = self._req("POST", "/session", caps)
        except Exception:
            self.close()
            raise
        self.sid = v["sessionId"]
        self.cmd("POST", "/timeouts", {"implicit": 0, "pageLoad": 30000,
                                       "script": 10000})
        self.set_window(width, height)

    # ---- protocol ---------------------------------------------------------

    def _req(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base + path, data=data, method=method,
            headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout + 30) as r:
                out = json.load(r)
        except urllib.error.HTTPError as e:
            try:
                v = json.load(e).get("value", {})
            except ValueError:
                v = {}
            raise WebDriverError(v.get("error", f"http {e.code}"),
                                 v.get("message", "")[:300]) from None
        return out.get("value")

    def cmd(self, method, path, body=None):
        return self._req(method, f"/session/{self.sid}{path}", body)

    # ---- the page ---------------------------------------------------------

    def get(self, url):
        self.cmd("POST", "/url", {"url": url})

    @property
    def url(self):
        return self.cmd("GET", "/url")

    @property
    def title(self):
        return self.cmd("GET", "/title")

    def set_window(self, width, height):
        self.cmd("POST", "/window/rect", {"width": width, "height": height})

    def execute(self, script, *args):
        return self.cmd("POST", "/execute/sync",
                        {"script": script, "args": list(args)})

    def find(self, css):
        v = self.cmd("POST", "/element", {"using": "css selector", "value": css})
        return Element(self, v[ELEMENT])

    def find_all(self, css):
        v = self.cmd("POST", "/elements", {"using": "css selector", "value": css})
        return [Element(self, e[ELEMENT]) for e in v]

    def wait(self, css, timeout=10):
        """The first element matching css, waiting up to timeout seconds."""
        deadline = time.time() + timeout
        while True:
            try:
                return self.find(css)
            except WebDriverError as e:
                if e.code != "no such element" or time.time() > deadline:
                    raise
            time.sleep(0.1)

    def screenshot(self, path):
        png = base64.b64decode(self.cmd("GET", "/screenshot"))
        with open(path, "wb") as f:
            f.write(png)
        return path

    # ---- the end ----------------------------------------------------------

    def close(self):
        if self.sid:
            try:
                self._req("DELETE", f"/session/{self.sid}")
            except (OSError, WebDriverError, ValueError):
                pass
            self.sid = None
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log:
            self.log.close()
            self.log = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
