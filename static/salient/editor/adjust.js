/* One profile's crop override: the box made editable on the stage, moved or resized
 * (aspect locked) by pointer or keys, then saved or reset to automatic.
 */
import {$, aspectFactor, cards, cfg, clamp, growBox, isDirty, moveBox, pointFromEvent,
        resizeFrom, round, stage, state} from "./state.js";
import {postCrop} from "./api.js";
import {act, showError, updateButtons} from "./feedback.js";
import {drawPlans, highlight, placeBox} from "./stage.js";
import {flushPlans} from "./plans.js";
import {regenerate} from "./regenerate.js";

const CORNERS = ["nw", "ne", "sw", "se"];

export function enterAdjust(slug) {
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
  makeEditable(card);
  $("crop-bar-text").textContent = `Adjusting ${card.name}: drag the box to move it, `
    + "drag a corner to resize it; its aspect stays locked.";
  $("crop-bar").hidden = false;
  drawAdjust();
  updateButtons();
  card.box.focus();
}

function makeEditable(card) {
  card.box.classList.add("editing");
  for (const corner of CORNERS) {
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
}

export function exitAdjust() {
  const a = state.adjust;
  if (!a) return;
  const card = cards.get(a.slug);
  state.adjust = null;
  stage.dataset.mode = "focal";
  card.el.classList.remove("adjusting");
  card.box.classList.remove("editing");
  card.box.querySelectorAll(".handle").forEach((h) => h.remove());
  card.box.removeAttribute("tabindex");
  for (const name of ["role", "aria-roledescription", "aria-label"]) card.box.removeAttribute(name);
  $("crop-bar").hidden = true;
  drawPlans();
  updateButtons();
  const button = card.el.querySelector("[data-action=adjust]");
  if (button) button.focus();
}

function drawAdjust() {
  if (!state.adjust) return;  // Escape has just left adjusting
  placeBox(cards.get(state.adjust.slug).box, state.adjust.box);
}

/** A press on a corner resizes from the opposite one; inside the box, it moves it. */
export function adjustPointerDown(event) {
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

export function adjustPointerMove(event) {
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

export function adjustPointerUp() {
  if (state.adjust.drag) state.adjust.drag = null;
}

/** Arrows move the box by 1%, Shift+arrows grow or shrink it, Enter saves, Escape cancels. */
export function onBoxKey(event) {
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

export async function saveCrop() {
  const a = state.adjust;
  if (!a || state.busy) return;
  const card = cards.get(a.slug);
  const started = performance.now();
  const box = a.box.map((v) => round(clamp(v), 5));
  const work = cropPost(card, {box}, started, `${card.name} crop saved`);
  await act(work);
}

export async function resetCrop(card) {
  if (state.busy) return;
  const work = cropPost(card, {reset: true}, performance.now(),
                       `${card.name} crop back to automatic`);
  await act(work);
}

/** Save a crop (``body``: {box} or {reset: true}), then follow its rendition; the card's
 * override mark follows the server's page once the rendition is in (refreshFragments). */
async function cropPost(card, body, started, what) {
  await postCrop(card, body);
  if (state.adjust) exitAdjust();
  flushPlans();
  regenerate([card.slug], started, what);
}
