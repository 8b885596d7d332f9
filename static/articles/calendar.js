// The editorial calendar's drag and drop: dropping a scheduled story on a day fills in its
// "Move…" form with that day and sends it. Without JavaScript the form works on its own.
"use strict";

(function () {
  let dragged = null;

  document.addEventListener("dragstart", (event) => {
    const entry = event.target.closest && event.target.closest(".calendar-entry[data-movable]");
    if (!entry) return;
    dragged = entry;
    entry.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", entry.querySelector("a").href);
  });

  document.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("dragging");
    document.querySelectorAll(".calendar-day.drop-target").forEach((cell) => cell.classList.remove("drop-target"));
    dragged = null;
  });

  function dayCell(event) {
    return dragged && event.target.closest ? event.target.closest(".calendar-day[data-day]") : null;
  }

  document.addEventListener("dragover", (event) => {
    const cell = dayCell(event);
    if (!cell) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    cell.classList.add("drop-target");
  });

  document.addEventListener("dragleave", (event) => {
    const cell = dayCell(event);
    if (cell && !cell.contains(event.relatedTarget)) cell.classList.remove("drop-target");
  });

  document.addEventListener("drop", (event) => {
    const cell = dayCell(event);
    if (!cell) return;
    event.preventDefault();
    const form = dragged.querySelector(".calendar-move form");
    const input = form.querySelector('input[name="day"]');
    if (input.value === cell.dataset.day) return;
    input.value = cell.dataset.day;
    form.requestSubmit();
  });
})();
