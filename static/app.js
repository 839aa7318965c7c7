// deepprep: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Submit a form with fetch and swap in the <main> of the page it leads to, without a reload.
  async function submitWithoutReload(form, submitter) {
    const data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    const response = await fetch(form.action, { method: "POST", body: new URLSearchParams(data), credentials: "same-origin" });
    const html = await response.text();
    const doc = new DOMParser().parseFromString(html, "text/html");
    const main = doc.querySelector("main");
    if (!main) { window.location.href = response.url; return; }
    document.querySelector("main").replaceWith(main);
    document.title = doc.title;
    if (response.url && response.url !== window.location.href) history.pushState({}, "", response.url);
    main.focus();
    window.scrollTo(0, 0);
    enhance();
  }

  function enhance() {
    document.querySelectorAll("form.answer-form, form.rate-form").forEach(function (form) {
      if (form.dataset.enhanced) return;
      form.dataset.enhanced = "1";
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        submitWithoutReload(form, event.submitter).catch(function () { form.submit(); });
      });
    });
  }

  function typing(target) {
    return target && (target.tagName === "TEXTAREA" || target.tagName === "SELECT" ||
      (target.tagName === "INPUT" && !["radio", "checkbox"].includes(target.type)));
  }

  document.addEventListener("keydown", function (event) {
    const answerForm = document.getElementById("answer-form");
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && answerForm) {
      event.preventDefault();
      answerForm.requestSubmit();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    const rateForm = document.getElementById("rate-form");
    if (rateForm && ["1", "2", "3", "4"].includes(event.key)) {
      const radio = rateForm.querySelector('input[name="rating"][value="' + event.key + '"]');
      if (radio) { radio.checked = true; rateForm.querySelector('button[value="next"]').click(); }
      return;
    }
    // Digits pick options, in practice and in interviews (whose autosave listens for "change").
    const choiceForm = answerForm || document.getElementById("iv-form");
    if (choiceForm && /^[1-9]$/.test(event.key)) {
      const choices = choiceForm.querySelectorAll('input[name="choice"]:not(:disabled)');
      const choice = choices[Number(event.key) - 1];
      if (choice) {
        choice.checked = choice.type === "radio" ? true : !choice.checked;
        choice.focus();
        choice.dispatchEvent(new Event("change", { bubbles: true }));
      }
      return;
    }
    if (event.key === "n") {
      const next = document.getElementById("next-link") || document.querySelector('a[href^="/next"]');
      if (next) window.location.href = next.href;
    }
  });

  window.addEventListener("popstate", function () { window.location.reload(); });
  document.addEventListener("DOMContentLoaded", enhance);
})();
