// Article form: show a thumbnail of the lead image as soon as one is chosen (autocomplete or the
// "+" upload popup). Without JavaScript the preview appears after saving.
"use strict";
(function () {
  function showPreview(box, select) {
    const id = select.value;
    if (!id) {
      box.replaceChildren(document.createTextNode("No lead image chosen."));
      return;
    }
    const url = box.dataset.previewUrl.replace(/0\/preview\.json$/, id + "/preview.json");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((data) => {
        const img = document.createElement("img");
        img.src = data.thumbnail;
        img.alt = data.alt;
        img.className = "admin-preview";
        const caption = document.createElement("p");
        caption.textContent = data.credit ? data.caption + " (Image source: " + data.credit + ")" : data.caption;
        box.replaceChildren(img, caption);
      })
      .catch(() => box.replaceChildren(document.createTextNode("Preview unavailable.")));
  }

  function init() {
    const box = document.querySelector(".lead-image-preview");
    const select = document.getElementById("id_lead_image");
    if (!box || !select) return;
    // Select2 (the admin's autocomplete) and the "+" popup announce changes through jQuery.
    if (window.django && window.django.jQuery) {
      window.django.jQuery(select).on("change", () => showPreview(box, select));
    } else {
      select.addEventListener("change", () => showPreview(box, select));
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
