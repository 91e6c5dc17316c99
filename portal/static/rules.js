// Ticks the length and confirmation rules of a new-password form as the user types. The
// page works the same without it: the server checks every rule when the form is sent.
(function () {
  "use strict";
  function nfkc(s) {
    return s.normalize ? s.normalize("NFKC") : s;
  }
  function count(s) {
    return Array.from(nfkc(s)).length;
  }
  function start() {
    var list = document.getElementById("rules");
    var pw = document.getElementById("new-password");
    var confirm = document.getElementById("confirm-password");
    if (!list || !pw || !confirm) return;
    var min = parseInt(list.getAttribute("data-min"), 10) || 0;
    var max = parseInt(list.getAttribute("data-max"), 10) || 0;
    var passText = list.getAttribute("data-pass") || "";
    var failText = list.getAttribute("data-fail") || "";
    function mark(rule, ok, touched) {
      var li = list.querySelector('li[data-rule="' + rule + '"]');
      if (!li) return;
      li.classList.remove("pass", "fail");
      var state = li.querySelector(".state");
      var text = li.querySelector(".text");
      if (text && li.hasAttribute("data-plain")) text.textContent = li.getAttribute("data-plain");
      if (!touched) {
        if (state) state.textContent = "";
        return;
      }
      li.classList.add(ok ? "pass" : "fail");
      if (state) state.textContent = ok ? passText : failText;
    }
    function update() {
      var n = count(pw.value);
      var touched = pw.value.length > 0;
      mark("length.min", n >= min, touched);
      if (max > 0) mark("length.max", n <= max, touched);
      mark("confirm", confirm.value.length > 0 && nfkc(pw.value) === nfkc(confirm.value), confirm.value.length > 0);
    }
    pw.addEventListener("input", update);
    confirm.addEventListener("input", update);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
