/* "Is this ours?" while typing: progressive enhancement of the report form.
   Without JavaScript the "检查是否属本级职责" button posts the form and the page shows the same panel. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-is-ours-url]");
  if (!form || !window.fetch) { return; }
  var url = form.getAttribute("data-is-ours-url");
  var panel = document.getElementById("is-ours-result");
  var title = form.querySelector("[name=title]");
  var description = form.querySelector("[name=description]");
  var township = form.querySelector("[name=township]");
  var latitude = form.querySelector("[name=latitude]");
  var longitude = form.querySelector("[name=longitude]");

  function typed(limit) {
    return (((title && title.value) || "") + " " + ((description && description.value) || "")).trim().slice(0, limit);
  }

  // A panel (#id) replaced by the server's fragment while the clerk types: debounced, the previous request
  // aborted, nothing asked again while `key()` is unchanged.
  function livePanel(url, id, params, key) {
    var timer = null, last = "", controller = null;
    function refresh() {
      var query = params();
      var now = key ? key() : query.toString();
      if (now === last) { return; }
      last = now;
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new AbortController() : null;
      fetch(url + "?" + query.toString(), {
        credentials: "same-origin", headers: { "X-Requested-With": "fetch" },
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        return response.ok ? response.text() : null;
      }).then(function (html) {
        if (html === null) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#" + id);
        var current = document.getElementById(id);
        if (fresh && current) { current.replaceWith(fresh); }
      }).catch(function () { /* offline or aborted: the preview button still works */ });
    }
    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 400);
    }
    return { refresh: refresh, schedule: schedule };
  }

  var ours = livePanel(url, "is-ours-result", function () {
    var params = new URLSearchParams({ q: typed(500) });
    if (township && township.value) { params.set("township", township.value); }
    return params;
  }, function () { return typed(500); });
  [title, description].forEach(function (el) { if (el) { el.addEventListener("input", ours.schedule); } });

  // 可能已有人上报: cases of this township like the one being typed (cases:report_duplicates), same rhythm.
  var duplicatesUrl = form.getAttribute("data-duplicates-url");
  if (duplicatesUrl) {
    var duplicates = livePanel(duplicatesUrl, "duplicates-result", function () {
      var params = new URLSearchParams({ q: typed(1000) });
      if (township && township.value) { params.set("township", township.value); }
      if (latitude && longitude && latitude.value && longitude.value) {
        params.set("latitude", latitude.value);
        params.set("longitude", longitude.value);
      }
      return params;
    });
    [title, description, latitude, longitude].forEach(function (el) {
      if (el) { el.addEventListener("input", duplicates.schedule); el.addEventListener("change", duplicates.schedule); }
    });
    if (township) { township.addEventListener("change", duplicates.schedule); }
    if (title && title.value) { duplicates.refresh(); }
  }

  // Resident fields only matter for 群众点单: hide them until the box is ticked (still in the form without JS).
  var resident = form.querySelector("[name=from_resident]");
  var residentFields = form.querySelector(".resident-fields");
  if (resident && residentFields) {
    var sync = function () { residentFields.hidden = !resident.checked; };
    resident.addEventListener("change", sync);
    sync();
  }
  if (panel && title && title.value) { ours.refresh(); }
})();
