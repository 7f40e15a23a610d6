// Progressive enhancement for the draft editor: ask before destructive POSTs. Without JavaScript the
// forms still work (the server accepts the POST directly).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
});
