/* The focal point: dragging it on the stage or nudging it with the arrow keys, with
 * live plan previews as it moves; saving, undoing and resetting it to automatic.
 */
import {cfg, followers, isDirty, marker, pointFromEvent, round, stage, state} from "./state.js";
import {postFocal} from "./api.js";
import {act} from "./feedback.js";
import {drawPlans, showFocal} from "./stage.js";
import {flushPlans, schedulePlans} from "./plans.js";
import {regenerate} from "./regenerate.js";

/** Move the focal point to a normalised point and preview what saving it would give. */
function moveFocal(point) {
  showFocal(point);
  schedulePlans();
}

export function focalPointerDown(event) {
  if (!cfg.canEdit || state.busy) return;
  event.preventDefault();
  stage.setPointerCapture(event.pointerId);
  state.drag = {id: event.pointerId};
  marker.classList.add("dragging");
  marker.focus({preventScroll: true});
  moveFocal(pointFromEvent(event));
}

export function focalPointerMove(event) {
  if (state.drag && event.pointerId === state.drag.id) moveFocal(pointFromEvent(event));
}

export function focalPointerUp(event) {
  if (!state.drag || event.pointerId !== state.drag.id) return;
  state.drag = null;
  marker.classList.remove("dragging");
  flushPlans();
}

/** Arrows nudge by 1% (5% with Shift), Enter saves, Escape undoes. */
export function onMarkerKey(event) {
  if (state.adjust || state.busy) return;
  const step = event.shiftKey ? 0.05 : 0.01;
  const [x, y] = state.focal || [0.5, 0.5];
  const moves = {ArrowLeft: [x - step, y], ArrowRight: [x + step, y],
                 ArrowUp: [x, y - step], ArrowDown: [x, y + step]};
  if (moves[event.key]) moveFocal(moves[event.key]);
  else if (event.key === "Enter") saveFocal();
  else if (event.key === "Escape") undoFocal();
  else return;
  event.preventDefault();
}

export function undoFocal() {
  if (!state.saved) return;
  showFocal(state.saved.slice());
  flushPlans();
}

export async function saveFocal() {
  if (!isDirty() || state.busy || state.adjust) return;
  const started = performance.now();
  const [x, y] = state.focal;
  const work = focalPost({x: round(x, 4), y: round(y, 4)}, started, "Focal point saved");
  await act(work);
}

export async function resetFocal() {
  if (state.busy || state.adjust) return;
  const work = focalPost({reset: true}, performance.now(), "Focal point back to automatic");
  await act(work);
}

/** Save a focal point (or reset it), then follow the renditions that move with it. */
async function focalPost(body, started, what) {
  const expected = followers();
  adopt(await postFocal(body));
  if (body.reset) flushPlans();
  else drawPlans();  // the previewed boxes are now the saved ones
  regenerate(expected, started, what);
}

/** Take the server's answer to a focal change as the saved point. */
function adopt(result) {
  state.saved = result.focal.slice();
  state.origin = result.focal_origin;
  showFocal(result.focal.slice());
}
