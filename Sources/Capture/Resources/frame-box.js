/**
 * Where a frame's element shows the frame: its content box (inside border and padding), in the
 * viewport of the document that holds the element, with that document's scroll, so a caller can
 * chain frames up to the top document. Called with the `<iframe>` as `this`
 * (`Runtime.callFunctionOn`), in Exhibit's isolated world.
 * @returns {{x: number, y: number, width: number, height: number, scrollX: number, scrollY: number}}
 */
function frameBox() {
  const r = this.getBoundingClientRect();
  const s = getComputedStyle(this);
  const left = this.clientLeft + parseFloat(s.paddingLeft || '0'), top = this.clientTop + parseFloat(s.paddingTop || '0');
  return {x: r.left + left, y: r.top + top, width: this.clientWidth - parseFloat(s.paddingLeft || '0') - parseFloat(s.paddingRight || '0'),
          height: this.clientHeight - parseFloat(s.paddingTop || '0') - parseFloat(s.paddingBottom || '0'), scrollX, scrollY};
}
