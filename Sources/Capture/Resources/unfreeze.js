/**
 * Takes Exhibit's style element out again, so dom.html is the page's own DOM.
 * @param {string} id the id `freeze.js` gave it
 * @returns {boolean}
 */
function unfreeze(id) {
  document.getElementById(id)?.remove();
  return true;
}
