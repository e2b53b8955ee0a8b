/**
 * Waits (at most `millis`) for every image to load or fail, then for the loaded ones to decode.
 * @param {number} millis
 * @returns {Promise<{loading: number, broken: number}>} images still loading, and images that failed
 *   to load (complete, with a source, but no pixels).
 */
async function imagesReady(millis) {
  const images = [...document.images];
  const waiting = images.filter(i => !i.complete).map(i => new Promise(r => {
    i.addEventListener('load', r, {once: true}); i.addEventListener('error', r, {once: true}); }));
  await Promise.race([Promise.all(waiting), new Promise(r => setTimeout(r, millis))]);
  await Promise.all(images.filter(i => i.complete && i.naturalWidth > 0).map(i => i.decode().catch(() => null)));
  return {
    loading: images.filter(i => !i.complete).length,
    broken: images.filter(i => i.complete && i.naturalWidth === 0 && i.currentSrc).length,
  };
}
