// 添加一行 / 删除 on a table of rows (the notice's problem list, _macros.field rows kind). Progressive
// enhancement: without script the page has spare blank rows and a blank row is ignored by the server; with
// it one blank row shows and the others wait behind 添加一行. A
// removed row is emptied and hidden (so it is posted blank and ignored); an added row is the next hidden one,
// or a copy of the last with its fields emptied and renumbered (problems-3-kind …) up to data-max rows.
(function () {
  "use strict";
  function visible(rows) { return rows.filter(function (r) { return !r.hidden; }); }
  function clear(row) {
    row.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") { el.checked = false; } else { el.value = ""; }
      el.classList.remove("is-invalid");
    });
    row.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
  }
  document.querySelectorAll("[data-rows]").forEach(function (box) {
    var body = box.querySelector("tbody");
    var add = box.querySelector("[data-add-row]");
    var max = parseInt(box.getAttribute("data-max"), 10) || 20;
    function rows() { return Array.prototype.slice.call(body.querySelectorAll("[data-row]")); }
    function refresh() {
      var shown = visible(rows());
      shown.forEach(function (row, i) {
        row.querySelector("[data-row-no]").textContent = String(i + 1);
        row.querySelector("[data-remove-row]").hidden = shown.length < 2;
      });
      add.hidden = shown.length >= max;
    }
    function wire(row) {
      row.querySelector("[data-remove-row]").addEventListener("click", function () {
        clear(row);
        row.hidden = true;
        refresh();
      });
    }
    function blank(row) {
      return Array.prototype.every.call(row.querySelectorAll("input, select, textarea"), function (el) {
        return el.type === "checkbox" || el.type === "radio" ? !el.checked : !el.value;
      });
    }
    rows().forEach(wire);
    // One blank row to fill is enough on screen; the other spare ones wait behind 添加一行.
    rows().filter(blank).slice(1).forEach(function (row) { row.hidden = true; });
    add.addEventListener("click", function () {
      var all = rows();
      var spare = all.filter(function (r) { return r.hidden; })[0];
      if (!spare) {
        var last = all[all.length - 1];
        var index = all.length;
        spare = last.cloneNode(true);
        spare.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
          ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
            var value = el.getAttribute(attr);
            if (value) { el.setAttribute(attr, value.replace(/-\d+-/g, "-" + index + "-")); }
          });
        });
        clear(spare);
        body.appendChild(spare);
        wire(spare);
      }
      spare.hidden = false;
      refresh();
      var first = spare.querySelector("select, input, textarea");
      if (first) { first.focus(); }
    });
    refresh();
  });
}());
