// The writing desk on the article form (see articles/desk_admin.py). Everything here is extra:
// with JavaScript off the form saves, the edit lock refuses stale saves, and an unsaved draft
// is offered back as a plain link.
// - autosave: what is typed goes to the editor's own draft every N seconds and when the tab is
//   hidden (never to the article);
// - leaving with unsaved changes asks first;
// - who else has the article open, refreshed every few seconds;
// - a live word count and reading time, headline and standfirst length hints;
// - tag suggestions as one types; a picture button that inserts a library picture.
"use strict";
(function () {
  const FIELDS = ["headline", "slug", "standfirst", "body", "tags", "seo_title", "seo_description"];
  const WORDS_PER_MINUTE = 230;
  const HEADLINE_FOR_SEARCH = 70;
  const STANDFIRST_AIM = 200;
  let editor = null;

  // The body editor (django-prose-editor) announces itself once it is ready.
  document.addEventListener("prose-editor:ready", (event) => {
    if (event.detail.textarea && event.detail.textarea.id === "id_body") {
      editor = event.detail.editor;
      document.dispatchEvent(new CustomEvent("desk:editor"));
    }
  });

  function csrfToken(form) {
    const input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, form, payload, keepalive) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: Boolean(keepalive),
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(form),
      },
      body: JSON.stringify(payload || {}),
    }).then((response) => (response.ok ? response.json() : Promise.reject(response.status)));
  }

  function text(html) {
    const doc = new DOMParser().parseFromString(html || "", "text/html");
    return doc.body.textContent || "";
  }

  function hint(input, id) {
    let box = document.getElementById(id);
    if (!box) {
      box = document.createElement("div");
      box.id = id;
      box.className = "help desk-hint";
      box.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", box);
    }
    return box;
  }

  // Autosave, leaving, presence ----------------------------------------------------------------

  function setUpAutosave(form, desk) {
    const values = () => {
      const out = {};
      for (const name of FIELDS) {
        const field = form.elements[name];
        if (field && typeof field.value === "string") out[name] = field.value;
      }
      return out;
    };
    const serial = () => JSON.stringify(values());
    let initial = serial();
    let lastSaved = initial;
    let submitting = false;
    // The editor may tidy the body as it starts: that is not a change anyone made.
    document.addEventListener("desk:editor", () => {
      if (!form.dataset.deskTouched) initial = lastSaved = serial();
    });
    form.addEventListener("input", () => (form.dataset.deskTouched = "1"));
    form.addEventListener("submit", () => (submitting = true));

    const status = document.getElementById("desk-autosave");
    const versionInput = form.elements.based_on_version;
    function autosave(keepalive) {
      const now = serial();
      if (!desk.dataset.autosaveUrl || now === lastSaved || submitting) return;
      const payload = {
        based_on_version: parseInt(versionInput ? versionInput.value : "0", 10) || 0,
        fields: values(),
      };
      post(desk.dataset.autosaveUrl, form, payload, keepalive)
        .then((data) => {
          lastSaved = now;
          if (status) status.textContent = data.message;
        })
        .catch(() => {
          if (status) status.textContent = "Autosave failed: save the form to keep your text.";
        });
    }
    const seconds = parseInt(desk.dataset.autosaveSeconds, 10) || 30;
    window.setInterval(() => autosave(false), seconds * 1000);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") autosave(true);
    });

    window.addEventListener("beforeunload", (event) => {
      if (submitting || serial() === initial) return;
      event.preventDefault();
      event.returnValue = "";
    });
  }

  function setUpPresence(form, desk) {
    const box = document.getElementById("desk-presence");
    if (!desk.dataset.presenceUrl || !box) return;
    function refresh() {
      post(desk.dataset.presenceUrl, form)
        .then((data) => {
          const names = data.others.map((other) => other.name);
          box.hidden = names.length === 0;
          box.textContent = names.length
            ? "Also open by " + names.join(", ") + ": save often, and whoever saves second sees the conflict."
            : "";
        })
        .catch(() => {});
    }
    const seconds = parseInt(desk.dataset.presenceSeconds, 10) || 20;
    window.setInterval(refresh, seconds * 1000);
  }

  // Counts and hints ---------------------------------------------------------------------------

  function setUpCounts(form) {
    const body = form.elements.body;
    if (body) {
      const box = document.createElement("p");
      box.id = "desk-counts";
      box.className = "help desk-counts";
      box.setAttribute("aria-live", "polite");
      const field = body.closest(".form-row") || body.parentElement;
      field.appendChild(box);
      const update = () => {
        const words = (text(body.value).match(/\S+/g) || []).length;
        const minutes = Math.max(1, Math.round(words / WORDS_PER_MINUTE));
        box.textContent = `${words} word${words === 1 ? "" : "s"} · about ${minutes} min read`;
      };
      body.addEventListener("input", update);
      update();
    }
    const headline = form.elements.headline;
    if (headline) {
      const box = hint(headline, "desk-headline-hint");
      const update = () => {
        const n = headline.value.length;
        box.textContent =
          n <= HEADLINE_FOR_SEARCH
            ? `${n} characters: fits in search results (about ${HEADLINE_FOR_SEARCH}).`
            : `${n} characters: search results cut it after about ${HEADLINE_FOR_SEARCH}; set a shorter SEO title below.`;
        box.classList.toggle("desk-over", n > HEADLINE_FOR_SEARCH);
      };
      headline.addEventListener("input", update);
      update();
    }
    const standfirst = form.elements.standfirst;
    if (standfirst) {
      const box = hint(standfirst, "desk-standfirst-hint");
      const update = () => {
        const n = standfirst.value.length;
        box.textContent =
          n <= STANDFIRST_AIM
            ? `${n} characters (one or two sentences: aim for under ${STANDFIRST_AIM}).`
            : `${n} characters: long for a standfirst; aim for under ${STANDFIRST_AIM}.`;
        box.classList.toggle("desk-over", n > STANDFIRST_AIM);
      };
      standfirst.addEventListener("input", update);
      update();
    }
  }

  // Tag suggestions ----------------------------------------------------------------------------

  function setUpTags(form, desk) {
    const input = form.elements.tags;
    if (!input || !desk.dataset.tagsUrl) return;
    const list = document.createElement("datalist");
    list.id = "desk-tag-suggestions";
    input.setAttribute("list", list.id);
    input.setAttribute("autocomplete", "off");
    input.insertAdjacentElement("afterend", list);
    let timer = null;
    input.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => {
        const parts = input.value.split(",");
        const typing = parts.pop().trim();
        const chosen = new Set(parts.map((part) => part.trim().toLowerCase()).filter(Boolean));
        if (!typing) return list.replaceChildren();
        const url = desk.dataset.tagsUrl + "?q=" + encodeURIComponent(typing);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
          .then((data) => {
            const before = parts.map((part) => part.trim()).filter(Boolean);
            list.replaceChildren(
              ...data.tags
                .filter((name) => !chosen.has(name.toLowerCase()))
                .map((name) => {
                  const option = document.createElement("option");
                  option.value = [...before, name].join(", ");
                  option.textContent = name;
                  return option;
                })
            );
          })
          .catch(() => {});
      }, 150);
    });
  }

  // The picture button -------------------------------------------------------------------------

  function el(tag, props, children) {
    const node = Object.assign(document.createElement(tag), props || {});
    for (const child of children || []) node.append(child);
    return node;
  }

  function setUpPictures(form, desk) {
    const body = form.elements.body;
    if (!body || !desk.dataset.picturesUrl) return;
    const button = el("button", {
      type: "button",
      className: "button desk-picture-button",
      textContent: "Insert a picture from the library…",
    });
    const search = el("input", { type: "search", id: "desk-picture-search", placeholder: "Search captions, credits…" });
    search.setAttribute("aria-label", "Search the image library");
    const results = el("ul", { className: "desk-pictures", id: "desk-picture-results" });
    const caption = el("input", { type: "text", id: "desk-picture-caption", size: 60 });
    const credit = el("input", { type: "text", id: "desk-picture-credit", size: 40 });
    const insert = el("button", { type: "button", className: "default", textContent: "Insert picture", disabled: true });
    const cancel = el("button", { type: "button", textContent: "Cancel" });
    // Upload: the library's own form and rules, answered with the new picture, chosen at once.
    const file = el("input", { type: "file", id: "desk-upload-file", accept: "image/jpeg,image/png,image/webp,image/gif" });
    const alt = el("input", { type: "text", id: "desk-upload-alt", size: 50 });
    const newCaption = el("input", { type: "text", id: "desk-upload-caption", size: 50 });
    const newCredit = el("input", { type: "text", id: "desk-upload-credit", size: 30 });
    const send = el("button", { type: "button", textContent: "Upload to the library" });
    const uploadStatus = el("p", { className: "help", id: "desk-upload-status" });
    uploadStatus.setAttribute("aria-live", "polite");
    const labelled = (input, text) => el("p", {}, [el("label", { htmlFor: input.id, textContent: text }), input]);
    const upload = el("details", { className: "desk-upload" }, [
      el("summary", { textContent: "Upload a new picture" }),
      labelled(file, "Picture "),
      labelled(alt, "Alt text (what it shows, for people who cannot see it) "),
      labelled(newCaption, "Caption "),
      labelled(newCredit, "Credit "),
      el("p", {}, [send]),
      uploadStatus,
    ]);
    const dialog = el("dialog", { className: "desk-picture-dialog", id: "desk-picture-dialog" }, [
      el("h2", { textContent: "Insert a picture" }),
      el("p", {}, [search]),
      results,
      el("p", {}, [upload]),
      el("p", {}, [el("label", { htmlFor: caption.id, textContent: "Caption " }), caption]),
      el("p", {}, [el("label", { htmlFor: credit.id, textContent: "Credit " }), credit]),
      el("p", {}, [insert, " ", cancel]),
    ]);
    let chosen = null;

    function choose(picture, pick) {
      chosen = picture;
      for (const other of results.querySelectorAll(".desk-picture")) other.setAttribute("aria-pressed", "false");
      if (pick) pick.setAttribute("aria-pressed", "true");
      caption.value = picture.caption || "";
      credit.value = picture.credit || "";
      insert.disabled = false;
    }

    send.addEventListener("click", () => {
      if (!file.files.length) {
        uploadStatus.textContent = "Choose a picture file first.";
        return;
      }
      const data = new FormData();
      data.append("file", file.files[0]);
      data.append("alt_text", alt.value);
      data.append("caption", newCaption.value);
      data.append("credit", newCredit.value);
      uploadStatus.textContent = "Uploading…";
      fetch(desk.dataset.uploadUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken(form) },
        body: data,
      })
        .then((response) => response.json().then((answer) => ({ ok: response.ok, answer })))
        .then(({ ok, answer }) => {
          if (!ok) {
            uploadStatus.textContent = answer.error || "Not uploaded.";
            return;
          }
          uploadStatus.textContent = "Uploaded and chosen: check the caption and credit, then insert it.";
          search.value = "";
          load(answer.picture.id);
          choose(answer.picture, null);
        })
        .catch(() => (uploadStatus.textContent = "Not uploaded: the library could not be reached."));
    });

    function load(selectId) {
      const url = desk.dataset.picturesUrl + "?q=" + encodeURIComponent(search.value.trim());
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then((data) => {
          if (!data.pictures.length) {
            results.replaceChildren(el("li", { textContent: "No picture matches." }));
            return;
          }
          results.replaceChildren(
            ...data.pictures.map((picture) => {
              const pick = el("button", { type: "button", className: "desk-picture" }, [
                el("img", { src: picture.thumbnail, alt: picture.alt, width: 120 }),
                el("span", { textContent: picture.caption || picture.alt }),
              ]);
              pick.addEventListener("click", () => choose(picture, pick));
              if (picture.id === selectId) pick.setAttribute("aria-pressed", "true");
              return el("li", {}, [pick]);
            })
          );
        })
        .catch(() => results.replaceChildren(el("li", { textContent: "The library could not be searched." })));
    }

    let timer = null;
    search.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => load(), 200);
    });
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault(); // not the article form's submit
    });
    button.addEventListener("click", () => {
      chosen = null;
      insert.disabled = true;
      dialog.showModal();
      uploadStatus.textContent = "";
      load();
      search.focus();
    });
    cancel.addEventListener("click", () => dialog.close());
    insert.addEventListener("click", () => {
      if (!chosen) return;
      const words = [caption.value.trim(), credit.value.trim() ? `(Image source: ${credit.value.trim()})` : ""]
        .filter(Boolean)
        .join(" ");
      const figure = el("figure", {}, [el("img", { src: chosen.src, alt: chosen.alt })]);
      if (words) figure.append(el("figcaption", { textContent: words }));
      if (editor) {
        editor.chain().focus().insertContent(figure.outerHTML).run();
      } else {
        body.value += figure.outerHTML;
        body.dispatchEvent(new Event("input", { bubbles: true }));
      }
      dialog.close();
    });
    const field = body.closest(".form-row") || body.parentElement;
    field.insertAdjacentElement("afterbegin", button);
    document.body.append(dialog);
  }

  function init() {
    const desk = document.getElementById("writing-desk");
    const form = desk && desk.closest("form");
    if (!form) return;
    setUpAutosave(form, desk);
    setUpPresence(form, desk);
    setUpCounts(form);
    setUpTags(form, desk);
    setUpPictures(form, desk);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
