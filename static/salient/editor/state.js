/* The editor's shared state: the page's configuration, its DOM anchors, what the
 * editor is doing now, and the profile cards. Imports nothing.
 *
 * Points and boxes are normalised 0-1 of the oriented original, like the API;
 * on screen they are percentages of the stage, whose aspect is the photo's.
 */

export const S = window.Salient;
export const {clamp, aspectFactor, moveBox, resizeFrom, growBox} = S.geometry;

export const PALETTE = ["#d7263d", "#1b998b", "#3a5bd9", "#f46036", "#8e44ad", "#2e86ab",
                        "#c2185b", "#6a8d00", "#b8860b"];
export const PLAN_INTERVAL = 100;   // ms between plan requests while dragging (10/s)
export const POLL_INTERVAL = 500;   // ms between status polls while regenerating

export const $ = (id) => document.getElementById(id);
export const root = $("workspace");
const data = root ? root.dataset : {};
export const cfg = {
  api: data.api, plans: data.plans, focalUrl: data.focalUrl, regenerateUrl: data.regenerateUrl,
  heatmap: data.heatmap, width: Number(data.width) || 1,
  height: Number(data.height) || 1,
  canEdit: Boolean(data.canEdit), canReview: Boolean(data.canReview),
};
export const stage = $("stage");
export const marker = $("focal");

/** focal and saved are normalised points; drag and adjust are set while they last. */
export const state = {
  asset: null, plans: {}, focal: null, saved: null, origin: "auto",
  drag: null, adjust: null, busy: false, watch: 0,
};
/** slug -> {slug, name, el, box, aspect, img, pending}, in the page's order. */
export const cards = new Map();

export const round = (v, places) => Number(v.toFixed(places));
export const pct = (v) => `${(v * 100).toFixed(3)}%`;

/** Whether the focal point has been moved away from the saved one. */
export function isDirty() {
  if (!state.saved || !state.focal) return false;
  return Math.abs(state.saved[0] - state.focal[0]) > 1e-4
    || Math.abs(state.saved[1] - state.focal[1]) > 1e-4;
}

/** Profiles whose rendition follows the focal point (no editor's or approved box). */
export function followers() {
  return [...cards.keys()].filter((slug) => {
    const plan = state.plans[slug];
    return !plan || plan.origin !== "editor";
  });
}

/** A pointer event's position as a normalised point on the stage. */
export function pointFromEvent(event) {
  const rect = stage.getBoundingClientRect();
  return [clamp((event.clientX - rect.left) / rect.width),
          clamp((event.clientY - rect.top) / rect.height)];
}
