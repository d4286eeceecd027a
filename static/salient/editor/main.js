/* The editor's workspace on the asset page (heat map, faces, focal point, every profile's
 * crop box, crop overrides, review marks, history): the entry module that wires the rest.
 *
 * Loaded as <script type="module">, so it runs after common.js and geometry.js (deferred
 * scripts and modules run in document order) and needs no inline script for the CSP.
 */
import {$, cards, cfg, marker, root, stage, state} from "./state.js";
import {getAsset, postRegenerate} from "./api.js";
import {act, showError} from "./feedback.js";
import {sizeStage, wireTools} from "./stage.js";
import {loadPlans} from "./plans.js";
import {applyAsset, setupCards} from "./cards.js";
import {regenerate} from "./regenerate.js";
import {focalPointerDown, focalPointerMove, focalPointerUp, onMarkerKey, resetFocal, saveFocal,
        undoFocal} from "./focal.js";
import {adjustPointerDown, adjustPointerMove, adjustPointerUp, enterAdjust, exitAdjust, onBoxKey,
        resetCrop, saveCrop} from "./adjust.js";
import {review} from "./review.js";
import {revert} from "./history.js";
import {wireMetadata} from "./metadata.js";

// The stage's pointer goes to the crop box while one is being adjusted, else to the focal point.
function onPointerDown(event) {
  if (event.button > 0 || !state.focal) return;
  if (state.adjust) adjustPointerDown(event);
  else focalPointerDown(event);
}

function onPointerMove(event) {
  if (state.adjust) adjustPointerMove(event);
  else focalPointerMove(event);
}

function onPointerUp(event) {
  if (state.adjust) adjustPointerUp(event);
  else focalPointerUp(event);
}

function wireEditing() {
  stage.addEventListener("pointerdown", onPointerDown);
  stage.addEventListener("pointermove", onPointerMove);
  stage.addEventListener("pointerup", onPointerUp);
  stage.addEventListener("pointercancel", onPointerUp);
  marker.addEventListener("keydown", onMarkerKey);
  $("boxes").addEventListener("keydown", onBoxKey);
  $("focal-save").addEventListener("click", saveFocal);
  $("focal-undo").addEventListener("click", undoFocal);
  $("focal-reset").addEventListener("click", resetFocal);
  $("crop-save").addEventListener("click", saveCrop);
  $("crop-cancel").addEventListener("click", exitAdjust);
}

/** One listener for the buttons on cards and in the history, which the page may replace. */
function onActionClick(event) {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const cardEl = button.closest(".profile-card");
  const card = cardEl && cards.get(cardEl.dataset.slug);
  const action = button.dataset.action;
  if (action === "adjust" && card) enterAdjust(card.slug);
  else if (action === "crop-reset" && card) resetCrop(card);
  else if (action === "review" && card) review(card, button.dataset.review);
  else if (action === "revert") revert(button);
}

/** Process again: the asset is analysed and every rendition made anew. */
function reprocess() {
  const work = regenerateAll(performance.now());
  return act(work);
}

async function regenerateAll(started) {
  await postRegenerate();
  regenerate([...cards.keys()], started, "Processing again");
}

async function init() {
  sizeStage();
  setupCards();
  wireTools();
  if (cfg.canEdit) wireEditing();
  wireMetadata();
  document.addEventListener("click", onActionClick);
  if ($("reprocess")) $("reprocess").addEventListener("click", reprocess);
  let data;
  try {
    data = await getAsset();
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

if (root) init();
