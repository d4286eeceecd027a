/* After a change: poll the asset until its new files are in, with a progress bar that
 * counts the renditions expected to change, then re-read the server-rendered parts of the page.
 */
import {$, S, cards, root, state} from "./state.js";
import {fetchPage, watchAsset} from "./api.js";
import {showError, showProgress} from "./feedback.js";
import {drawPlans} from "./stage.js";
import {loadPlans} from "./plans.js";
import {applyAsset, setOverride, setReview} from "./cards.js";

/** Poll the asset until processing ends, showing how many of ``expected`` got new files.
 * ``started`` is the performance.now() of the change; ``what`` names it to the user. */
export async function regenerate(expected, started, what) {
  const token = ++state.watch;
  const changed = changeCounter(expected);
  const total = expected.length;
  root.dataset.regen = "running";
  showProgress(0, total, `${what}: queued…`);
  let final;
  try {
    final = await watchAsset((data) => {
      S.setStatus($("asset-status"), data.status);
      const label = S.STATUS_LABELS[data.status] || data.status;
      showProgress(changed(data), total,
                   `${what}: ${label.toLowerCase()}, ${changed(data)} of ${total} renditions updated`);
    }, () => token !== state.watch);
  } catch (error) {
    showError(error);
    return;
  }
  if (!final) return;
  await applyAsset(final);
  const seconds = (performance.now() - started) / 1000;
  const count = changed(final);
  if (final.status === "failed") {
    showProgress(count, total, `Processing failed: ${final.error || "unknown error"}`, true);
  } else {
    showProgress(count, total,
                 `${what}: ${count} of ${total} renditions updated in ${seconds.toFixed(1)} s`, true);
  }
  root.dataset.regenSeconds = seconds.toFixed(2);
  await refreshAll();
  if (token === state.watch) root.dataset.regen = "done";
}

/** count(data): how many of ``expected`` have a rendition key other than they have now. */
function changeCounter(expected) {
  const baseline = {};
  for (const [slug, r] of Object.entries((state.asset || {}).renditions || {})) {
    baseline[slug] = r.key;
  }
  return (data) => expected.filter((slug) => data.renditions[slug]
    && data.renditions[slug].key !== baseline[slug]).length;
}

/** The plans and the server-rendered parts, both read again. */
export function refreshAll() {
  return Promise.all([loadPlans(), refreshFragments()]);
}

/** Re-read the server-rendered parts of this page: history, file table, review marks. */
export async function refreshFragments() {
  const doc = await fetchPage();
  if (!doc) return;
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
    setOverride(card, el.dataset.override);
  });
  drawPlans();
}

function focusHeading(section) {
  const heading = section && section.querySelector("h2");
  if (!heading) return;
  heading.tabIndex = -1;
  heading.focus();
}
