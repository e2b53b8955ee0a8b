/**
 * Makes `img[loading=lazy]` eager, then sweep-scrolls the page in steps of 80 % of the viewport and
 * returns to the top, in one round trip. Each step scrolls (instantly, so smooth scrolling cannot
 * swallow it), lets two animation frames pass so IntersectionObservers fire, then waits for every
 * image that started loading (at most 3 s a step). `documentHeight` is `document-height.js`.
 * @param {{maxHeight: number, maxSteps: number, maxMillis: number, seconds: number, endOfPage: string}} limits
 * @returns {Promise<{y: number, steps: number, reason: string, eager: number, seconds: number}>}
 */
async function sweep(limits) {
  const lazy = [...document.querySelectorAll('img[loading=lazy]')];
  lazy.forEach(i => i.loading = 'eager');
  const step = Math.max(1, Math.floor(innerHeight * 0.8)), started = performance.now();
  const frames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  let steps = 0, reason = limits.endOfPage;
  scrollTo({left: 0, top: 0, behavior: 'instant'});
  while (true) {
    const y = scrollY;
    if (y + innerHeight >= documentHeight()) break;
    if (y >= limits.maxHeight) { reason = `reached --max-height ${limits.maxHeight} (the page kept growing)`; break; }
    if (steps >= limits.maxSteps) { reason = `reached the step limit ${limits.maxSteps}`; break; }
    if (performance.now() - started >= limits.maxMillis) { reason = `reached the time limit ${limits.seconds} s`; break; }
    scrollTo({left: 0, top: y + step, behavior: 'instant'});
    steps += 1;
    await frames();
    if (scrollY <= y) { reason = 'the page does not scroll past y=' + Math.round(y) + ' (scrolling blocked, or an inner scroll area)'; break; }
    const loading = [...document.images].filter(i => i.currentSrc && !i.complete);
    if (loading.length) await Promise.race([
      Promise.all(loading.map(i => new Promise(r => { i.addEventListener('load', r, {once: true}); i.addEventListener('error', r, {once: true}); }))),
      new Promise(r => setTimeout(r, 3000))]);
  }
  const reached = Math.round(scrollY);
  scrollTo({left: 0, top: 0, behavior: 'instant'});
  return {y: reached, steps, reason, eager: lazy.length, seconds: (performance.now() - started) / 1000};
}
