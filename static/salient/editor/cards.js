/* The profile cards: their boxes on the photo, review and override marks, and the
 * asset's JSON applied to them (confidence, warnings, thumbnails that swap without flicker).
 */
import {$, PALETTE, S, cards, cfg, isDirty, state} from "./state.js";
import {drawFaces, highlight, showFocal} from "./stage.js";

const REVIEW_LABELS = {pending: "To review", approved: "Approved", needs_work: "Needs work"};

/** Read the cards from the page, give each a colour and a crop box on the photo. */
export function setupCards() {
  document.querySelectorAll(".profile-card").forEach((el, i) => {
    const colour = PALETTE[i % PALETTE.length];
    el.style.setProperty("--c", colour);
    const box = makeBox(el, colour, i);
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

function makeBox(el, colour, i) {
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
  return box;
}

export function setReview(card, review) {
  review = review || "pending";
  card.el.dataset.review = review;
  const label = card.el.querySelector("[data-field=review]");
  label.className = `review-state review-${review}`;
  label.textContent = REVIEW_LABELS[review] || review;
  card.el.querySelectorAll("[data-action=review]").forEach((button) => {
    button.setAttribute("aria-pressed", String(button.dataset.review === review));
  });
}

/** ``by``: who set the card's crop box, "editor" or "file" (the photo's own IPTC
 * cropping region), as the server's page says; "" for none. */
export function setOverride(card, by) {
  const on = Boolean(by);
  card.el.dataset.override = by || "";
  const reset = card.el.querySelector("[data-action=crop-reset]");
  if (reset) reset.hidden = !on;
}

/** The asset's JSON onto the page; resolves once every new thumbnail shows. */
export function applyAsset(data) {
  state.asset = data;
  S.setStatus($("asset-status"), data.status);
  const swaps = [];
  for (const card of cards.values()) swaps.push(applyRendition(card, data.renditions[card.slug]));
  const sal = data.saliency;
  if (sal && !state.drag && !isDirty()) {
    state.saved = sal.focal.slice();
    state.origin = sal.focal_origin;
    showFocal(sal.focal.slice());
  }
  if (sal) drawFaces(sal.faces || []);
  return Promise.all(swaps);
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
  const low = Number(conf.parentElement.dataset.lowConfidence);  // confidence.LOW_CONFIDENCE
  const problem = r.faces_cut ? "a face is cut" : (r.confidence < low ? "low confidence" : "");
  warn.hidden = !problem;
  warn.textContent = problem ? `⚠ ${problem}` : "";
  warn.title = problem;
  card.el.classList.toggle("warning", Boolean(problem));
  return swapThumb(card, r);
}

/** Where the DAM shows a rendition: its public file, or while the asset's rights withhold
 * it (410 for the public) the private preview that viewers of the asset may see. */
function thumbSrc(card, r) {
  const withheld = ["embargoed", "expired"].includes(state.asset?.rights);
  return withheld ? `${card.el.dataset.previewUrl}?key=${r.key}` : r.file_url;
}

/** Show a rendition's new file once it has loaded, so the thumbnail never flickers. */
async function swapThumb(card, r) {
  if (card.img.dataset.fileUrl === r.file_url) return;
  card.pending = r.file_url;
  const next = new Image();
  next.src = thumbSrc(card, r);
  try { await next.decode(); } catch (_) { /* shown anyway; the browser reports it */ }
  if (card.pending !== r.file_url) return;
  const replacing = Boolean(card.img.dataset.fileUrl);
  card.img.src = next.src;
  card.img.dataset.fileUrl = r.file_url;
  card.img.hidden = false;
  card.el.dataset.key = r.key;
  card.el.dataset.fileUrl = r.file_url;
  if (!replacing) return;
  card.el.classList.add("fresh");  // a brief mark on thumbnails that just changed
  setTimeout(() => card.el.classList.remove("fresh"), 1600);
}
