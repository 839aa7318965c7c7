// deepprep mock interviews: countdown from the server's deadline, autosave, flags, navigation.
// Every part of the interview works without this file: each page has a Save form and shows the
// remaining time the server computed.
(function () {
  "use strict";

  const root = document.getElementById("iv-run");
  if (!root) return;

  const id = root.dataset.interview;
  const position = Number(root.dataset.position);
  const form = document.getElementById("iv-form");
  const savedEl = document.getElementById("iv-saved");
  const clockEl = document.getElementById("iv-clock");
  const clockValue = document.getElementById("iv-clock-value");
  const flagBox = document.getElementById("iv-flag");
  const shownAt = form.querySelector('input[name="shown_at"]');
  const api = "/api/interviews/" + encodeURIComponent(id);
  const DEBOUNCE_MS = 800;

  // The clock: the server's deadline, corrected by how far this device's clock is off the server's.
  const deadline = Number(root.dataset.deadlineMs);
  let offset = Number(root.dataset.serverMs) - Date.now();
  let finishing = false;
  let leaving = false;

  function serverNow() { return Date.now() + offset; }

  function format(ms) {
    const total = Math.max(0, Math.ceil(ms / 1000));
    const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    const pad = function (n) { return String(n).padStart(2, "0"); };
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  function tick() {
    const left = deadline - serverNow();
    clockValue.textContent = format(left);
    clockEl.classList.toggle("low", left < 60000);
    if (left <= 0 && !finishing) timeUp();
  }

  // Time spent on this question: counted while the page is visible, reported with each save.
  let visibleSince = document.visibilityState === "visible" ? performance.now() : null;
  let unreported = 0;
  function takeElapsed() {
    if (visibleSince !== null) {
      const now = performance.now();
      unreported += now - visibleSince;
      visibleSince = now;
    }
    const ms = Math.round(unreported);
    unreported = 0;
    // The Save form's shown_at moves on by what was reported, so the form does not count it again.
    shownAt.value = String(Number(shownAt.value) + ms);
    return ms;
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { visibleSince = performance.now(); return; }
    if (visibleSince !== null) { unreported += performance.now() - visibleSince; visibleSince = null; }
    if (!leaving && !finishing && unsaved()) saveNow({ keepalive: true });
  });

  function currentAnswer() {
    const picks = form.querySelectorAll('input[name="choice"]');
    if (picks.length) {
      return Array.prototype.filter.call(picks, function (p) { return p.checked; }).map(function (p) { return Number(p.value); });
    }
    const text = form.querySelector('textarea[name="answer"]');
    return text ? text.value : null;
  }

  function setAnswer(answer) {
    const picks = form.querySelectorAll('input[name="choice"]');
    if (picks.length && Array.isArray(answer)) {
      picks.forEach(function (p) { p.checked = answer.indexOf(Number(p.value)) >= 0; });
      return;
    }
    const text = form.querySelector('textarea[name="answer"]');
    if (text && typeof answer === "string") text.value = answer;
  }

  // A copy of what was typed stays on this device until the server has it: a reload that beats the
  // last save to the server (or a crash, or a lost connection) shows the answer again and saves it.
  const draftKey = "deepprep-draft:" + id + ":" + position;
  function storeDraft() {
    try { window.localStorage.setItem(draftKey, JSON.stringify(currentAnswer())); } catch (e) { /* storage off */ }
  }
  function clearDraft(savedJson) {
    try {
      if (window.localStorage.getItem(draftKey) === savedJson) window.localStorage.removeItem(draftKey);
    } catch (e) { /* storage off */ }
  }
  function takeDraft() {
    try {
      const draft = window.localStorage.getItem(draftKey);
      if (draft === null) return undefined;
      if (draft === JSON.stringify(currentAnswer())) { window.localStorage.removeItem(draftKey); return undefined; }
      return JSON.parse(draft);
    } catch (e) { return undefined; }
  }

  function isAnswered(answer) {
    return Array.isArray(answer) ? answer.length > 0 : Boolean(answer && answer.trim());
  }

  function showState(text, kind) {
    savedEl.textContent = text;
    savedEl.className = "iv-saved" + (kind ? " " + kind : "");
  }

  function markCell(answered, flagged) {
    const cell = document.querySelector('.iv-cell[data-position="' + position + '"]');
    if (!cell) return;
    if (answered !== undefined) { cell.classList.toggle("is-answered", answered); cell.classList.toggle("is-empty", !answered); }
    if (flagged !== undefined) cell.classList.toggle("is-flagged", flagged);
    const cells = document.querySelectorAll(".iv-cell");
    const done = document.querySelectorAll(".iv-cell.is-answered").length;
    const flags = document.querySelectorAll(".iv-cell.is-flagged").length;
    const counts = document.getElementById("iv-counts");
    if (counts) {
      counts.querySelector(".n-answered").textContent = done + " answered";
      counts.querySelector(".n-flagged").textContent = flags + " flagged";
      counts.querySelector(".n-empty").textContent = (cells.length - done) + " empty";
    }
  }

  function syncClock(response) {
    const date = response.headers.get("date");
    if (date) {
      // The Date header has whole seconds only: adopt it only when it disagrees by more than that.
      const drift = Date.parse(date) - Date.now() - offset;
      if (Math.abs(drift) > 1500) offset += drift;
    }
  }

  let timer = null;
  let lastSent = JSON.stringify(currentAnswer());  // what the server has: the page was rendered from it
  let closed = false;
  // Only an answer that differs from the server's is sent: a box that is behind the server (a
  // save still in flight when the page loaded) must never overwrite it.
  function unsaved() { return timer !== null || JSON.stringify(currentAnswer()) !== lastSent; }

  async function put(url, body, opts) {
    const response = await fetch(url, {
      method: "PUT", credentials: "same-origin", keepalive: Boolean(opts && opts.keepalive),
      headers: { "Content-Type": "application/json", "Accept": "application/json" }, body: JSON.stringify(body),
    });
    syncClock(response);
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    return { response: response, data: data };
  }

  async function saveNow(opts) {
    clearTimeout(timer);
    timer = null;
    if (closed) return;
    const answer = currentAnswer();
    const payload = { answer: answer, elapsed_ms: takeElapsed() };
    lastSent = JSON.stringify(answer);
    showState("Saving…", "saving");
    const attempt = put(api + "/answers/" + position, payload, opts).then(function (result) {
      if (result.response.ok) {
        clearDraft(JSON.stringify(answer));
        const at = new Date(result.data.saved_at);
        if (result.data.warning) {
          showState("Saved at " + at.toLocaleTimeString() + ", but it cannot be read as a number yet: " +
                    result.data.warning + ".", "bad");
        } else {
          showState("Saved at " + at.toLocaleTimeString(), "ok");
        }
        markCell(isAnswered(answer));
      } else if (result.response.status === 409) {
        closed = true;
        showState(result.data.detail || "Time is up: this answer was not saved.", "bad");
        timeUp();
      } else {
        lastSent = null;  // not on the server: the next chance to save sends it again
        showState("Not saved: " + (result.data.detail || "error " + result.response.status), "bad");
      }
    }).catch(function () {
      // Offline or the server is restarting: keep what was typed and try again shortly.
      lastSent = null;
      showState("Not saved yet: no connection. Retrying…", "bad");
      timer = setTimeout(saveNow, 3000);
    });
    return attempt;
  }

  function changed() {
    if (closed) return;
    if (JSON.stringify(currentAnswer()) === lastSent) return;
    showState("Unsaved changes…", "pending");
    clearTimeout(timer);
    timer = setTimeout(saveNow, DEBOUNCE_MS);
  }

  form.addEventListener("input", function (event) {
    if (event.target === flagBox) return;
    storeDraft();
    changed();
  });
  form.addEventListener("change", function (event) {
    if (event.target === flagBox) return;
    storeDraft();
    changed();
  });

  const draft = takeDraft();
  if (draft !== undefined) {
    setAnswer(draft);
    changed();
    showState("Restored what you typed on this device; saving…", "pending");
  }

  if (flagBox) {
    flagBox.addEventListener("change", function () {
      const flagged = flagBox.checked;
      markCell(undefined, flagged);
      put(api + "/flags/" + position, { flagged: flagged }).then(function (result) {
        if (!result.response.ok) {
          flagBox.checked = !flagged;
          markCell(undefined, !flagged);
          showState("Flag not saved: " + (result.data.detail || "error"), "bad");
        }
      }).catch(function () { showState("Flag not saved: no connection", "bad"); });
    });
  }

  // Leaving the question by a link: save first (with the time spent), then go.
  document.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest("a[href]");
    if (!link || closed || link.target || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (link.getAttribute("href").charAt(0) === "#" || link.hasAttribute("download")) return;
    if (!unsaved()) return;  // nothing new to save: follow the link
    event.preventDefault();
    leaving = true;
    const go = function () { window.location.href = link.href; };
    saveNow().then(go, go);
  });

  // The Save buttons post the form; the form itself carries the answer and the time, so no beacon.
  form.addEventListener("submit", function () { leaving = true; clearTimeout(timer); });
  window.addEventListener("pagehide", function () {
    if (!leaving && !closed && unsaved()) saveNow({ keepalive: true });
  });
  // Back/forward cache would show answers as they were: reload to get what the server has.
  window.addEventListener("pageshow", function (event) { if (event.persisted) window.location.reload(); });

  // At the deadline the answer on screen is saved (the grace period covers it) and the interview
  // is submitted, so the report opens at once; if that fails the server finishes it anyway.
  async function timeUp() {
    if (finishing) return;
    finishing = true;
    clockValue.textContent = "0:00";
    clockEl.classList.add("low");
    if (!closed && unsaved()) {
      try { await saveNow(); } catch (e) { /* the report uses the last saved answer */ }
    }
    closed = true;
    form.querySelectorAll("textarea, input, button").forEach(function (el) { el.disabled = true; });
    showState("Time is up. Scoring your saved answers…", "bad");
    try {
      await fetch(api + "/submit", { method: "POST", credentials: "same-origin", headers: { "Accept": "application/json" } });
    } catch (e) { /* the report page finishes it on access */ }
    window.location.href = "/interviews/" + encodeURIComponent(id) + "/report";
  }

  // Keyboard: Alt+Left / Alt+Right for the previous and next question.
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || (event.key !== "ArrowLeft" && event.key !== "ArrowRight")) return;
    const button = form.querySelector('button[value="' + (event.key === "ArrowLeft" ? "prev" : "next") + '"]');
    if (button) { event.preventDefault(); button.click(); }
  });

  tick();
  setInterval(tick, 250);
})();
