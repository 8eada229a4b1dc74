// Steward console, policy editor: a certificate file chosen in a CA
// certificate's form is read into its text box, as PEM (a DER file is
// converted). Without JavaScript, paste the PEM instead.
(function () {
  "use strict";
  var pem = function (bytes) {
    var bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    var b64 = window.btoa(bin).replace(/(.{64})/g, "$1\n");
    return "-----BEGIN CERTIFICATE-----\n" + b64.replace(/\n$/, "") + "\n-----END CERTIFICATE-----\n";
  };
  document.addEventListener("change", function (ev) {
    var input = ev.target;
    var into = input.getAttribute && input.getAttribute("data-pem-into");
    if (!into || !input.files || input.files.length === 0) return;
    var box = document.getElementById(into);
    var reader = new FileReader();
    reader.onload = function () {
      var bytes = new Uint8Array(reader.result);
      var text = new TextDecoder("utf-8").decode(bytes);
      box.value = text.indexOf("-----BEGIN") >= 0 ? text : pem(bytes);
    };
    reader.readAsArrayBuffer(input.files[0]);
  });
  var alert = document.querySelector("[data-autofocus]");
  if (alert) alert.focus();
})();
