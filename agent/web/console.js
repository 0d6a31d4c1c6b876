/* swsync station console: search as you type and the ID number check.
   Every page works without this script (a running sync is followed by
   the page's own refresh, not by script). */
(function () {
  "use strict";

  /* GB 11643: the check character of the first 17 digits */
  function idCheck(s) {
    var w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    var c = "10X98765432", sum = 0;
    for (var i = 0; i < 17; i++) {
      var d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return null;
      sum += d * w[i];
    }
    return c.charAt(sum % 11);
  }

  function validDate(y, m, d) {
    var t = new Date(Date.UTC(y, m - 1, d));
    return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 &&
      t.getUTCDate() === d;
  }

  function setupIdnum(input) {
    var out = document.getElementById("idnum-check");
    var zh = document.documentElement.lang !== "en";
    function check() {
      var v = input.value.trim().toUpperCase();
      input.classList.remove("ok", "bad");
      if (out) out.textContent = "";
      if (v.length === 0) return;
      if (v.length < 18) {
        if (out) out.textContent = (zh ? "还差 " : "") + (18 - v.length) +
          (zh ? " 位" : " more");
        return;
      }
      var good = v.length === 18 && idCheck(v) === v.charAt(17);
      var y = +v.substr(6, 4), m = +v.substr(10, 2), d = +v.substr(12, 2);
      if (good && !validDate(y, m, d)) good = false;
      input.classList.add(good ? "ok" : "bad");
      if (out) out.textContent = good
        ? (zh ? "身份证号校验通过" : "ID number check digit is right")
        : (zh ? "身份证号不正确（校验位或出生日期不对），请核对"
              : "The ID number is wrong (check digit or birth date): check it");
      if (!good) return;
      var birth = document.getElementById("f-birth_date");
      if (birth && !birth.value)
        birth.value = v.substr(6, 4) + "-" + v.substr(10, 2) + "-" +
          v.substr(12, 2);
      var g = document.getElementById("f-gender");
      if (g && !g.value) g.value = (+v.charAt(16)) % 2 ? "male" : "female";
    }
    input.addEventListener("input", check);
    check();
  }

  function setupSearch(q) {
    var box = document.getElementById("results"), timer = null, seq = 0;
    if (!box) return;
    q.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var my = ++seq, v = q.value.trim();
        if (history.replaceState)
          history.replaceState(null, "", v ? "/search?q=" +
            encodeURIComponent(v) : "/search");
        if (!v) { box.innerHTML = ""; return; }
        fetch("/api/search?q=" + encodeURIComponent(v),
              {credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.text() : ""; })
          .then(function (html) { if (my === seq) box.innerHTML = html; });
      }, 150);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var id = document.querySelector("input[data-idnum]");
    if (id) setupIdnum(id);
    var q = document.getElementById("q");
    if (q) setupSearch(q);
  });
})();
