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
  // Upload an APK with a progress bar: the file goes to the admin API as
  // the raw request body, with the session cookie and the CSRF token. On
  // success the browser opens the app's page; a refusal shows the API's
  // reasons.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var url = form.getAttribute && form.getAttribute("data-upload");
    if (!url) return;
    ev.preventDefault();
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
      fail("Choose an APK file to upload.");
      return;
    }
    var file = input.files[0];
    var q = [];
    ["account_id", "signer_override"].forEach(function (name) {
      var field = form.elements[name];
      if (field && field.value.trim() !== "") q.push(name + "=" + encodeURIComponent(field.value.trim()));
    });
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url + (q.length ? "?" + q.join("&") : ""));
    xhr.setRequestHeader("Content-Type", "application/vnd.android.package-archive");
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
    xhr.upload.onload = function () { status.textContent = "Uploaded; checking the APK…"; };
    xhr.onerror = function () { fail("The upload failed: the connection to the server was lost."); };
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 201 && body && body.app_id) {
        status.textContent = "Done.";
        window.location.assign("/console/apps/" + encodeURIComponent(body.app_id));
        return;
      }
      box.hidden = true;
      fail(body && body.error && body.error.message ? body.error.message : "The upload failed (HTTP " + xhr.status + ").");
    };
    xhr.send(file);
  });
  // Upload a shared file with a progress bar, as the APK upload above: the
  // file goes to the admin API as the raw request body, its name, the
  // description and the ticked targets in the query. On success the
  // browser opens the files list at the new file.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var url = form.getAttribute && form.getAttribute("data-upload-file");
    if (!url) return;
    ev.preventDefault();
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
      fail("Choose a file to upload.");
      return;
    }
    var file = input.files[0];
    var q = ["name=" + encodeURIComponent(file.name)];
    var desc = form.elements["description"];
    if (desc && desc.value.trim() !== "") q.push("description=" + encodeURIComponent(desc.value.trim()));
    form.querySelectorAll('input[name="target"]:checked').forEach(function (box) {
      q.push("target=" + encodeURIComponent(box.value));
    });
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url + "?" + q.join("&"));
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
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
    xhr.upload.onload = function () { status.textContent = "100 %; saving…"; };
    xhr.onerror = function () { fail("The upload failed: the connection to the server was lost."); };
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status === 201 && body && body.id) {
        status.textContent = "Done.";
        var done = form.getAttribute("data-done");
        window.location.assign(done + (done.indexOf("?") < 0 ? "?" : "&") + "uploaded=" + encodeURIComponent(body.id) +
          "#file-" + encodeURIComponent(body.id));
        return;
      }
      box.hidden = true;
      fail(body && body.error && body.error.message ? body.error.message : "The upload failed (HTTP " + xhr.status + ").");
    };
    xhr.send(file);
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
