/* Review marks on a profile's card: approved, needs work, or back to review, shown at
 * once and taken back if the server refuses them.
 */
import {postReview} from "./api.js";
import {showError} from "./feedback.js";
import {setReview} from "./cards.js";
import {refreshAll} from "./regenerate.js";

/** Pressing the mark a card already has takes it back to "pending". */
export async function review(card, wanted) {
  const before = card.el.dataset.review;
  const next = before === wanted ? "pending" : wanted;
  setReview(card, next);
  try {
    showError(null);
    await postReview(card, next);
    await refreshAll();
  } catch (error) {
    setReview(card, before);
    showError(new Error(`${card.name}: ${error.message}`));
  }
}
