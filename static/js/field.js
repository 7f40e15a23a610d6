/* Field work on a phone, as progressive enhancement (every form works without this script):
   - "使用当前位置": browser geolocation fills latitude/longitude and says how accurate it is;
   - a Leaflet map to place or move the pin, only when the server configured a tile server
     (settings.MAP_TILE_URL; without it no map is drawn and no tile is requested);
   - photos: "拍照" (camera) and "从相册选择" controls, previews with remove buttons, and large photos
     re-encoded to JPEG in the browser before upload;
   - drafts: the report form's text is kept in localStorage until it is submitted;
   - an error message under a field disappears once the field is changed.
   Words and the map configuration come from the page (#field-data, cases/templatetags/field_tags.py). */
(function () {
  "use strict";
  var dataEl = document.getElementById("field-data");
  var data = dataEl ? JSON.parse(dataEl.textContent) : { t: {}, map: null, maxPhotos: 5 };
  var t = data.t || {};
  function fmt(s, values) {
    return String(s || "").replace(/%\((\w+)\)s/g, function (_, k) { return values[k]; });
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  /* --- Stale errors ----------------------------------------------------------------------------- */
  document.addEventListener("input", clearError, true);
  document.addEventListener("change", clearError, true);
  function clearError(event) {
    var field = event.target.closest && event.target.closest(".field.has-error");
    if (!field) { return; }
    field.classList.remove("has-error");
    Array.prototype.forEach.call(field.querySelectorAll(".errorlist"), function (list) { list.remove(); });
    Array.prototype.forEach.call(field.querySelectorAll("[aria-invalid]"), function (input) {
      input.removeAttribute("aria-invalid");
    });
  }

  /* --- Location and map ------------------------------------------------------------------------- */
  Array.prototype.forEach.call(document.querySelectorAll("[data-geo]"), function (box) {
    var lat = box.querySelector("[name=latitude]");
    var lon = box.querySelector("[name=longitude]");
    if (!lat || !lon) { return; }
    var status = box.querySelector(".geo-status") || box.appendChild(el("p", { "class": "geo-status", "aria-live": "polite" }));
    var button = el("button", { type: "button", "class": "btn btn-secondary geo-button" }, t.locate);
    box.insertBefore(button, box.querySelector(".geo-fields"));
    var marker = null, map = null;

    function set(latitude, longitude, note) {
      lat.value = Number(latitude).toFixed(6);
      lon.value = Number(longitude).toFixed(6);
      [lat, lon].forEach(function (input) { input.dispatchEvent(new Event("input", { bubbles: true })); });
      if (note) { status.textContent = note; }
      placeMarker();
    }
    function placeMarker() {
      if (!map || !lat.value || !lon.value) { return; }
      var at = [parseFloat(lat.value), parseFloat(lon.value)];
      if (isNaN(at[0]) || isNaN(at[1])) { return; }
      if (!marker) {
        marker = window.L.marker(at, { draggable: true, keyboard: true }).addTo(map);
        marker.on("dragend", function () { var p = marker.getLatLng(); set(p.lat, p.lng); });
      } else { marker.setLatLng(at); }
      map.setView(at, Math.max(map.getZoom(), 16));
    }

    button.addEventListener("click", function () {
      if (!navigator.geolocation) { status.textContent = t.noGeo; return; }
      status.textContent = t.locating;
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        button.disabled = false;
        set(pos.coords.latitude, pos.coords.longitude, fmt(t.located, { m: Math.round(pos.coords.accuracy) }));
      }, function (err) {
        button.disabled = false;
        status.textContent = err.code === 1 ? t.denied : t.unavailable;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
    [lat, lon].forEach(function (input) { input.addEventListener("change", placeMarker); });

    var holder = box.querySelector("[data-map]");
    if (holder && data.map && window.L) {
      holder.hidden = false;
      map = window.L.map(holder, { scrollWheelZoom: false }).setView(data.map.center, data.map.zoom);
      map.attributionControl.setPrefix("Leaflet");
      window.L.tileLayer(data.map.tileUrl, {
        attribution: data.map.attribution, subdomains: data.map.subdomains, maxZoom: 18
      }).addTo(map);
      map.on("click", function (e) { set(e.latlng.lat, e.latlng.lng); });
      var hint = el("p", { "class": "muted small" }, t.mapHint);
      holder.parentNode.insertBefore(hint, holder.nextSibling);
      placeMarker();
    }
  });

  /* --- Photos ----------------------------------------------------------------------------------- */
  var MAX_SIDE = 2048, QUALITY = 0.82, COMPRESS_OVER = 1024 * 1024;
  var KEEP_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"];
  function size(n) { return n > 1048576 ? (n / 1048576).toFixed(1) + " MB" : Math.round(n / 1024) + " KB"; }

  function compress(file) {
    // Small photos in an accepted format go up as they are; others are drawn on a canvas and re-encoded.
    if (!/^image\//.test(file.type) || (file.size <= COMPRESS_OVER && KEEP_TYPES.indexOf(file.type) !== -1)
        || !window.createImageBitmap || !HTMLCanvasElement.prototype.toBlob) {
      return Promise.resolve({ file: file });
    }
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = el("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || (blob.size >= file.size && KEEP_TYPES.indexOf(file.type) !== -1)) { resolve({ file: file }); return; }
          var name = file.name.replace(/\.[^.]+$/, "") + ".jpg";
          resolve({ file: new File([blob], name, { type: "image/jpeg", lastModified: Date.now() }), from: file.size });
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return { file: file }; });
  }

  Array.prototype.forEach.call(document.querySelectorAll("input[type=file][data-photos]"), function (input) {
    if (!window.DataTransfer) { return; }
    var kept = [];  // {file, note}
    var controls = el("div", { "class": "photo-controls" });
    var camera = el("button", { type: "button", "class": "btn photo-button" }, t.camera);
    var gallery = el("button", { type: "button", "class": "btn btn-secondary photo-button" }, t.gallery);
    var shot = el("input", { type: "file", accept: "image/*", capture: "environment", hidden: "", tabindex: "-1", "aria-hidden": "true" });
    var list = el("ul", { "class": "photo-previews" });
    var status = el("p", { "class": "muted small photo-status", "aria-live": "polite" });
    controls.appendChild(camera);
    controls.appendChild(gallery);
    input.classList.add("photo-native");
    input.parentNode.insertBefore(controls, input.nextSibling);
    controls.parentNode.insertBefore(shot, controls.nextSibling);
    controls.parentNode.insertBefore(list, shot.nextSibling);
    controls.parentNode.insertBefore(status, list.nextSibling);
    camera.addEventListener("click", function () { shot.click(); });
    gallery.addEventListener("click", function () { input.click(); });

    var busy = false;
    function add(files) {
      var incoming = Array.prototype.slice.call(files || []);
      if (!incoming.length) { sync(); return; }
      busy = true;
      Promise.all(incoming.map(compress)).then(function (results) {
        var notes = [];
        results.forEach(function (r) {
          if (kept.length >= data.maxPhotos) { notes.push(fmt(t.tooMany, { n: data.maxPhotos })); return; }
          kept.push({ file: r.file, note: r.from ? fmt(t.compressed, { from: size(r.from), to: size(r.file.size) }) : "" });
        });
        busy = false;
        sync(notes.filter(function (v, i, a) { return a.indexOf(v) === i; }).join(" "));
      });
    }
    function sync(note) {
      var dt = new DataTransfer();
      kept.forEach(function (k) { dt.items.add(k.file); });
      input.files = dt.files;
      list.textContent = "";
      kept.forEach(function (k, i) {
        var li = el("li", { "class": "photo-preview" });
        var img = el("img", { alt: k.file.name, src: URL.createObjectURL(k.file) });
        var remove = el("button", { type: "button", "class": "photo-remove", "aria-label": fmt(t.remove, { name: k.file.name }) }, "×");
        remove.addEventListener("click", function () { kept.splice(i, 1); sync(); });
        li.appendChild(img);
        if (k.note) { li.appendChild(el("span", { "class": "small muted" }, k.note)); }
        li.appendChild(remove);
        list.appendChild(li);
      });
      status.textContent = (kept.length ? fmt(t.photos, { n: kept.length }) : "") + (note ? " " + note : "");
    }
    input.addEventListener("change", function () {
      if (busy) { return; }
      // The native dialog replaces the input's files: what it returned is new, the kept list is the truth.
      var chosen = Array.prototype.slice.call(input.files).filter(function (f) {
        return !kept.some(function (k) { return k.file === f; });
      });
      add(chosen);
    });
    shot.addEventListener("change", function () { add(shot.files); shot.value = ""; });
  });

  /* --- Drafts ----------------------------------------------------------------------------------- */
  Array.prototype.forEach.call(document.querySelectorAll("form[data-draft-key]"), function (form) {
    var key = "chuishao:draft:" + form.getAttribute("data-draft-key");
    var store;
    try { store = window.localStorage; store.getItem(key); } catch (e) { return; }
    var status = form.querySelector(".draft-status");
    var names = (form.getAttribute("data-draft-fields") || "").split(/\s+/).filter(Boolean);
    function fields() {
      return names.map(function (n) { return form.querySelectorAll("[name='" + n + "']"); });
    }
    function now() { var d = new Date(); return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2); }
    function read() {
      var values = {};
      fields().forEach(function (nodes, i) {
        var first = nodes[0];
        if (!first) { return; }
        if (first.type === "radio") {
          var checked = Array.prototype.filter.call(nodes, function (n) { return n.checked; })[0];
          values[names[i]] = checked ? checked.value : "";
        } else if (first.type === "checkbox") {
          values[names[i]] = first.checked ? "1" : "";
        } else { values[names[i]] = first.value; }
      });
      return values;
    }
    function isEmpty(values) {
      return !["title", "description", "address"].some(function (n) { return values[n]; });
    }
    function clearButton() {
      var b = el("button", { type: "button", "class": "btn btn-secondary btn-small draft-clear" }, t.draftClear);
      b.addEventListener("click", function () {
        store.removeItem(key);
        form.reset();
        Array.prototype.forEach.call(form.querySelectorAll("input:not([type=hidden]):not([type=radio]):not([type=checkbox]), textarea"), function (n) { n.value = ""; });
        status.textContent = "";
      });
      return b;
    }
    var saved = null;
    try { saved = JSON.parse(store.getItem(key) || "null"); } catch (e) { saved = null; }
    if (saved && saved.values && isEmpty(read())) {
      fields().forEach(function (nodes, i) {
        var v = saved.values[names[i]];
        if (v === undefined || !nodes[0]) { return; }
        Array.prototype.forEach.call(nodes, function (n) {
          if (n.type === "radio") { n.checked = n.value === v; }
          else if (n.type === "checkbox") { n.checked = v === "1"; n.dispatchEvent(new Event("change")); }
          else { n.value = v; }
        });
      });
      if (status) { status.textContent = fmt(t.draftRestored, { time: saved.time }) + " "; status.appendChild(clearButton()); }
    }
    var timer = null, sent = false;
    form.addEventListener("input", function () {
      window.clearTimeout(timer);
      if (sent) { return; }
      timer = window.setTimeout(function () {
        var values = read();
        if (isEmpty(values)) { store.removeItem(key); return; }
        var time = now();
        store.setItem(key, JSON.stringify({ values: values, time: time }));
        if (status) { status.textContent = fmt(t.draftSaved, { time: time }) + " "; status.appendChild(clearButton()); }
      }, 300);
    });
    form.addEventListener("change", function () { form.dispatchEvent(new Event("input")); });
    form.addEventListener("submit", function (event) {
      // Only the real submit clears the draft; the "check" preview keeps it.
      var submitter = event.submitter;
      if (!submitter || submitter.name !== "preview") { sent = true; window.clearTimeout(timer); store.removeItem(key); }
    });
  });
})();
