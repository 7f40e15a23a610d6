// Progressive enhancement only: every form works without JavaScript.
//
// The language menu deliberately does NOT submit itself on "change": with the keyboard, arrowing
// through the options would reload the page at the first step (WCAG 3.2.2 "On Input", which
// GB/T 37668 follows). People pick a language and press the "切换" button next to it.
document.addEventListener("DOMContentLoaded", function () {
  // Mark the document as script-capable so CSS may style enhanced widgets.
  document.documentElement.classList.add("js");
});
