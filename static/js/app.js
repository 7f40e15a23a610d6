// Progressive enhancement only: every form works without JavaScript.
//
// The language menu deliberately does NOT submit itself on "change": with the keyboard, arrowing
// through the options would reload the page at the first step (WCAG 3.2.2 "On Input", which
// GB/T 37668 follows). People pick a language and press the "切换" button next to it.
//
// No inline handlers anywhere (the Content-Security-Policy refuses them): a button with
// data-action="print" prints the page, a field with data-select-on-focus selects its text.
document.addEventListener("DOMContentLoaded", function () {
  // Mark the document as script-capable so CSS may style enhanced widgets.
  document.documentElement.classList.add("js");
});
document.addEventListener("click", function (event) {
  var target = event.target.closest ? event.target.closest("[data-action='print']") : null;
  if (target) window.print();
});
document.addEventListener("focusin", function (event) {
  if (event.target.hasAttribute && event.target.hasAttribute("data-select-on-focus")) event.target.select();
});
