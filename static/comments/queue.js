// Keyboard triage on the moderation queue: j/k move between cards, a/s/r/d press the focused
// card's Approve/Spam/Reject/Delete button (a real form post; without this script the buttons
// work the same). Keys typed into a field, or with Ctrl/Alt/Meta, are left alone.
(function () {
  "use strict";

  function cards() {
    return Array.prototype.slice.call(document.querySelectorAll(".queue-card"));
  }

  function current() {
    var active = document.activeElement;
    var card = active && active.closest ? active.closest(".queue-card") : null;
    return card || document.querySelector(".queue-card.is-current");
  }

  function select(card) {
    if (!card) return;
    cards().forEach(function (other) {
      other.classList.toggle("is-current", other === card);
    });
    card.focus();
    card.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = cards();
    var index = all.indexOf(current());
    var next = index === -1 ? all[0] : all[Math.min(all.length - 1, Math.max(0, index + step))];
    select(next);
  }

  function start() {
    var all = cards();
    var keys = document.getElementById("queue-keys");
    if (!all.length) return;
    document.body.classList.add("has-shortcuts");
    if (keys) keys.hidden = false;
    var fromHash = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    select(fromHash && fromHash.classList.contains("queue-card") ? fromHash : all[0]);

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
      var target = event.target;
      if (target.closest && target.closest("input, textarea, select, summary, [contenteditable]")) {
        return;
      }
      var key = event.key;
      if (key === "j" || key === "k") {
        event.preventDefault();
        move(key === "j" ? 1 : -1);
        return;
      }
      var card = current();
      if (!card) return;
      var button = card.querySelector('button[data-shortcut="' + key + '"]');
      if (button) {
        event.preventDefault();
        button.click();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
