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
  // filters apply as soon as a choice changes (not a form that writes:
  // choosing the field to correct must not send the correction)
  var filters = 'form.filters:not([method="post"]) select';
  document.querySelectorAll(filters).forEach(function (s) {
    s.addEventListener("change", function () {
      s.form.submit();
    });
  });
  // typing a new value chooses "enter a new value"
  var nv = document.getElementById("new-value");
  var keep = document.getElementById("keep-value");
  if (nv && keep) {
    ["input", "change"].forEach(function (ev) {
      nv.addEventListener(ev, function () {
        keep.checked = true;
      });
    });
    keep.addEventListener("change", function () {
      if (keep.checked) {
        nv.focus();
      }
    });
  }
  // the correction form: a choice field's value is chosen from its
  // labels, in the select for that field, instead of the text box
  var field = document.getElementById("correct-field");
  var textBox = document.getElementById("correct-text");
  if (field && textBox) {
    var show = function () {
      var any = false;
      document.querySelectorAll("label.choice-value").forEach(function (l) {
        var on = l.getAttribute("data-field") === field.value;
        l.hidden = !on;
        any = any || on;
      });
      textBox.hidden = any;
    };
    field.addEventListener("change", show);
    show();
  }
})();
