// The request form's «Где»: picking another account in «Лицевой счет» puts that account's address in the field,
// but only while the field still holds one of the accounts' addresses (a place the tenant typed is left alone).
// Without this file the server does the same when the request is saved.
(function () {
  "use strict";
  var select = document.querySelector("select[name=account]");
  var place = document.querySelector("input[name=location]");
  if (!select || !place) { return; }
  var addresses = Array.prototype.map.call(select.options, function (option) { return option.dataset.address; });
  select.addEventListener("change", function () {
    var chosen = select.options[select.selectedIndex];
    if (chosen && chosen.dataset.address && addresses.indexOf(place.value.trim()) !== -1) {
      place.value = chosen.dataset.address;
    }
  });
})();
