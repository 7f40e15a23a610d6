// Progressive enhancement only: every form works without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    var form = select.form;
    var button = form && form.querySelector(".lang-submit");
    if (button) { button.classList.add("visually-hidden"); }
    select.addEventListener("change", function () { form.submit(); });
  });
});
