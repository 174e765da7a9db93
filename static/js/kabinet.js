// Kabinet's progressive enhancements: every page works without this file.
(function () {
  "use strict";

  // A double click must not send a form twice: the first submit disables the button.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      if (form.dataset.sent) { return; }
      form.dataset.sent = "1";
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        setTimeout(function () { button.disabled = true; }, 0);
      });
    });
  });

  // After a failed submit the error summary takes the focus, so a screen reader reads it first (its links lead to
  // the fields: following a #link focuses the field by itself).
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }

  // A table wider than the phone scrolls in its .table-responsive box: while it does, the box can be focused and
  // scrolled with the keyboard, and is named after its table's caption or the heading above it.
  function heading(box) {
    var caption = box.querySelector("caption");
    if (caption) { return caption.textContent.trim(); }
    for (var node = box; node && node !== document.body; node = node.parentElement) {
      for (var before = node.previousElementSibling; before; before = before.previousElementSibling) {
        if (/^H[1-6]$/.test(before.tagName)) { return before.textContent.trim(); }
      }
    }
    return "";
  }
  function scrollers() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", heading(box) || document.title);
      } else if (box.hasAttribute("role")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  scrollers();
  window.addEventListener("resize", scrollers);

  // Password generator and strength indicator; the server has the last word on submit.
  var tools = document.querySelector("[data-password-tools]");
  if (!tools) { return; }
  var form = tools.closest("form");
  var password = form.querySelector("input[data-password-strength]");
  var confirm = form.querySelector("input[name=password_confirm]");
  var bar = tools.querySelector("[data-strength-bar]");
  var text = tools.querySelector("[data-strength-text]");
  var labels = JSON.parse(tools.dataset.labels || "[]");
  tools.hidden = false;

  var ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  function generate() {
    var groups = [];
    var bytes = new Uint32Array(16);
    window.crypto.getRandomValues(bytes);
    for (var g = 0; g < 4; g++) {
      var group = "";
      for (var i = 0; i < 4; i++) { group += ALPHABET[bytes[g * 4 + i] % ALPHABET.length]; }
      groups.push(group);
    }
    return groups.join("-");
  }

  function field(name) {
    var input = form.querySelector("[name=" + name + "]");
    return input ? input.value : "";
  }

  var timer = null;
  function check() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var body = new FormData();
      body.append("password", password.value);
      ["login", "email", "first_name", "middle_name", "last_name", "csrf_token"].forEach(function (name) { body.append(name, field(name)); });
      fetch(tools.dataset.checkUrl, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (verdict) {
          if (!verdict) { return; }
          bar.className = "progress-bar strength-" + verdict.score + " w-strength-" + verdict.score;
          bar.parentNode.setAttribute("aria-valuenow", verdict.score);
          text.textContent = password.value ? (verdict.problems.join(" ") || labels[verdict.score] || "") : "";
        })
        .catch(function () { /* the indicator is a hint; the form still works */ });
    }, 250);
  }

  password.addEventListener("input", check);
  tools.querySelector("[data-generate]").addEventListener("click", function () {
    var value = generate();
    password.value = value;
    password.type = "text";
    if (confirm) { confirm.value = value; confirm.type = "text"; }
    tools.querySelector("[data-generated]").hidden = false;
    check();
  });
})();
