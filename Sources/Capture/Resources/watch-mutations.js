/**
 * Starts counting changes to the DOM (nodes added or removed, text changed, attributes set), so the
 * capture can tell whether the page stayed one page while its screenshot and PDF were taken: a
 * `beforeprint` handler that swaps the text, or a script that rewrites the thread between tiles,
 * shows up here even when it puts everything back afterwards. Runs in Exhibit's isolated world;
 * `mutationCount.js` reads and stops it.
 * @returns {boolean}
 */
function watchMutations() {
  const state = {count: 0, examples: []};
  const observer = new MutationObserver(records => {
    for (const r of records) {
      state.count += 1;
      if (state.examples.length < 3) {
        const where = r.target.nodeType === 1 ? r.target : r.target.parentElement;
        state.examples.push(r.type + ' at ' + (where ? where.tagName.toLowerCase() + (where.id ? '#' + where.id : '') : '?'));
      }
    }
  });
  observer.observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
  globalThis.exhibitMutations = {state, observer};
  return true;
}
