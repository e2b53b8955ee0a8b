/**
 * Adds Exhibit's style element (animations, transitions and the caret stopped; smooth scrolling made
 * instant), so the tiles of one screenshot show one state of the page. `unfreeze.js` removes it.
 * @param {string} css
 * @param {string} id the element's id
 * @returns {boolean}
 */
function freeze(css, id) {
  const style = document.createElement('style');
  style.id = id;
  style.textContent = css;
  (document.head || document.documentElement).appendChild(style);
  return true;
}
