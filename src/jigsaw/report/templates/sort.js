/* Progressive enhancement: sort the table by a column; the page reads the same without it. */
(function () {
  var table = document.getElementById("areas-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  table.querySelectorAll("th button").forEach(function (button) {
    button.addEventListener("click", function () {
      var col = Number(button.getAttribute("data-col"));
      var numeric = button.hasAttribute("data-num");
      var up = button.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th button").forEach(function (b) { b.removeAttribute("aria-sort"); });
      button.setAttribute("aria-sort", up ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute("data-sort") || a.cells[col].textContent;
        var y = b.cells[col].getAttribute("data-sort") || b.cells[col].textContent;
        if (numeric) {
          x = parseFloat(x); y = parseFloat(y);
          if (isNaN(x) || isNaN(y)) { return isNaN(x) === isNaN(y) ? 0 : (isNaN(x) ? 1 : -1); }  /* blanks last */
        }
        return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1);
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
})();
