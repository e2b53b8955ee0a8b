/**
 * Waits for `document.fonts.ready`, at most `millis`.
 * @param {number} millis
 * @returns {Promise<string>} the font set's status ('loaded'), or 'timeout'.
 */
function fontsReady(millis) {
  return Promise.race([document.fonts.ready.then(f => f.status), new Promise(r => setTimeout(() => r('timeout'), millis))]);
}
