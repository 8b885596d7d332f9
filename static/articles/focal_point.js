// Image form: click the picture to set its focal point. The two number fields below it are the
// form's real inputs (and work without JavaScript); this only fills them and shows the point.
"use strict";
(function () {
  function round(value) {
    return Math.round(Math.min(Math.max(value, 0), 1) * 100) / 100;
  }

  function init() {
    const picker = document.querySelector(".focal-picker");
    const inputX = document.getElementById("id_focal_x");
    const inputY = document.getElementById("id_focal_y");
    if (!picker || !inputX || !inputY) return;
    const image = picker.querySelector("img");
    const marker = picker.querySelector(".focal-picker__marker");

    function show() {
      marker.style.left = (parseFloat(inputX.value) || 0) * 100 + "%";
      marker.style.top = (parseFloat(inputY.value) || 0) * 100 + "%";
      marker.hidden = false;
    }

    image.addEventListener("click", (event) => {
      const box = image.getBoundingClientRect();
      inputX.value = round((event.clientX - box.left) / box.width);
      inputY.value = round((event.clientY - box.top) / box.height);
      inputX.dispatchEvent(new Event("change", { bubbles: true }));
      show();
    });
    inputX.addEventListener("input", show);
    inputY.addEventListener("input", show);
    picker.classList.add("focal-picker--active");
    show();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
