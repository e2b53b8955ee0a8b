/**
 * Back to the top, and two animation frames for the page to answer the scroll, unless it is there.
 * @returns {Promise<boolean>|boolean}
 */
function scrollToTop() {
  if (scrollX === 0 && scrollY === 0) return true;
  scrollTo(0, 0);
  return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))));
}
