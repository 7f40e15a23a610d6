/* The case map (cases/case_map.html): one marker per case with coordinates, each linking to its page.
   Loaded only when a tile server is configured (settings.MAP_TILE_URL). */
(function () {
  "use strict";
  var holder = document.getElementById("case-map");
  if (!holder || !window.L) { return; }
  var config = JSON.parse(document.getElementById("field-data").textContent).map;
  var points = JSON.parse(document.getElementById("case-points").textContent);
  var map = window.L.map(holder).setView(config.center, config.zoom);
  map.attributionControl.setPrefix("Leaflet");
  window.L.tileLayer(config.tileUrl, { attribution: config.attribution, subdomains: config.subdomains, maxZoom: 18 }).addTo(map);
  var bounds = [];
  points.forEach(function (p) {
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.number + " " + p.title;
    var popup = document.createElement("div");
    popup.appendChild(link);
    popup.appendChild(document.createElement("br"));
    popup.appendChild(document.createTextNode(p.state));
    window.L.marker([p.lat, p.lon], { title: p.number + " " + p.title, alt: p.number }).bindPopup(popup).addTo(map);
    bounds.push([p.lat, p.lon]);
  });
  if (bounds.length) { map.fitBounds(bounds, { maxZoom: 16, padding: [24, 24] }); }
})();
