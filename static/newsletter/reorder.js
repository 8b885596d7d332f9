// Stories in an issue reorder by dragging their rows (or with the row's Move up / Move down
// buttons, for the keyboard); either way the Position fields are renumbered 0, 1, 2... in the
// order shown, and saving the form saves that order. Without this script the Position fields
// are the way to reorder.
(function () {
  "use strict";

  function start() {
    var group = document.getElementById("items-group");
    if (!group) return;
    var body = group.querySelector("tbody");
    if (!body || !body.querySelector('input[name$="-position"]')) return;
    var dragged = null;

    function rows() {
      return Array.prototype.filter.call(body.querySelectorAll("tr.form-row"), function (row) {
        return !row.classList.contains("empty-form") && row.querySelector('input[name$="-position"]');
      });
    }

    // A blank extra row keeps its value: changing it would make Django validate it as a story.
    function holdsStory(row) {
      var article = row.querySelector('select[name$="-article"], input[name$="-article"]');
      return row.classList.contains("has_original") || (article && article.value);
    }

    function renumber() {
      var index = 0;
      rows().forEach(function (row) {
        if (holdsStory(row)) row.querySelector('input[name$="-position"]').value = index++;
      });
    }

    function button(label, className, step) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "story-move " + className;
      b.textContent = label;
      b.addEventListener("click", function () {
        var row = b.closest("tr");
        var all = rows();
        var index = all.indexOf(row);
        var target = all[index + step];
        if (!target) return;
        body.insertBefore(row, step < 0 ? target : target.nextSibling);
        renumber();
        b.focus();
      });
      return b;
    }

    function prepare(row) {
      if (row.dataset.reorder) return;
      row.dataset.reorder = "1";
      row.draggable = true;
      row.classList.add("story-row");
      var cell = row.querySelector("td.field-position");
      if (cell) {
        var handle = document.createElement("span");
        handle.className = "story-drag-handle";
        handle.title = "Drag to reorder";
        handle.setAttribute("aria-hidden", "true");
        handle.textContent = "\u2195";
        cell.insertBefore(handle, cell.firstChild);
        var tools = document.createElement("span");
        tools.className = "story-move-tools";
        tools.appendChild(button("Move up", "story-move--up", -1));
        tools.appendChild(button("Move down", "story-move--down", 1));
        cell.appendChild(tools);
      }
      row.addEventListener("dragstart", function (event) {
        if (event.target.closest && event.target.closest("input, select, .select2")) {
          event.preventDefault();
          return;
        }
        dragged = row;
        row.classList.add("is-dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", row.id || "");
      });
      row.addEventListener("dragend", function () {
        row.classList.remove("is-dragging");
        dragged = null;
        renumber();
      });
      row.addEventListener("dragover", function (event) {
        if (!dragged || dragged === row) return;
        event.preventDefault();
        // Moving up, the dragged row goes above the row under the pointer; moving down, below.
        var all = rows();
        var after = all.indexOf(dragged) < all.indexOf(row);
        body.insertBefore(dragged, after ? row.nextSibling : row);
      });
      row.addEventListener("drop", function (event) {
        event.preventDefault();
        renumber();
      });
    }

    rows().forEach(prepare);
    // Rows added with "Add another" join in (Django's inlines fire this event).
    document.addEventListener("formset:added", function (event) {
      var row = event.target;
      if (row && row.closest && row.closest("#items-group")) {
        prepare(row);
        renumber();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
