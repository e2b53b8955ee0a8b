/**
 * The document as HTML, doctype included, as it stands now (for dom.html).
 * @returns {string}
 */
function serializeDOM() {
  return (document.doctype ? new XMLSerializer().serializeToString(document.doctype) + '\n' : '') + document.documentElement.outerHTML;
}
