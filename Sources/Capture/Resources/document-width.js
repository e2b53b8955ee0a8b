/**
 * The document's laid-out width in CSS px: the wider of the root's and the body's scroll widths,
 * so content that overflows to the right counts; never less than the viewport's width. The
 * paginated PDF is scaled so that this width fits the paper.
 * @returns {number} 0 when there is no document element.
 */
function documentWidth() {
  const root = document.documentElement;
  return root ? Math.max(root.scrollWidth, document.body ? document.body.scrollWidth : 0) : 0;
}
