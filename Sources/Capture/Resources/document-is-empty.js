/**
 * Whether the document shows nothing at all (no root, a hidden root, or an empty body of zero
 * height), so the screenshot can refuse it rather than save a blank image.
 * @returns {boolean}
 */
function documentIsEmpty() {
  const root = document.documentElement, body = document.body;
  return !root || getComputedStyle(root).display === 'none' || !body
    || body.getBoundingClientRect().height === 0 && body.scrollHeight === 0 && body.childElementCount === 0;
}
