/**
 * Stops the count `watch-mutations.js` started and returns it, with up to three examples of what
 * changed; null if no count was running (the document was replaced).
 * @returns {{count: number, examples: string[]}|null}
 */
function mutationCount() {
  const running = globalThis.exhibitMutations;
  if (!running) return null;
  for (const r of running.observer.takeRecords()) {
    running.state.count += 1;
  }
  running.observer.disconnect();
  delete globalThis.exhibitMutations;
  return running.state;
}
