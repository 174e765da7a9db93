// The request form's «Где»: picking another account in «Лицевой счет» puts that account's address in the field,
// but only while the field still holds one of the accounts' addresses (a place the tenant typed is left alone).
// Without this file the server does the same when the request is saved.
(function () {
  "use strict";
  var select = document.querySelector("select[data-addresses]");
  var place = document.querySelector("input[name=location]");
  if (!select || !place) { return; }
  var addresses = JSON.parse(select.dataset.addresses);
  var known = Object.keys(addresses).map(function (id) { return addresses[id]; });
  select.addEventListener("change", function () {
    var chosen = addresses[select.value];
    if (chosen && known.indexOf(place.value.trim()) !== -1) { place.value = chosen; }
  });
})();
