/* Drawing on the photo: the stage's size, the heat map and layer toggles, the faces,
 * every profile's crop box and the focal marker. Only draws; it asks the server nothing.
 */
import {$, cards, cfg, clamp, isDirty, marker, pct, root, stage, state} from "./state.js";
import {updateButtons} from "./feedback.js";

const ORIGINS = {auto: "automatic", focal: "follows the focal point"};

/** Give the stage the photo's aspect, at most 70% of the viewport high. Through the CSSOM,
 * which the Content-Security-Policy allows; a style attribute in the HTML it would block. */
export function sizeStage() {
  const width = Number(root.dataset.width), height = Number(root.dataset.height);
  if (!(width > 0 && height > 0)) return;  // the stylesheet's 4:3 stays
  stage.style.aspectRatio = `${width} / ${height}`;
  stage.style.maxWidth = `calc(70vh * ${width} / ${height})`;
}

/** The heat map (loaded on first show), its opacity, and the faces and boxes layers. */
export function wireTools() {
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

/** Place an element over a normalised box [x0, y0, x1, y1] of the stage. */
export function placeBox(el, [x0, y0, x1, y1]) {
  el.style.left = pct(x0);
  el.style.top = pct(y0);
  el.style.width = pct(x1 - x0);
  el.style.height = pct(y1 - y0);
}

/** Bring one profile's box forward and dim the others; null shows them all alike. */
export function highlight(slug) {
  if (state.adjust) return;
  for (const card of cards.values()) {
    card.box.classList.toggle("highlight", card.slug === slug);
    card.box.classList.toggle("dimmed", Boolean(slug) && card.slug !== slug);
  }
}

/** Every profile's box from state.plans, and on its card where it comes from or,
 * while the focal point is moved, what saving it would give. */
export function drawPlans() {
  const previewing = isDirty();
  for (const card of cards.values()) {
    const plan = state.plans[card.slug];
    card.box.hidden = !plan;
    if (!plan) continue;
    if (!(state.adjust && state.adjust.slug === card.slug)) placeBox(card.box, plan.box);
    card.box.dataset.origin = plan.origin;
    card.box.classList.toggle("padded", Boolean(plan.padded));
    let origin = ORIGINS[plan.origin] || "";
    if (plan.padded) origin += ` · padded (${plan.padded}): the subject does not fit the frame`;
    if (plan.origin === "editor") {
      const by = card.el.dataset.override;
      origin = by === "file" ? "crop from the file" : by ? "editor's crop" : "pinned by approval";
    }
    card.el.querySelector("[data-field=origin]").textContent = previewing ? "" : `· ${origin}`;
    const preview = card.el.querySelector("[data-field=preview]");
    preview.hidden = !previewing;
    preview.textContent = previewing
      ? `→ ${plan.confidence.toFixed(2)}${plan.faces_cut ? " (face cut)" : ""} if saved` : "";
  }
}

export function drawFaces(faces) {
  $("faces").replaceChildren(...faces.map((box) => {
    const el = document.createElement("div");
    el.className = "face";
    placeBox(el, box);
    return el;
  }));
}

/** Put the focal point at a normalised point and say whether it is saved. */
export function showFocal(point) {
  state.focal = [clamp(point[0]), clamp(point[1])];
  const [x, y] = state.focal;
  marker.hidden = false;
  marker.style.left = pct(x);
  marker.style.top = pct(y);
  const where = `${Math.round(x * 100)}% from the left, ${Math.round(y * 100)}% from the top`;
  marker.setAttribute("aria-valuenow", String(Math.round(x * 100)));
  marker.setAttribute("aria-valuetext", where);
  const dirty = isDirty();
  const origin = {editor: "set by an editor", file: "from the file"}[state.origin] || "automatic";
  $("focal-readout").textContent = dirty
    ? `Focal point ${where} · not saved yet` : `Focal point ${where} · ${origin}`;
  root.classList.toggle("dirty", dirty);
  updateButtons();
}
