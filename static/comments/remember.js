// "Save my name, email and website in this browser for the next time I comment": off unless
// ticked. Ticked, the three fields are kept in a cookie of this browser when the comment is
// sent, and filled in from it on the next article (only into empty fields: a form shown again
// with the reader's text keeps what they typed). Unticked, the cookie goes. The server never
// reads or writes it, and the page is the same for every reader: this script fills it in.
(() => {
  const COOKIE = "comment_author_remember";
  const YEAR = 365 * 24 * 3600;
  const FIELDS = ["name", "email", "website"];
  const box = document.getElementById("comment-remember");
  if (!box || !box.form) return;
  const form = box.form;

  const read = () => {
    const pair = document.cookie.split("; ").find((part) => part.startsWith(COOKIE + "="));
    if (!pair) return null;
    try {
      const saved = JSON.parse(decodeURIComponent(pair.slice(COOKIE.length + 1)));
      return saved && typeof saved === "object" ? saved : null;
    } catch {
      return null;
    }
  };
  const write = (value, maxAge) => {
    const secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = `${COOKIE}=${value}; Max-Age=${maxAge}; Path=/; SameSite=Lax${secure}`;
  };
  const forget = () => write("", 0);

  const saved = read();
  if (saved) {
    for (const name of FIELDS) {
      const field = form.elements[name];
      if (field && !field.value && typeof saved[name] === "string") field.value = saved[name];
    }
    box.checked = true;
  }
  box.closest(".comment-form__remember").hidden = false;

  box.addEventListener("change", () => {
    if (!box.checked) forget();
  });
  form.addEventListener("submit", () => {
    if (!box.checked) {
      forget();
      return;
    }
    const details = {};
    for (const name of FIELDS) details[name] = (form.elements[name]?.value || "").slice(0, 300);
    write(encodeURIComponent(JSON.stringify(details)), YEAR);
  });
})();
