/* swsync county console: a little help on top of plain forms.  Every
   page works without it. */
(function () {
  "use strict";
  // forms that ask before they do something that cannot be undone
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) {
        e.preventDefault();
      }
    });
  });
  // filters apply as soon as a choice changes
  document.querySelectorAll("form.filters select").forEach(function (s) {
    s.addEventListener("change", function () {
      s.form.submit();
    });
  });
  // typing a new value chooses "enter a new value"
  var nv = document.getElementById("new-value");
  var keep = document.getElementById("keep-value");
  if (nv && keep) {
    nv.addEventListener("input", function () {
      keep.checked = true;
    });
    keep.addEventListener("change", function () {
      if (keep.checked) {
        nv.focus();
      }
    });
  }
})();
