// The receipt's "Печать" button: printing from a page needs JavaScript, so the button stays hidden without it
// (the browser's own "Print" still works, with the same print styles).
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
