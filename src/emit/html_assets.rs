//! mdl-report.html's inline style and scripts: the page needs no network, so they are part
//! of the file. One script, first in the page, writes any error the page meets into the
//! page itself (`#page-errors`); the other sorts a table by the column whose header is
//! clicked.

/// The page's style: readable tables, numbers right-aligned, the plot as wide as the page.
pub const CSS: &str = r#"
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
  max-width: 72rem; padding: 0 1rem; color: #1a1a1a; line-height: 1.45; }
h1 small { font-weight: normal; color: #555; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.92rem; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid #ddd; text-align: left; }
thead th { border-bottom: 2px solid #555; white-space: nowrap; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
th button { font: inherit; font-weight: bold; border: 0; background: none; padding: 0;
  cursor: pointer; color: inherit; }
th[aria-sort="ascending"] button::after { content: " \25B2"; }
th[aria-sort="descending"] button::after { content: " \25BC"; }
td.run { font-family: ui-monospace, monospace; max-width: 28rem; overflow-wrap: anywhere; }
tr.none td { color: #777; }
figure { margin: 0; }
figure svg { max-width: 100%; height: auto; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 0.2rem 1rem; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; }
code, .digest { font-family: ui-monospace, monospace; font-size: 0.85rem; overflow-wrap: anywhere; }
#page-errors { color: #b00020; white-space: pre-wrap; }
"#;

/// The first script of the page: any error (a script's, or a file that cannot load) and
/// any `console.error` is written into `#page-errors`, so that a reader sees it.
pub const ERRORS: &str = r#"
(function () {
  var seen = [];
  function show() {
    var box = document.getElementById("page-errors");
    if (box && seen.length) { box.textContent = seen.join("\n"); box.hidden = false; }
  }
  function note(message) { seen.push(String(message)); show(); }
  window.addEventListener("error", function (event) {
    var target = event.target;
    var failed = target && target !== window && (target.src || target.href);
    note(failed ? "cannot load " + failed : event.message);
  }, true);
  window.addEventListener("unhandledrejection", function (event) { note(event.reason); });
  var consoleError = console.error;
  console.error = function () {
    note(Array.prototype.join.call(arguments, " "));
    return consoleError.apply(console, arguments);
  };
  document.addEventListener("DOMContentLoaded", show);
})();
"#;

/// The sorting script: a header's button sorts its table by that column, ascending, then
/// descending; numbers by value (their `data-sort`), text as text, empty cells last.
pub const SORT: &str = r#"
(function () {
  function key(row, column) {
    var cell = row.cells[column];
    if (!cell) { return null; }
    var sort = cell.getAttribute("data-sort");
    if (sort !== null) { var number = parseFloat(sort); return isNaN(number) ? null : number; }
    var text = cell.textContent.trim();
    return text === "" ? null : text;
  }
  function compare(a, b) {
    if (a === null || b === null) { return a === b ? 0 : (a === null ? 1 : -1); }
    if (typeof a === "number" && typeof b === "number") { return a - b; }
    return String(a).localeCompare(String(b));
  }
  function sortBy(table, header, column) {
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      cell.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var ka = key(a, column), kb = key(b, column);
      var order = compare(ka, kb);
      return ka === null || kb === null || ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, column) {
      var button = header.querySelector("button");
      if (button) {
        button.addEventListener("click", function () { sortBy(table, header, column); });
      }
    });
  });
})();
"#;
