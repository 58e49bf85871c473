// rectiflow page script (served from this origin; the CSP forbids inline scripts).
// The lifecycle diagrams are drawn by static/diagram.js, only on the pages that have one.

// Inbox bulk actions: "select all" ticks every row's checkbox; the bar counts the selection.
(function () {
  var all = document.getElementById("pick-all");
  var count = document.getElementById("bulk-count");
  if (!all || !count) { return; }
  var picks = Array.prototype.slice.call(document.querySelectorAll("input.pick"));
  function update() {
    var n = picks.filter(function (p) { return p.checked; }).length;
    count.textContent = count.getAttribute("data-template").replace("{n}", String(n));
    all.checked = n > 0 && n === picks.length;
    all.indeterminate = n > 0 && n < picks.length;
  }
  all.addEventListener("change", function () {
    picks.forEach(function (p) { p.checked = all.checked; });
    update();
  });
  picks.forEach(function (p) { p.addEventListener("change", update); });
})();
