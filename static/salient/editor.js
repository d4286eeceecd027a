/* The editor's workspace on the asset page: heat map, faces, focal point, every
 * profile's crop box, per-profile crop override, review marks, history.
 *
 * Points and boxes are normalised 0-1 of the oriented original, like the API;
 * on screen they are percentages of the stage, whose aspect is the photo's.
 */
(function () {
  "use strict";
  const S = window.Salient;
  const {clamp, aspectFactor, moveBox, resizeFrom, growBox} = S.geometry;
  const root = document.getElementById("workspace");
  if (!root) return;

  const PALETTE = ["#d7263d", "#1b998b", "#3a5bd9", "#f46036", "#8e44ad", "#2e86ab",
                   "#c2185b", "#6a8d00", "#b8860b"];
  const PLAN_INTERVAL = 100;   // ms between plan requests while dragging (10/s)
  const POLL_INTERVAL = 500;   // ms between status polls while regenerating

  const $ = (id) => document.getElementById(id);
  const cfg = {
    api: root.dataset.api, plans: root.dataset.plans, focalUrl: root.dataset.focalUrl,
    heatmap: root.dataset.heatmap, width: Number(root.dataset.width) || 1,
    height: Number(root.dataset.height) || 1,
    canEdit: Boolean(root.dataset.canEdit), canReview: Boolean(root.dataset.canReview),
  };
  const stage = $("stage");
  const marker = $("focal");
  const state = {
    asset: null, plans: {}, focal: null, saved: null, origin: "auto",
    drag: null, adjust: null, busy: false, watch: 0,
  };
  const cards = new Map();

  const round = (v, places) => Number(v.toFixed(places));
  const pct = (v) => `${(v * 100).toFixed(3)}%`;

  // --- messages ------------------------------------------------------------

  function showError(error) {
    const el = $("editor-error");
    el.textContent = error ? (error.message || String(error)) : "";
    el.hidden = !error;
  }

  function showProgress(done, total, text, finished = false) {
    $("progress").hidden = false;
    $("progress").classList.toggle("finished", finished);
    const bar = $("progress-bar");
    bar.max = Math.max(total, 1);
    bar.value = finished ? bar.max : done;
    $("progress-text").textContent = text;
  }

  // --- cards and their boxes on the photo ------------------------------------

  function setupCards() {
    document.querySelectorAll(".profile-card").forEach((el, i) => {
      const colour = PALETTE[i % PALETTE.length];
      el.style.setProperty("--c", colour);
      const box = document.createElement("div");
      box.className = "crop-box";
      box.dataset.slug = el.dataset.slug;
      box.style.setProperty("--c", colour);
      box.style.setProperty("--i", String(i));  // staggers labels of boxes sharing a corner
      const label = document.createElement("span");
      label.className = "label";
      label.textContent = el.dataset.name;
      box.append(label);
      box.hidden = true;
      $("boxes").append(box);
      const card = {slug: el.dataset.slug, name: el.dataset.name, el, box,
                    aspect: Number(el.dataset.aspect) || cfg.width / cfg.height,
                    img: el.querySelector(".thumb img"), pending: null};
      cards.set(card.slug, card);
      el.addEventListener("mouseenter", () => highlight(card.slug));
      el.addEventListener("mouseleave", () => highlight(null));
      el.addEventListener("focusin", () => highlight(card.slug));
      el.addEventListener("focusout", () => highlight(null));
      setReview(card, el.dataset.review);
    });
  }

  function highlight(slug) {
    if (state.adjust) return;
    for (const card of cards.values()) {
      card.box.classList.toggle("highlight", card.slug === slug);
      card.box.classList.toggle("dimmed", Boolean(slug) && card.slug !== slug);
    }
  }

  function placeBox(el, [x0, y0, x1, y1]) {
    el.style.left = pct(x0);
    el.style.top = pct(y0);
    el.style.width = pct(x1 - x0);
    el.style.height = pct(y1 - y0);
  }

  const ORIGINS = {auto: "automatic", focal: "follows the focal point"};

  function drawPlans() {
    const previewing = isDirty();
    for (const card of cards.values()) {
      const plan = state.plans[card.slug];
      card.box.hidden = !plan;
      if (!plan) continue;
      if (!(state.adjust && state.adjust.slug === card.slug)) placeBox(card.box, plan.box);
      card.box.dataset.origin = plan.origin;
      let origin = ORIGINS[plan.origin] || "";
      if (plan.origin === "editor") {
        origin = card.el.dataset.override ? "editor's crop" : "pinned by approval";
      }
      card.el.querySelector("[data-field=origin]").textContent = previewing ? "" : `· ${origin}`;
      const preview = card.el.querySelector("[data-field=preview]");
      preview.hidden = !previewing;
      preview.textContent = previewing
        ? `→ ${plan.confidence.toFixed(2)}${plan.faces_cut ? " (face cut)" : ""} if saved` : "";
    }
  }

  function applyRendition(card, r) {
    const conf = card.el.querySelector("[data-field=confidence]");
    const warn = card.el.querySelector("[data-field=warn]");
    if (!r) {
      conf.textContent = "–";
      warn.hidden = true;
      return null;
    }
    conf.textContent = r.confidence.toFixed(2);
    const problem = r.faces_cut ? "a face is cut" : (r.confidence < 0.5 ? "low confidence" : "");
    warn.hidden = !problem;
    warn.textContent = problem ? `⚠ ${problem}` : "";
    warn.title = problem;
    card.el.classList.toggle("warning", Boolean(problem));
    return swapThumb(card, r);
  }

  /** Show a rendition's new file once it has loaded, so the thumbnail never flickers. */
  async function swapThumb(card, r) {
    if (card.img.dataset.fileUrl === r.file_url) return;
    card.pending = r.file_url;
    const next = new Image();
    next.src = r.file_url;
    try { await next.decode(); } catch (_) { /* shown anyway; the browser reports it */ }
    if (card.pending !== r.file_url) return;
    const replacing = Boolean(card.img.dataset.fileUrl);
    card.img.src = r.file_url;
    card.img.dataset.fileUrl = r.file_url;
    card.img.hidden = false;
    card.el.dataset.key = r.key;
    card.el.dataset.fileUrl = r.file_url;
    if (!replacing) return;
    card.el.classList.add("fresh");  // a brief mark on thumbnails that just changed
    setTimeout(() => card.el.classList.remove("fresh"), 1600);
  }

  function applyAsset(data) {
    state.asset = data;
    S.setStatus($("asset-status"), data.status);
    const swaps = [];
    for (const card of cards.values()) swaps.push(applyRendition(card, data.renditions[card.slug]));
    const sal = data.saliency;
    if (sal && !state.drag && !isDirty()) {
      state.saved = sal.focal.slice();
      state.origin = sal.focal_origin;
      setFocal(sal.focal.slice(), {preview: false});
    }
    if (sal) drawFaces(sal.faces || []);
    return Promise.all(swaps);
  }

  function drawFaces(faces) {
    const layer = $("faces");
    layer.replaceChildren(...faces.map((box) => {
      const el = document.createElement("div");
      el.className = "face";
      placeBox(el, box);
      return el;
    }));
  }

  // --- the focal point ---------------------------------------------------------

  function isDirty() {
    if (!state.saved || !state.focal) return false;
    return Math.abs(state.saved[0] - state.focal[0]) > 1e-4
      || Math.abs(state.saved[1] - state.focal[1]) > 1e-4;
  }

  function setFocal(point, {preview = true} = {}) {
    state.focal = [clamp(point[0]), clamp(point[1])];
    const [x, y] = state.focal;
    marker.hidden = false;
    marker.style.left = pct(x);
    marker.style.top = pct(y);
    const where = `${Math.round(x * 100)}% from the left, ${Math.round(y * 100)}% from the top`;
    marker.setAttribute("aria-valuenow", String(Math.round(x * 100)));
    marker.setAttribute("aria-valuetext", where);
    const dirty = isDirty();
    const origin = state.origin === "editor" ? "set by an editor" : "automatic";
    $("focal-readout").textContent = dirty
      ? `Focal point ${where} · not saved yet` : `Focal point ${where} · ${origin}`;
    root.classList.toggle("dirty", dirty);
    updateButtons();
    if (preview) schedulePlans();
  }

  function updateButtons() {
    const save = $("focal-save");
    if (!save) return;
    save.disabled = !isDirty() || state.busy || Boolean(state.adjust);
    $("focal-undo").disabled = !isDirty() || state.busy;
    $("focal-reset").disabled = state.busy || !state.saved || Boolean(state.adjust)
      || (state.origin === "auto" && !isDirty());
  }

  function pointFromEvent(event) {
    const rect = stage.getBoundingClientRect();
    return [clamp((event.clientX - rect.left) / rect.width),
            clamp((event.clientY - rect.top) / rect.height)];
  }

  let planTimer = null;
  let lastPlanAt = 0;
  let planSeq = 0;
  let planShown = 0;

  function schedulePlans() {
    if (planTimer) return;
    const wait = Math.max(0, PLAN_INTERVAL - (performance.now() - lastPlanAt));
    planTimer = setTimeout(() => { planTimer = null; loadPlans(); }, wait);
  }

  /** Ask where every profile would crop; answers older than the last shown are dropped. */
  async function loadPlans() {
    if (!state.asset || !state.asset.saliency) return;
    lastPlanAt = performance.now();
    const seq = ++planSeq;
    const point = isDirty() ? state.focal : null;
    const url = point ? `${cfg.plans}?x=${point[0].toFixed(4)}&y=${point[1].toFixed(4)}` : cfg.plans;
    try {
      const data = await S.getJSON(url);
      if (seq <= planShown) return;
      planShown = seq;
      state.plans = data.plans;
      drawPlans();
    } catch (error) {
      showError(error);
    }
  }

  function flushPlans() {
    if (planTimer) clearTimeout(planTimer);
    planTimer = null;
    loadPlans();
  }

  function onStagePointerDown(event) {
    if (event.button > 0 || !state.focal) return;
    if (state.adjust) { adjustPointerDown(event); return; }
    if (!cfg.canEdit || state.busy) return;
    event.preventDefault();
    stage.setPointerCapture(event.pointerId);
    state.drag = {id: event.pointerId};
    marker.classList.add("dragging");
    marker.focus({preventScroll: true});
    setFocal(pointFromEvent(event));
  }

  function onStagePointerMove(event) {
    if (state.adjust) { adjustPointerMove(event); return; }
    if (state.drag && event.pointerId === state.drag.id) setFocal(pointFromEvent(event));
  }

  function onStagePointerUp(event) {
    if (state.adjust) { if (state.adjust.drag) state.adjust.drag = null; return; }
    if (!state.drag || event.pointerId !== state.drag.id) return;
    state.drag = null;
    marker.classList.remove("dragging");
    flushPlans();
  }

  function onMarkerKey(event) {
    if (state.adjust || state.busy) return;
    const step = event.shiftKey ? 0.05 : 0.01;
    const [x, y] = state.focal || [0.5, 0.5];
    const moves = {ArrowLeft: [x - step, y], ArrowRight: [x + step, y],
                   ArrowUp: [x, y - step], ArrowDown: [x, y + step]};
    if (moves[event.key]) setFocal(moves[event.key]);
    else if (event.key === "Enter") saveFocal();
    else if (event.key === "Escape") undoFocal();
    else return;
    event.preventDefault();
  }

  function undoFocal() {
    if (!state.saved) return;
    setFocal(state.saved.slice(), {preview: false});
    flushPlans();
  }

  /** Profiles whose rendition follows the focal point (no editor's or approved box). */
  function followers() {
    return [...cards.keys()].filter((slug) => {
      const plan = state.plans[slug];
      return !plan || plan.origin !== "editor";
    });
  }

  async function saveFocal() {
    if (!isDirty() || state.busy || state.adjust) return;
    const started = performance.now();
    const [x, y] = state.focal;
    await act(async () => {
      const expected = followers();
      const result = await S.postJSON(cfg.focalUrl, {x: round(x, 4), y: round(y, 4)});
      state.saved = result.focal.slice();
      state.origin = result.focal_origin;
      setFocal(result.focal.slice(), {preview: false});
      drawPlans();  // the previewed boxes are now the saved ones
      regenerate(expected, started, "Focal point saved");
    });
  }

  async function resetFocal() {
    if (state.busy || state.adjust) return;
    const started = performance.now();
    await act(async () => {
      const expected = followers();
      const result = await S.postJSON(cfg.focalUrl, {reset: true});
      state.saved = result.focal.slice();
      state.origin = result.focal_origin;
      setFocal(result.focal.slice(), {preview: false});
      flushPlans();
      regenerate(expected, started, "Focal point back to automatic");
    });
  }

  /** Run one server action with the buttons locked; errors are shown, not thrown. */
  async function act(action) {
    state.busy = true;
    updateButtons();
    try {
      showError(null);
      await action();
    } catch (error) {
      showError(error);
    } finally {
      state.busy = false;
      updateButtons();
    }
  }

  // --- regeneration ----------------------------------------------------------------

  /** Poll the asset until processing ends, showing how many of ``expected`` got new files. */
  async function regenerate(expected, started, what) {
    const token = ++state.watch;
    const baseline = {};
    for (const [slug, r] of Object.entries((state.asset || {}).renditions || {})) {
      baseline[slug] = r.key;
    }
    const changed = (data) => expected.filter((slug) => data.renditions[slug]
      && data.renditions[slug].key !== baseline[slug]).length;
    root.dataset.regen = "running";
    showProgress(0, expected.length, `${what}: queued…`);
    let final;
    try {
      final = await S.watchAsset(cfg.api, (data) => {
        S.setStatus($("asset-status"), data.status);
        const label = S.STATUS_LABELS[data.status] || data.status;
        showProgress(changed(data), expected.length,
                     `${what}: ${label.toLowerCase()}, ${changed(data)} of ${expected.length} renditions updated`);
      }, {interval: POLL_INTERVAL, isCancelled: () => token !== state.watch});
    } catch (error) {
      showError(error);
      return;
    }
    if (!final) return;
    await applyAsset(final);
    const seconds = (performance.now() - started) / 1000;
    const count = changed(final);
    if (final.status === "failed") {
      showProgress(count, expected.length, `Processing failed: ${final.error || "unknown error"}`, true);
    } else {
      showProgress(count, expected.length,
                   `${what}: ${count} of ${expected.length} renditions updated in ${seconds.toFixed(1)} s`, true);
    }
    root.dataset.regenSeconds = seconds.toFixed(2);
    await Promise.all([loadPlans(), refreshFragments()]);
    if (token === state.watch) root.dataset.regen = "done";
  }

  /** Re-read the server-rendered parts of this page: history, file table, review marks. */
  async function refreshFragments() {
    let html;
    try {
      const response = await fetch(location.href, {credentials: "same-origin"});
      if (!response.ok) return;
      html = await response.text();
    } catch (_) {
      return;
    }
    const doc = new DOMParser().parseFromString(html, "text/html");
    for (const id of ["history", "rendition-table"]) {
      const fresh = doc.getElementById(id);
      const old = $(id);
      if (!fresh || !old) continue;
      const hadFocus = old.contains(document.activeElement);
      old.replaceWith(document.importNode(fresh, true));
      if (hadFocus) focusHeading($(id));
    }
    doc.querySelectorAll(".profile-card").forEach((el) => {
      const card = cards.get(el.dataset.slug);
      if (!card) return;
      setReview(card, el.dataset.review);
      setOverride(card, Boolean(el.dataset.override));
    });
    drawPlans();
  }

  function focusHeading(section) {
    const heading = section && section.querySelector("h2");
    if (!heading) return;
    heading.tabIndex = -1;
    heading.focus();
  }

  // --- per-profile crop override -------------------------------------------------------

  function enterAdjust(slug) {
    const card = cards.get(slug);
    const plan = state.plans[slug];
    if (!card || !plan || state.busy) return;
    if (isDirty()) {
      showError(new Error("Save or undo the focal point move first."));
      return;
    }
    if (state.adjust) exitAdjust();
    showError(null);
    highlight(null);
    state.adjust = {slug, box: plan.box.slice(), drag: null,
                    k: aspectFactor(card.aspect, cfg.width, cfg.height)};
    stage.dataset.mode = "crop";
    card.el.classList.add("adjusting");
    card.box.classList.add("editing");
    for (const corner of ["nw", "ne", "sw", "se"]) {
      const handle = document.createElement("span");
      handle.className = `handle handle-${corner}`;
      handle.dataset.handle = corner;
      card.box.append(handle);
    }
    card.box.tabIndex = 0;
    card.box.setAttribute("role", "group");
    card.box.setAttribute("aria-roledescription", "crop box");
    card.box.setAttribute("aria-label", `${card.name} crop: arrow keys move it, Shift with `
      + "arrow keys resizes it (aspect locked), Enter saves, Escape cancels");
    $("crop-bar-text").textContent = `Adjusting ${card.name}: drag the box to move it, `
      + "drag a corner to resize it; its aspect stays locked.";
    $("crop-bar").hidden = false;
    drawAdjust();
    updateButtons();
    card.box.focus();
  }

  function exitAdjust() {
    const a = state.adjust;
    if (!a) return;
    const card = cards.get(a.slug);
    state.adjust = null;
    stage.dataset.mode = "focal";
    card.el.classList.remove("adjusting");
    card.box.classList.remove("editing");
    card.box.querySelectorAll(".handle").forEach((h) => h.remove());
    card.box.removeAttribute("tabindex");
    card.box.removeAttribute("role");
    card.box.removeAttribute("aria-roledescription");
    card.box.removeAttribute("aria-label");
    $("crop-bar").hidden = true;
    drawPlans();
    updateButtons();
    const button = card.el.querySelector("[data-action=adjust]");
    if (button) button.focus();
  }

  function drawAdjust() {
    const a = state.adjust;
    const card = cards.get(a.slug);
    placeBox(card.box, a.box);
  }

  function adjustPointerDown(event) {
    const a = state.adjust;
    const handle = event.target.closest("[data-handle]");
    const inBox = event.target.closest(".crop-box.editing");
    if (!handle && !inBox) return;
    event.preventDefault();
    stage.setPointerCapture(event.pointerId);
    const [x0, y0, x1, y1] = a.box;
    if (handle) {
      const corner = handle.dataset.handle;
      a.drag = {id: event.pointerId, kind: "resize",
                anchor: [corner.includes("w") ? x1 : x0, corner.includes("n") ? y1 : y0]};
    } else {
      const [px, py] = pointFromEvent(event);
      a.drag = {id: event.pointerId, kind: "move", offset: [px - x0, py - y0]};
    }
    cards.get(a.slug).box.focus({preventScroll: true});
  }

  function adjustPointerMove(event) {
    const a = state.adjust;
    if (!a.drag || event.pointerId !== a.drag.id) return;
    const point = pointFromEvent(event);
    if (a.drag.kind === "move") {
      a.box = moveBox(a.box, point[0] - a.drag.offset[0], point[1] - a.drag.offset[1]);
    } else {
      a.box = resizeFrom(a.drag.anchor, point, a.k) || a.box;
    }
    drawAdjust();
  }

  function onBoxKey(event) {
    const a = state.adjust;
    if (!a || !event.target.classList.contains("editing")) return;
    const [x0, y0] = a.box;
    const step = 0.01;
    if (event.shiftKey && ["ArrowUp", "ArrowRight", "ArrowDown", "ArrowLeft"].includes(event.key)) {
      const grow = event.key === "ArrowUp" || event.key === "ArrowRight";
      a.box = growBox(a.box, grow ? 0.02 : -0.02, a.k);
    } else if (event.key === "ArrowLeft") a.box = moveBox(a.box, x0 - step, y0);
    else if (event.key === "ArrowRight") a.box = moveBox(a.box, x0 + step, y0);
    else if (event.key === "ArrowUp") a.box = moveBox(a.box, x0, y0 - step);
    else if (event.key === "ArrowDown") a.box = moveBox(a.box, x0, y0 + step);
    else if (event.key === "Enter") saveCrop();
    else if (event.key === "Escape") exitAdjust();
    else return;
    event.preventDefault();
    drawAdjust();
  }

  async function saveCrop() {
    const a = state.adjust;
    if (!a || state.busy) return;
    const card = cards.get(a.slug);
    const started = performance.now();
    const box = a.box.map((v) => round(clamp(v), 5));
    await act(async () => {
      await S.postJSON(card.el.dataset.cropUrl, {box});
      exitAdjust();
      setOverride(card, true);
      flushPlans();
      regenerate([card.slug], started, `${card.name} crop saved`);
    });
  }

  async function resetCrop(card) {
    if (state.busy) return;
    const started = performance.now();
    await act(async () => {
      await S.postJSON(card.el.dataset.cropUrl, {reset: true});
      if (state.adjust) exitAdjust();
      setOverride(card, false);
      flushPlans();
      regenerate([card.slug], started, `${card.name} crop back to automatic`);
    });
  }

  function setOverride(card, on) {
    card.el.dataset.override = on ? "1" : "";
    const reset = card.el.querySelector("[data-action=crop-reset]");
    if (reset) reset.hidden = !on;
  }

  // --- review ------------------------------------------------------------------------------

  const REVIEW_LABELS = {pending: "To review", approved: "Approved", needs_work: "Needs work"};

  function setReview(card, review) {
    review = review || "pending";
    card.el.dataset.review = review;
    const label = card.el.querySelector("[data-field=review]");
    label.className = `review-state review-${review}`;
    label.textContent = REVIEW_LABELS[review] || review;
    card.el.querySelectorAll("[data-action=review]").forEach((button) => {
      button.setAttribute("aria-pressed", String(button.dataset.review === review));
    });
  }

  /** Optimistic: the mark shows at once and goes back if the server refuses it. */
  async function review(card, wanted) {
    const before = card.el.dataset.review;
    const next = before === wanted ? "pending" : wanted;
    setReview(card, next);
    try {
      showError(null);
      await S.postJSON(card.el.dataset.reviewUrl, {review: next});
      await Promise.all([loadPlans(), refreshFragments()]);
    } catch (error) {
      setReview(card, before);
      showError(new Error(`${card.name}: ${error.message}`));
    }
  }

  // --- history -------------------------------------------------------------------------------

  async function revert(button) {
    const item = button.closest("li");
    const kind = item.dataset.kind;
    const started = performance.now();
    button.disabled = true;
    await act(async () => {
      await S.postJSON(button.dataset.url, {});
      if (kind === "review") {
        await Promise.all([loadPlans(), refreshFragments()]);
        return;
      }
      const expected = kind === "crop" ? [item.dataset.profile] : followers();
      if (kind === "focal") state.saved = null;  // take the restored point from the server
      regenerate(expected, started, "Change reverted");
    });
    button.disabled = false;
  }

  // --- wiring ------------------------------------------------------------------------------------

  /** Give the stage the photo's aspect, at most 70% of the viewport high. Through the CSSOM,
   * which the Content-Security-Policy allows; a style attribute in the HTML it would block. */
  function sizeStage() {
    const width = Number(root.dataset.width), height = Number(root.dataset.height);
    if (!(width > 0 && height > 0)) return;  // the stylesheet's 4:3 stays
    stage.style.aspectRatio = `${width} / ${height}`;
    stage.style.maxWidth = `calc(70vh * ${width} / ${height})`;
  }

  function wireTools() {
    const heat = $("heat");
    const toggle = $("heat-toggle");
    const opacity = $("heat-opacity");
    toggle.addEventListener("change", () => {
      if (toggle.checked && !heat.getAttribute("src")) heat.src = cfg.heatmap;
      heat.hidden = !toggle.checked;
      opacity.disabled = !toggle.checked;
    });
    const setOpacity = () => stage.style.setProperty("--heat-opacity", String(opacity.value / 100));
    opacity.addEventListener("input", setOpacity);
    setOpacity();
    $("faces-toggle").addEventListener("change", (e) => {
      stage.classList.toggle("hide-faces", !e.target.checked);
    });
    $("boxes-toggle").addEventListener("change", (e) => {
      stage.classList.toggle("hide-boxes", !e.target.checked);
    });
  }

  function wireEditing() {
    if (cfg.canEdit) {
      stage.addEventListener("pointerdown", onStagePointerDown);
      stage.addEventListener("pointermove", onStagePointerMove);
      stage.addEventListener("pointerup", onStagePointerUp);
      stage.addEventListener("pointercancel", onStagePointerUp);
      marker.addEventListener("keydown", onMarkerKey);
      $("boxes").addEventListener("keydown", onBoxKey);
      $("focal-save").addEventListener("click", saveFocal);
      $("focal-undo").addEventListener("click", undoFocal);
      $("focal-reset").addEventListener("click", resetFocal);
      $("crop-save").addEventListener("click", saveCrop);
      $("crop-cancel").addEventListener("click", exitAdjust);
    }
    document.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button) return;
      const cardEl = button.closest(".profile-card");
      const card = cardEl && cards.get(cardEl.dataset.slug);
      const action = button.dataset.action;
      if (action === "adjust" && card) enterAdjust(card.slug);
      else if (action === "crop-reset" && card) resetCrop(card);
      else if (action === "review" && card) review(card, button.dataset.review);
      else if (action === "revert") revert(button);
    });
  }

  async function init() {
    sizeStage();
    setupCards();
    wireTools();
    wireEditing();
    let data;
    try {
      data = await S.getJSON(cfg.api);
    } catch (error) {
      showError(error);
      return;
    }
    await applyAsset(data);
    if (!data.progress.done) {
      await regenerate([...cards.keys()], performance.now(), "Processing");
    } else {
      await loadPlans();
    }
    root.dataset.ready = "1";
  }

  init();
})();
