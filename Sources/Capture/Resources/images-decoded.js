/**
 * Resolves once the document has loaded and its images are decoded: the report's page (a local page
 * without scripts) is then ready to print.
 * @returns {Promise<boolean>}
 */
function imagesDecoded() {
  return new Promise(r => {
    const done = () => Promise.all([...document.images].map(i => i.decode().catch(() => null))).then(() => r(true));
    if (document.readyState === 'complete') done(); else addEventListener('load', done, {once: true});
  });
}
