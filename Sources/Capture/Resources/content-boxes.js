/**
 * Where the page has visible text and images: their boxes in document CSS px, merged into
 * intervals [top, bottom] down the page. The blank-band guard compares flat runs of the screenshot
 * with these.
 * @returns {number[][]}
 */
function contentBoxes() {
  const boxes = [], range = document.createRange(), sy = scrollY;
  const walker = document.createTreeWalker(document.body || document.documentElement, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim() || !n.parentElement) continue;
    const style = getComputedStyle(n.parentElement);
    if (style.visibility !== 'visible' || style.display === 'none' || parseFloat(style.opacity) === 0) continue;
    range.selectNodeContents(n);
    for (const r of range.getClientRects()) if (r.width > 0 && r.height > 0) boxes.push([r.top + sy, r.bottom + sy]);
  }
  for (const i of document.images) {
    const r = i.getBoundingClientRect();
    if (r.width > 0 && r.height > 0) boxes.push([r.top + sy, r.bottom + sy]);
  }
  boxes.sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const b of boxes) {
    const last = merged[merged.length - 1];
    if (last && b[0] <= last[1]) last[1] = Math.max(last[1], b[1]); else merged.push(b);
  }
  return merged;
}
