// The behaviour every platform fixture shares, as the real sites behave: the thread's data is
// fetched as JSON, the first replies render at once, more load only when the bottom of the list
// scrolls into view, the rest only after a "show more replies" control is clicked, and two nested
// replies only after their parent's "view replies" control is clicked. A consent dialog blocks the
// page (no scrolling, no loading) until it is dismissed. Like sites that guard against bots, the
// controls answer only trusted clicks (event.isTrusted): a script's element.click() does nothing.
// Each page supplies its own markup.
//
// page = {
//   list: Element that holds top-level replies,
//   reply(r, ctx): HTML of one reply (ctx.relative(iso), ctx.esc(text), ctx.replyTo: parent reply or null),
//   nestedToggle(parent, count): HTML of the control that loads a reply's nested replies,
//   nestedHost(parentElement): where nested replies go (created by the page, e.g. after the parent),
//   data: the thread's data, if not /_shared/thread-data.json (an absolute path),
//   more(): HTML of the "show more replies" control; a page without one (TikTok's comment list
//     has none) loads that batch too when the end of the list scrolls into view again,
// }
//
// ?login is the logged-in mode (Fixtures/README.md): the replies past the first three are for
// members, drawn only while the page still holds its <!-- members-only --> marker. A guest's page
// has lost it to the login wall: the server takes it out for the platforms that keep their session
// in a cookie, applySession below for a page that keeps it in localStorage (as bsky.app does,
// <meta name="fixture-session" content="localStorage">), once /_whoami has said the token is no
// good. A viewer's page gets the viewer's markup at <!-- viewer --> instead.
(function () {
  const esc = s => String(s).replace(/[&<>"']/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
  // Relative times as platforms show them ("5d", "3 hours ago"), from the page's own clock.
  // style: 'short' (5d), 'long' (5 days ago) or 'nl' (5 d., as Dutch Facebook shows it).
  const relative = (iso, style) => {
    const s = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    const units = [['y', 'year', 'j', 365 * 86400], ['w', 'week', 'w', 7 * 86400], ['d', 'day', 'd', 86400],
                   ['h', 'hour', 'u', 3600], ['m', 'minute', 'min', 60]];
    for (const [short, long, dutch, size] of units) {
      if (s >= size) {
        const n = Math.floor(s / size);
        if (style === 'long') return `${n} ${long}${n === 1 ? '' : 's'} ago`;
        if (style === 'nl') return `${n} ${dutch}.`;
        return `${n}${short}`;
      }
    }
    return style === 'long' ? 'just now' : 'now';
  };
  const guestReplies = 3;
  const comments = name => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_COMMENT);
    const found = [];
    while (walker.nextNode()) if (walker.currentNode.data.trim() === name) found.push(walker.currentNode);
    return found;
  };
  // A <template data-fixture="NAME">'s markup, made live, with {{handle}} and {{name}} filled in.
  const fromTemplate = (name, values = {}) => {
    const holder = document.createElement('template');
    holder.innerHTML = (document.querySelector(`template[data-fixture="${name}"]`)?.innerHTML || '')
      .replace(/\{\{(handle|name)\}\}/g, (_, key) => esc(values[key] ?? ''));
    return holder.content;
  };
  // What the server does for the cookie platforms, done by the page with its localStorage token.
  const applySession = async () => {
    const token = localStorage.getItem('fixture-session');
    const answer = token ? await fetch('/_whoami', {headers: {'X-Fixture-Session': token}}).catch(() => null) : null;
    const handle = answer && answer.ok ? (await answer.json()).handle : null;
    if (handle) {
      for (const marker of comments('viewer')) marker.replaceWith(fromTemplate('viewer', {handle, name: handle.replace(/^@/, '')}));
      return;
    }
    const [start] = comments('members-only'), [end] = comments('/members-only');
    if (!start || !end) return;
    const range = document.createRange();
    range.setStartBefore(start);
    range.setEndAfter(end);
    range.deleteContents();
    range.insertNode(fromTemplate('login-wall'));
  };
  // A page may name its own data (an absolute path): the changing thread has two versions of it.
  const fetchData = (delay) => fetch((delay ? `/_delay/${delay}` : '') + (page?.data || '/_shared/thread-data.json')).then(r => r.json());
  let consentGiven = false, page, data, byId = {};

  const render = (list, replies, into) => {
    const host = document.createElement('template');
    host.innerHTML = replies.map(r => page.reply(r, {relative, esc, replyTo: r.parent ? byId[r.parent] : null})).join('');
    const nodes = [...host.content.children];
    into.append(...nodes);
    return nodes;
  };

  const addNestedToggle = (parent, element) => {
    const nested = data.replies.filter(r => r.batch === 'nested');
    const holder = document.createElement('template');
    holder.innerHTML = page.nestedToggle(parent, nested.length);
    const toggle = holder.content.firstElementChild;
    element.after(toggle);
    toggle.addEventListener('click', async event => {
      if (!event.isTrusted || toggle.getAttribute('aria-busy') === 'true') return;
      toggle.setAttribute('aria-busy', 'true');
      await fetchData(250);
      // Each nested reply goes where the platform puts replies to its parent (some nest, some flatten).
      for (const r of nested) {
        const parentElement = document.querySelector(`[data-reply-id="${r.parent}"]`) || element;
        render(page.list, [r], page.nestedHost(parentElement, toggle, r));
      }
      toggle.remove();
    });
  };

  const addMore = () => {
    const holder = document.createElement('template');
    holder.innerHTML = page.more();
    const more = holder.content.firstElementChild;
    page.list.after(more);
    more.addEventListener('click', async event => {
      if (!event.isTrusted || more.getAttribute('aria-busy') === 'true') return;
      more.setAttribute('aria-busy', 'true');
      await fetchData(300);
      render(page.list, data.replies.filter(r => r.batch === 'click'), page.list);
      more.remove();
    });
  };

  const watchScroll = (batch = 'scroll', then = () => page.more ? addMore() : watchScroll('click', () => {})) => {
    const sentinel = document.createElement('div');
    sentinel.className = 'fixture-sentinel';
    sentinel.style.height = '1px';
    page.list.after(sentinel);
    let loading = false;
    new IntersectionObserver(async (entries, observer) => {
      if (!consentGiven || loading || !entries.some(e => e.isIntersecting)) return;
      loading = true;
      await fetchData(300);
      render(page.list, data.replies.filter(r => r.batch === batch), page.list);
      observer.disconnect();
      sentinel.remove();
      then();
    }).observe(sentinel);
  };

  window.FixtureThread = {
    relative, esc,
    async start(p) {
      page = p;
      document.body.style.overflow = 'hidden';
      const login = new URLSearchParams(location.search).has('login');
      if (login && document.querySelector('meta[name="fixture-session"][content="localStorage"]')) await applySession();
      const guest = login && !comments('members-only').length;
      data = await fetchData(0);
      for (const r of data.replies) byId[r.id] = r;
      const initial = data.replies.filter(r => r.batch === 'initial');
      const nodes = render(page.list, guest ? initial.filter(r => !r.parent).slice(0, guestReplies) : initial, page.list);
      const parentId = data.replies.find(r => r.batch === 'nested').parent;
      const selector = `[data-reply-id="${parentId}"]`;
      const parentElement = nodes.find(n => n.matches(selector) || n.querySelector(selector));
      // A guest gets nothing more: no nested replies, no loading on scroll, no "show more".
      if (parentElement && !guest) addNestedToggle(byId[parentId], parentElement);
      if (!guest) watchScroll();
      // ?consent=accept-only: a dialog that offers no way to refuse.
      if (new URLSearchParams(location.search).get('consent') === 'accept-only') {
        for (const b of document.querySelectorAll('[data-consent]:not([data-consent=all])')) b.remove();
      }
      // ?banner: the platform's sign-up or login prompt (the page's <template id="fixture-banner">)
      // appears at the first scroll after the consent answer, as logged-out pages show theirs
      // once the reader starts reading on; the profile's hide rule is for it.
      const banner = document.getElementById('fixture-banner');
      const showBanner = () => {
        if (!banner || !new URLSearchParams(location.search).has('banner')) return;
        window.addEventListener('scroll', () => document.body.append(banner.content.cloneNode(true)), {once: true});
      };
      // Answered before (on a consent page of its own): the dialog is not shown again.
      if (/(^|; )consent=/.test(document.cookie)) {
        document.querySelector('[data-consent-dialog]')?.remove();
        document.body.style.overflow = '';
        consentGiven = true;
        showBanner();
      }
      for (const button of document.querySelectorAll('[data-consent]')) {
        button.addEventListener('click', event => {
          if (!event.isTrusted) return;
          document.cookie = `consent=${button.dataset.consent}; path=/`;
          document.querySelector('[data-consent-dialog]').remove();
          document.body.style.overflow = '';
          consentGiven = true;
          // The sentinel may already be in view: observers only fire on change.
          window.dispatchEvent(new Event('scroll'));
          showBanner();
        });
      }
    },
  };
})();
