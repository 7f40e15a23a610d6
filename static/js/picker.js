/* Searchable list-item picker: progressive enhancement of <select data-picker="items">.
   Without JavaScript the select still works: its options are grouped by kind (<optgroup>) and name the
   department. With it, a search box above the select hides the options that do not contain every typed
   word (code, title or department) and picks the only match left. */
(function () {
  "use strict";
  var selects = document.querySelectorAll("select[data-picker=items]");
  Array.prototype.forEach.call(selects, function (select, index) {
    var input = document.createElement("input");
    input.type = "search";
    input.className = "picker-search";
    input.id = (select.id || "picker-" + index) + "-search";
    input.setAttribute("autocomplete", "off");
    input.setAttribute("aria-controls", select.id);
    input.placeholder = select.getAttribute("data-picker-placeholder") || "输入关键词筛选事项，如 油烟、占道";
    var label = document.createElement("label");
    label.className = "visually-hidden";
    label.htmlFor = input.id;
    label.textContent = select.getAttribute("data-picker-label") || "筛选清单事项";
    var status = document.createElement("span");
    status.className = "muted small picker-status";
    status.setAttribute("aria-live", "polite");
    select.parentNode.insertBefore(label, select);
    select.parentNode.insertBefore(input, select);
    select.parentNode.insertBefore(status, select.nextSibling);

    input.addEventListener("input", function () {
      var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      var shown = [];
      Array.prototype.forEach.call(select.querySelectorAll("option"), function (option) {
        if (!option.value) { return; }
        var text = option.textContent.toLowerCase();
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        option.hidden = !match;
        option.disabled = !match && !option.selected;
        if (match) { shown.push(option); }
      });
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
      if (shown.length === 1) { select.value = shown[0].value; select.dispatchEvent(new Event("change")); }
      status.textContent = words.length ? (select.getAttribute("data-picker-count") || "匹配 %n 项").replace("%n", shown.length) : "";
    });
  });
})();
