/**
 * The document box of the first element matching `selector` (for --clip-selector).
 * @param {string} selector
 * @returns {number[]|null} [left, top, right, bottom] in document CSS px, or null when nothing matches.
 */
function elementBox(selector) {
  const e = document.querySelector(selector);
  if (!e) return null;
  const r = e.getBoundingClientRect();
  return [r.left + scrollX, r.top + scrollY, r.right + scrollX, r.bottom + scrollY];
}
