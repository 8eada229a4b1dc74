// Steward console: a little progressive enhancement. Every page works
// without it; it only asks before destructive forms and copies secrets.
(function () {
  "use strict";
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var msg = form.getAttribute && form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      ev.preventDefault();
    }
  });
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest ? ev.target.closest("[data-copy]") : null;
    if (!btn) return;
    var field = document.getElementById(btn.getAttribute("data-copy"));
    if (!field) return;
    var status = document.querySelector("[data-copy-status]");
    field.focus();
    field.select();
    var done = function () { if (status) status.textContent = "Copied to the clipboard."; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        if (status) status.textContent = "Press Ctrl+C (or ⌘C) to copy the selected token.";
      });
    } else if (document.execCommand && document.execCommand("copy")) {
      done();
    } else if (status) {
      status.textContent = "Press Ctrl+C (or ⌘C) to copy the selected token.";
    }
  });
  document.addEventListener("focusin", function (ev) {
    if (ev.target.hasAttribute && ev.target.hasAttribute("data-select-on-focus")) ev.target.select();
  });
  // Move focus to the first form error, so keyboard and screen-reader
  // users land where the problem is.
  window.addEventListener("DOMContentLoaded", function () {
    var alert = document.querySelector(".alert-error");
    if (alert && !document.querySelector("[autofocus]")) {
      alert.setAttribute("tabindex", "-1");
      alert.focus();
    }
  });
})();
