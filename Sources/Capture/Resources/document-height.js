/**
 * The document's height in CSS px: one definition for every step that measures it (the sweep, the
 * screenshot's plan, the one-page PDF, the expansion's scrolls), so they cannot disagree.
 * @returns {number} 0 when there is no document element.
 */
function documentHeight() {
  const root = document.documentElement;
  return root ? Math.max(root.scrollHeight, document.body ? document.body.scrollHeight : 0) : 0;
}
