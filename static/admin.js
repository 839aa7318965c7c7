// deepprep admin: a live preview beside the question form. Without this file the Preview button does the same.
(function () {
  "use strict";

  const form = document.getElementById("question-form");
  const pane = document.getElementById("preview");
  if (!form || !pane) return;
  const seedInput = document.getElementById("preview-seed");
  let timer = null;
  let pending = null;

  function fields() {
    const data = {};
    new FormData(form).forEach(function (value, key) {
      if (key === "csrf_token" || typeof value !== "string") return;
      if (key in data) data[key] = [].concat(data[key], value); else data[key] = value;
    });
    // The try-box inputs live in the preview pane but belong to the form (form="question-form").
    return data;
  }

  async function refresh(options) {
    const opts = options || {};
    if (pending) pending.abort();
    pending = new AbortController();
    const body = { form: fields() };
    if (!opts.newSample && seedInput && /^\d+$/.test(seedInput.value)) body.seed = Number(seedInput.value);
    pane.setAttribute("aria-busy", "true");
    try {
      const response = await fetch("/api/admin/preview", {
        method: "POST", credentials: "same-origin", signal: pending.signal,
        headers: { "Content-Type": "application/json", "Accept": "application/json" },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error("preview failed: " + response.status);
      const data = await response.json();
      pane.innerHTML = data.html;  // rendered and sanitised on the server
      if (seedInput) seedInput.value = String(data.seed);
      wire();
    } catch (error) {
      if (error.name !== "AbortError") pane.insertAdjacentHTML("afterbegin", '<p class="error">The live preview is unavailable; use the Preview button.</p>');
    } finally {
      pane.removeAttribute("aria-busy");
    }
  }

  function wire() {
    const sample = document.getElementById("new-sample");
    if (sample) sample.addEventListener("click", function (event) { event.preventDefault(); refresh({ newSample: true }); });
    const tryButton = document.getElementById("try-button");
    if (tryButton) tryButton.addEventListener("click", function (event) { event.preventDefault(); refresh(); });
  }

  form.addEventListener("input", function (event) {
    if (event.target && event.target.name === "note") return;
    clearTimeout(timer);
    timer = setTimeout(refresh, 450);
  });

  // A new question: switching type swaps in that type's shape, unless the box was edited.
  const typeSelect = document.getElementById("q-type");
  const details = document.getElementById("q-details");
  if (typeSelect && details && !(form.getAttribute("action") || "").match(/\/questions\/\d+$/)) {
    let pristine = true;
    details.addEventListener("input", function () { pristine = false; });
    typeSelect.addEventListener("change", function () {
      const example = document.querySelector('pre[data-type="' + typeSelect.value + '"]');
      if (pristine && example) { details.value = example.textContent; refresh(); }
    });
  }

  const previewButton = document.getElementById("preview-button");
  if (previewButton) previewButton.addEventListener("click", function (event) { event.preventDefault(); refresh(); });
  wire();
})();
