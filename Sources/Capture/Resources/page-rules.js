/**
 * The page's own `@page` rules that set the paper size or margins with `!important`, which
 * Exhibit's injected `@page` rule cannot override (measured on Chromium 156), as their CSS text;
 * and how many style sheets could not be read (cross-origin sheets hide their rules).
 * @returns {{important: string[], unreadable: number}}
 */
function pageRules() {
  const important = [], properties = ['size', 'margin-top', 'margin-right', 'margin-bottom', 'margin-left'];
  let unreadable = 0;
  const visit = rules => {
    for (const rule of rules) {
      if (rule instanceof CSSPageRule) {
        if (properties.some(p => rule.style.getPropertyPriority(p) === 'important')) important.push(rule.cssText.slice(0, 200));
      } else if (rule.cssRules) {
        visit(rule.cssRules);
      }
    }
  };
  for (const sheet of document.styleSheets) {
    // Exhibit's own rule is not the page's.
    if (sheet.ownerNode && sheet.ownerNode.id === 'exhibit-freeze-style') continue;
    let rules;
    try { rules = sheet.cssRules; } catch (e) { unreadable += 1; continue; }
    visit(rules);
  }
  return { important, unreadable };
}
