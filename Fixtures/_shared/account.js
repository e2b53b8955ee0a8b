// The timeline every account-page fixture shows (Tests/CaptureTests/AccountPageTests.swift knows
// it): a pinned post, newer posts first, and a repost by the account where the platform has them.
// Each page renders the entries with its own platform's markup through `renderTimeline`.
// `endless: true` keeps loading older posts when the page is scrolled to its bottom, as X does.
window.accountPosts = [
  {id: '1790000000000000001', code: 'DAcc001', iso: '2026-11-01T08:00:00Z', pinned: true,
   text: 'Alles over de nieuwe havenpromenade: ontwerp, planning en inspraak.'},
  {id: '1790000000000000005', code: 'DAcc005', iso: '2026-11-20T09:00:00Z',
   text: 'Het stadhuis is vrijdag gesloten wegens onderhoud aan de centrale hal.'},
  {id: '1790000000000000004', code: 'DAcc004', iso: '2026-11-19T15:30:00Z', repost: true,
   author: 'Brandweer Voorbeeld', handle: 'brandweervoorbeeld',
   text: 'Let op: woensdag brandweeroefening in de oude haven, sirenes te horen.'},
  {id: '1790000000000000003', code: 'DAcc003', iso: '2026-11-18T12:00:00Z',
   text: 'Raadsvergadering donderdag om 19.30 uur, live te volgen via de website.'},
  {id: '1790000000000000002', code: 'DAcc002', iso: '2026-11-15T10:15:00Z',
   text: 'Vanaf december heeft de bibliotheek nieuwe openingstijden.'},
];

const monthShort = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
window.shortDate = iso => { const d = new Date(iso); return `${monthShort[d.getUTCMonth()]} ${d.getUTCDate()}`; };
window.longDate = iso => {
  const d = new Date(iso), months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  const h = d.getUTCHours(), m = String(d.getUTCMinutes()).padStart(2, '0');
  return `${months[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()} at ${(h % 12) || 12}:${m} ${h < 12 ? 'AM' : 'PM'}`;
};
window.daysAgo = iso => { const days = Math.max(1, Math.round((Date.now() - Date.parse(iso)) / 86400000)); return `${days} days ago`; };
// `?posts=PATH` (the collection tests) links each entry to PATH?post=ID on this server, a page a
// capture can load, instead of to the platform.
window.postLink = (p, platformURL) => {
  const base = new URLSearchParams(location.search).get('posts');
  return base ? `${base}?post=${p.id}` : platformURL;
};
window.escapeHTML = s => s.replace(/[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));

window.renderTimeline = (container, template, {reposts = true, endless = false} = {}) => {
  const posts = window.accountPosts.filter(p => reposts || !p.repost);
  container.insertAdjacentHTML('beforeend', posts.map(template).join(''));
  if (!endless) return;
  let batch = 0;
  addEventListener('scroll', () => {
    if (batch >= 40 || innerHeight + scrollY < document.documentElement.scrollHeight - 50) return;
    batch += 1;
    const older = [0, 1, 2].map(i => {
      const n = batch * 3 + i, iso = new Date(Date.parse('2026-11-10T12:00:00Z') - n * 3600000).toISOString().replace('.000', '');
      return {id: String(1780000000000000000n + BigInt(n)), code: 'DOld' + n, iso, text: `Ouder bericht ${n} van de gemeente.`};
    });
    setTimeout(() => container.insertAdjacentHTML('beforeend', older.map(template).join('')), 100);
  });
};
