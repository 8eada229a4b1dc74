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
  // A header checkbox ticks or clears every checkbox of its name on the page.
  document.addEventListener("change", function (ev) {
    var name = ev.target.getAttribute && ev.target.getAttribute("data-select-all");
    if (!name) return;
    document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (box) {
      box.checked = ev.target.checked;
    });
  });
  document.addEventListener("focusin", function (ev) {
    if (ev.target.hasAttribute && ev.target.hasAttribute("data-select-on-focus")) ev.target.select();
  });
  // upload sends a form's chosen file to the admin API as the raw request
  // body, with the session cookie and the CSRF token, and drives the
  // form's progress bar from the browser's upload events. o says what is
  // particular to one upload: the message when no file is chosen, the
  // query, the content type, what to say once the bytes are sent, and the
  // page to open after a 201 (nil: the answer was not what it should be).
  // A refusal shows the API's message.
  var upload = function (form, url, o) {
    var input = form.querySelector('input[type="file"]');
    var error = form.querySelector("#upload-error");
    var box = form.querySelector(".upload-progress");
    var bar = form.querySelector("progress");
    var status = form.querySelector("#upload-status");
    var button = form.querySelector('button[type="submit"]');
    var fail = function (msg) {
      error.textContent = msg;
      error.hidden = false;
      error.setAttribute("tabindex", "-1");
      error.focus();
      button.disabled = false;
    };
    error.hidden = true;
    if (!input.files || input.files.length === 0) {
      fail(o.empty);
      return;
    }
    var file = input.files[0];
    var q = o.query(file);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url + (q.length ? "?" + q.join("&") : ""));
    xhr.setRequestHeader("Content-Type", o.contentType(file));
    xhr.setRequestHeader("X-CSRF-Token", form.getAttribute("data-csrf"));
    xhr.setRequestHeader("Accept", "application/json");
    bar.max = file.size || 1;
    bar.value = 0;
    box.hidden = false;
    button.disabled = true;
    status.textContent = "0 %";
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      bar.max = e.total;
      bar.value = e.loaded;
      status.textContent = Math.floor(100 * e.loaded / e.total) + " %";
    };
    xhr.upload.onload = function () { status.textContent = o.sent; };
    xhr.onerror = function () { fail("The upload failed: the connection to the server was lost."); };
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      var next = xhr.status === 201 && body ? o.done(body) : null;
      if (next) {
        status.textContent = "Done.";
        window.location.assign(next);
        return;
      }
      box.hidden = true;
      fail(body && body.error && body.error.message ? body.error.message : "The upload failed (HTTP " + xhr.status + ").");
    };
    xhr.send(file);
  };
  // An APK: the account and a signer override in the query; on success the
  // browser opens the app's page.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var url = form.getAttribute && form.getAttribute("data-upload");
    if (!url) return;
    ev.preventDefault();
    upload(form, url, {
      empty: "Choose an APK file to upload.",
      query: function () {
        var q = [];
        ["account_id", "signer_override"].forEach(function (name) {
          var field = form.elements[name];
          if (field && field.value.trim() !== "") q.push(name + "=" + encodeURIComponent(field.value.trim()));
        });
        return q;
      },
      contentType: function () { return "application/vnd.android.package-archive"; },
      sent: "Uploaded; checking the APK…",
      done: function (body) { return body.app_id ? "/console/apps/" + encodeURIComponent(body.app_id) : null; }
    });
  });
  // A shared file: its name, the description and the ticked targets in the
  // query; on success the browser opens the files list at the new file.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var url = form.getAttribute && form.getAttribute("data-upload-file");
    if (!url) return;
    ev.preventDefault();
    upload(form, url, {
      empty: "Choose a file to upload.",
      query: function (file) {
        var q = ["name=" + encodeURIComponent(file.name)];
        var desc = form.elements["description"];
        if (desc && desc.value.trim() !== "") q.push("description=" + encodeURIComponent(desc.value.trim()));
        form.querySelectorAll('input[name="target"]:checked').forEach(function (box) {
          q.push("target=" + encodeURIComponent(box.value));
        });
        return q;
      },
      contentType: function (file) { return file.type || "application/octet-stream"; },
      sent: "100 %; saving…",
      done: function (body) {
        if (!body.id) return null;
        var done = form.getAttribute("data-done");
        return done + (done.indexOf("?") < 0 ? "?" : "&") + "uploaded=" + encodeURIComponent(body.id) +
          "#file-" + encodeURIComponent(body.id);
      }
    });
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
