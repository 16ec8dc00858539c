// Running totals of the Sachbericht's counts while typing. Without this script the page shows the
// saved totals; with it, each <output data-total="key"> sums the fields marked data-part="key".
(function () {
  "use strict";
  function update(key) {
    var sum = 0;
    document.querySelectorAll('[data-part="' + key + '"]').forEach(function (field) {
      var value = field.value.trim();
      if (/^[0-9]+$/.test(value)) { sum += parseInt(value, 10); }
    });
    document.querySelectorAll('[data-total="' + key + '"]').forEach(function (output) {
      output.textContent = sum.toLocaleString("de-DE");
    });
  }
  document.addEventListener("input", function (event) {
    var key = event.target.getAttribute && event.target.getAttribute("data-part");
    if (key) { update(key); }
  });
}());
