/* Live plan previews: where every profile would crop, asked at most every
 * PLAN_INTERVAL ms while the focal point moves; late answers never overwrite newer ones.
 */
import {PLAN_INTERVAL, isDirty, state} from "./state.js";
import {getPlans} from "./api.js";
import {showError} from "./feedback.js";
import {drawPlans} from "./stage.js";

let timer = null;
let lastAt = 0;    // performance.now() of the last request
let seq = 0;       // number of the last request
let shown = 0;     // number of the request whose answer is drawn

/** Ask for plans soon: at once, or when PLAN_INTERVAL has passed since the last request. */
export function schedulePlans() {
  if (timer) return;
  const wait = Math.max(0, PLAN_INTERVAL - (performance.now() - lastAt));
  timer = setTimeout(() => { timer = null; loadPlans(); }, wait);
}

/** Ask where every profile would crop; answers older than the last shown are dropped. */
export async function loadPlans() {
  if (!state.asset || !state.asset.saliency) return;
  lastAt = performance.now();
  const mine = ++seq;
  try {
    const data = await getPlans(isDirty() ? state.focal : null);
    if (mine <= shown) return;
    shown = mine;
    state.plans = data.plans;
    drawPlans();
  } catch (error) {
    showError(error);
  }
}

/** Ask now, dropping any request that was waiting. */
export function flushPlans() {
  if (timer) clearTimeout(timer);
  timer = null;
  loadPlans();
}
