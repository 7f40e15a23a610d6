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
  var timer = null, last = "", controller = null;

  function refresh() {
    var text = ((title && title.value) || "") + " " + ((description && description.value) || "");
    text = text.trim();
    if (text === last) { return; }
    last = text;
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    var params = new URLSearchParams({ q: text.slice(0, 500) });
    if (township && township.value) { params.set("township", township.value); }
    fetch(url + "?" + params.toString(), {
      credentials: "same-origin", headers: { "X-Requested-With": "fetch" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html === null) { return; }
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var fresh = holder.querySelector("#is-ours-result");
      var current = document.getElementById("is-ours-result");
      if (fresh && current) { current.replaceWith(fresh); panel = fresh; }
    }).catch(function () { /* offline or aborted: the preview button still works */ });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  }
  [title, description].forEach(function (el) { if (el) { el.addEventListener("input", schedule); } });

  // 可能已有人上报: cases of this township like the one being typed (cases:report_duplicates), same rhythm.
  var duplicatesUrl = form.getAttribute("data-duplicates-url");
  var latitude = form.querySelector("[name=latitude]");
  var longitude = form.querySelector("[name=longitude]");
  var dupTimer = null, dupLast = "", dupController = null;

  function refreshDuplicates() {
    var params = new URLSearchParams({
      q: (((title && title.value) || "") + " " + ((description && description.value) || "")).trim().slice(0, 1000)
    });
    if (township && township.value) { params.set("township", township.value); }
    if (latitude && longitude && latitude.value && longitude.value) {
      params.set("latitude", latitude.value);
      params.set("longitude", longitude.value);
    }
    var key = params.toString();
    if (key === dupLast) { return; }
    dupLast = key;
    if (dupController) { dupController.abort(); }
    dupController = window.AbortController ? new AbortController() : null;
    fetch(duplicatesUrl + "?" + key, {
      credentials: "same-origin", headers: { "X-Requested-With": "fetch" },
      signal: dupController ? dupController.signal : undefined
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html === null) { return; }
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var fresh = holder.querySelector("#duplicates-result");
      var current = document.getElementById("duplicates-result");
      if (fresh && current) { current.replaceWith(fresh); }
    }).catch(function () { /* offline or aborted: the preview button lists them too */ });
  }

  function scheduleDuplicates() {
    window.clearTimeout(dupTimer);
    dupTimer = window.setTimeout(refreshDuplicates, 400);
  }
  if (duplicatesUrl) {
    [title, description, latitude, longitude].forEach(function (el) {
      if (el) { el.addEventListener("input", scheduleDuplicates); el.addEventListener("change", scheduleDuplicates); }
    });
    if (township) { township.addEventListener("change", scheduleDuplicates); }
    if (title && title.value) { refreshDuplicates(); }
  }

  // Resident fields only matter for 群众点单: hide them until the box is ticked (still in the form without JS).
  var resident = form.querySelector("[name=from_resident]");
  var residentFields = form.querySelector(".resident-fields");
  if (resident && residentFields) {
    var sync = function () { residentFields.hidden = !resident.checked; };
    resident.addEventListener("change", sync);
    sync();
  }
  if (panel && title && title.value) { refresh(); }
})();
