/* Admin accessibility: Django's autocomplete (select2) draws its own combobox whose name comes from the
   selected text only, so an empty box has no accessible name (axe-core aria-input-field-name). Give each
   combobox the label of the <select> it stands for, including in inline rows added later. */
(function () {
  "use strict";
  function labelFor(select) {
    if (select.getAttribute("aria-label")) { return select.getAttribute("aria-label"); }
    var label = select.id && document.querySelector("label[for='" + select.id + "']");
    if (label) { return label.textContent.replace(/[:：]\s*$/, "").trim(); }
    // Tabular inline rows have no <label>: use the column heading.
    var cell = select.closest("td");
    var table = select.closest("table");
    if (cell && table) {
      var index = Array.prototype.indexOf.call(cell.parentNode.children, cell);
      var th = table.querySelectorAll("thead th")[index];
      if (th) { return th.textContent.trim(); }
    }
    return "";
  }
  function name() {
    // The filter boxes' search icons (SelectFilter2) carry aria-label on a plain span: make them images.
    Array.prototype.forEach.call(document.querySelectorAll("span.help-tooltip[aria-label]:not([role])"), function (icon) {
      icon.setAttribute("role", "img");
    });
    Array.prototype.forEach.call(document.querySelectorAll("select.admin-autocomplete"), function (select) {
      var box = select.nextElementSibling && select.nextElementSibling.querySelector(".select2-selection");
      var text = labelFor(select);
      if (box && text && !box.getAttribute("aria-label")) {
        box.setAttribute("aria-label", text);
        box.removeAttribute("aria-labelledby");
        // The box's text span is a read-only "textbox" of its own (the chosen value): name it too.
        var rendered = box.querySelector(".select2-selection__rendered[role=textbox]");
        if (rendered) { rendered.setAttribute("aria-label", text); }
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    name();
    new MutationObserver(name).observe(document.body, { childList: true, subtree: true });
  });
})();
