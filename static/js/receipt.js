// The receipt's enhancements; without this file the page still prints from the browser's menu, the QR code still
// downloads with «Сохранить QR-код», and the requisites are still text to select.
(function () {
  "use strict";

  // "Печать": printing from a page needs JavaScript, so the button stays hidden without it.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // "Скопировать" beside each requisite: the clipboard is there only on https (and on 127.0.0.1).
  var details = document.querySelector("[data-copied]");
  if (details && navigator.clipboard && window.isSecureContext) {
    var status = details.querySelector("[data-copy-status]");
    details.querySelectorAll("[data-copy]").forEach(function (button) {
      var value = document.getElementById(button.dataset.copy);
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(value.textContent.trim()).then(function () {
          status.textContent = details.dataset.copied + ": " + value.textContent.trim();
        });
      });
    });
  }

  // "Поделиться": the QR code as a file for another app, where the browser can share files (phones, mostly). The
  // file is fetched beforehand: a browser shares only while the click that asked for it is fresh.
  var share = document.querySelector("[data-share-qr]");
  if (!share || !navigator.canShare) { return; }
  var name = share.dataset.name;
  if (!navigator.canShare({ files: [new File([""], name, { type: "image/png" })] })) { return; }
  fetch(share.dataset.shareQr, { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.blob() : Promise.reject(response.status); })
    .then(function (blob) {
      var file = new File([blob], name, { type: "image/png" });
      share.hidden = false;
      share.addEventListener("click", function () {
        navigator.share({ files: [file] }).catch(function () { /* the person closed the share sheet */ });
      });
    })
    .catch(function () { /* no file to share: the download link stays */ });
})();
