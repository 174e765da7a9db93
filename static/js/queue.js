// The dispatch queue's table refreshes itself every 30 s: the table alone is fetched with the filters the page was
// opened with and put in place of the old one. The filter form is not touched, so a filter half set stays as it is;
// focus and scroll stay where they were; a screen reader hears the new count of new requests, politely.
// Without this file the «Обновить» link in the table reloads the page.
(function () {
  "use strict";
  var PERIOD = 30000;
  var table = document.querySelector("[data-queue]");
  var announcer = document.querySelector("[data-queue-announce]");
  var badge = document.querySelector("[data-test=new-count]");
  if (!table || !window.fetch || !window.DOMParser) { return; }

  // Focus that was in the old table goes to the same link in the new one, or to the table when the link is gone
  // (its request was closed), rather than being lost to the page's top.
  function refocus(href) {
    var twin = href && Array.prototype.find.call(table.querySelectorAll("a[href]"), function (link) {
      return link.getAttribute("href") === href;
    });
    (twin || table).focus({ preventScroll: true });
  }

  function showCount(fresh) {
    var count = Number(fresh.dataset.new);
    if (badge) {
      badge.textContent = fresh.dataset.newText;
      badge.classList.toggle("text-bg-primary", count > 0);
      badge.classList.toggle("text-bg-secondary", count === 0);
    }
    document.title = (count > 0 ? "(" + count + ") " : "") + document.title.replace(/^\(\d+\) /, "");
    if (announcer && fresh.dataset.new !== table.dataset.new) { announcer.textContent = fresh.dataset.announce; }
  }

  function replace(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-queue]");
    if (!fresh) { return; }  // not the table (the login page after the session ended): keep the old one
    var active = document.activeElement;
    var focused = active && table.contains(active);
    var href = focused && active.getAttribute("href");
    var x = window.scrollX, y = window.scrollY;
    var wide = table.querySelector(".table-responsive");
    var across = wide ? wide.scrollLeft : 0;
    showCount(fresh);
    table.replaceWith(fresh);
    table = fresh;
    wide = table.querySelector(".table-responsive");
    if (wide) { wide.scrollLeft = across; }
    if (focused) { refocus(href); }
    window.scrollTo(x, y);
  }

  function refresh() {
    if (document.hidden) { setTimeout(refresh, PERIOD); return; }
    fetch(table.dataset.queueUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(replace)
      .catch(function () { /* offline for a moment: the next round tries again */ })
      .then(function () { setTimeout(refresh, PERIOD); });
  }

  setTimeout(refresh, PERIOD);
})();
