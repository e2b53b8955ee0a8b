/**
 * Installs `globalThis.exhibit` in Exhibit's isolated world (`Page.createIsolatedWorld`): it shares
 * the page's DOM but none of the page's globals, so a page script cannot redefine what it calls.
 * Installed once per document; its SHA-256 is recorded in capture.json. Profile regexes run with the
 * flags the profile states (always including `u`), checked beforehand by `check-regexes.js`.
 * `documentHeight` is `document-height.js`.
 * @returns {boolean}
 */
function installExhibit() {
  if (globalThis.exhibit) return true;
  const invalid = new Set();
  // At most `n` UTF-16 units, never half of a surrogate pair: a lone surrogate is not valid JSON
  // for Exhibit's decoder, and one emoji at the cut would fail the whole step.
  const cut = (text, n) => {
    const t = text.slice(0, n);
    return /[\uD800-\uDBFF]$/.test(t) ? t.slice(0, -1) : t;
  };
  // Every string handed back made well-formed: a page can hold lone surrogates in its text on
  // purpose; each is read as U+FFFD (the DOM itself is saved as it was).
  const clean = v => typeof v === 'string' ? v.toWellFormed()
    : Array.isArray(v) ? v.map(clean)
    : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clean(x)])) : v;
  const all = (root, selector) => {
    try { return [...root.querySelectorAll(selector)]; } catch (e) { invalid.add(selector); return []; }
  };
  const visible = el => {
    const r = el.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) return false;
    const s = getComputedStyle(el);
    return s.visibility !== 'hidden' && s.display !== 'none' && parseFloat(s.opacity) > 0;
  };
  // What a person would read on the control: its aria-label, else its text, else (for an icon
  // button) the aria-label, title or alt text of what it contains.
  const label = el => {
    const clean = s => (s || '').replace(/\s+/g, ' ').trim();
    let text = clean(el.getAttribute('aria-label')) || clean(el.innerText || el.textContent || el.value);
    if (!/\p{L}/u.test(text)) {
      const inner = el.querySelector('[aria-label], [title], img[alt]');
      if (inner) text = clean(inner.getAttribute('aria-label') || inner.getAttribute('title') || inner.getAttribute('alt')) || text;
    }
    return cut(text, 200).toWellFormed();
  };
  // A control that is loading (aria-busy) or disabled is not clicked again.
  const busy = el => el.disabled || el.getAttribute('aria-disabled') === 'true' || !!el.closest('[aria-busy="true"]');
  const matching = rule => all(document, rule.selector)
    .filter(el => visible(el) && !busy(el) && (!rule.text || new RegExp(rule.text, rule.flags).test(label(el))));
  let targets = [];
  const urlAttributes = new Set(['href', 'src', 'poster', 'content']);
  const readValue = (el, attribute) => {
    if (!attribute) return (el.innerText || el.textContent || '').trim();
    if (attribute === 'currentSrc') return el.currentSrc || el.src || '';
    const value = el.getAttribute(attribute);
    if (value === null) return '';
    if (urlAttributes.has(attribute) && (attribute !== 'content' || /^(\/|https?:)/.test(value))) {
      try { return new URL(value, document.baseURI).href; } catch (e) { return value; }
    }
    return value.trim();
  };
  // Where an element is, for a person reading `exhibit profiles explain`: up to six levels of tag,
  // id, test id and two classes.
  const path = el => {
    const parts = [];
    for (let e = el; e && e.nodeType === 1 && parts.length < 6; e = e.parentElement) {
      let part = e.tagName.toLowerCase();
      if (e.id) part += '#' + e.id;
      const testId = e.getAttribute('data-testid');
      if (testId) part += `[data-testid="${testId}"]`;
      const classes = [...e.classList].slice(0, 2);
      if (classes.length) part += '.' + classes.join('.');
      parts.unshift(part);
      if (e.id) break;
    }
    return cut(parts.join(' > '), 300);
  };
  const snippet = el => cut((el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim(), 80);
  // The page's machine-readable description of itself, as data: each JSON-LD script's text (parsed
  // by Exhibit, not matched with regexes), the Open Graph and article meta tags, and microdata
  // items. Sizes are capped: a page cannot make the record huge through them.
  const structuredData = () => {
    const jsonld = [...document.querySelectorAll('script[type="application/ld+json"]')]
      .map(el => el.textContent || '').filter(text => text.length <= 2000000).slice(0, 50);
    const meta = {};
    for (const el of document.querySelectorAll('meta[property], meta[name]')) {
      const key = el.getAttribute('property') || el.getAttribute('name');
      if (!/^(og:|article:|twitter:|author$|description$)/.test(key) || key in meta) continue;
      meta[key] = cut(el.getAttribute('content') || '', 20000);
    }
    const microItem = (scope, depth) => {
      const props = {};
      const walk = parent => {
        for (const child of parent.children) {
          const names = (child.getAttribute('itemprop') || '').split(/\s+/).filter(Boolean);
          let value = null;
          if (names.length) {
            if (child.hasAttribute('itemscope')) value = depth < 8 ? microItem(child, depth + 1) : null;
            else if (child.hasAttribute('content')) value = child.getAttribute('content');
            else if (child.tagName === 'TIME' && child.hasAttribute('datetime')) value = child.getAttribute('datetime');
            else if (child.hasAttribute('href')) value = child.href;
            else if (child.hasAttribute('src')) value = child.src;
            else value = cut((child.innerText || child.textContent || '').trim(), 20000);
            for (const name of names) (props[name] = props[name] || []).push(value);
          }
          if (!child.hasAttribute('itemscope')) walk(child);
        }
      };
      walk(scope);
      return {type: scope.getAttribute('itemtype') || null, props};
    };
    const microdata = [...document.querySelectorAll('[itemscope]:not([itemprop])')].slice(0, 20).map(el => microItem(el, 0));
    return {jsonld, meta, microdata: JSON.stringify(microdata)};
  };
  globalThis.exhibit = {
    invalid: () => [...invalid],
    /// Visible elements matching any rule, each once; kept for locate().
    find(rules) {
      targets = [];
      const seen = new Set();
      for (const rule of rules) for (const el of matching(rule)) {
        if (seen.has(el)) continue;
        seen.add(el);
        targets.push({el, rule});
      }
      return targets.map((t, index) => ({index, selector: t.rule.selector, label: label(t.el)}));
    },
    /// Scrolls a found element into view and gives the point to click, and whether that point
    /// really hits it (an overlay could cover it).
    locate(index) {
      const t = targets[index];
      if (!t || !t.el.isConnected || !visible(t.el)) return null;
      t.el.scrollIntoView({block: 'center', inline: 'center'});
      const r = t.el.getBoundingClientRect();
      const x = r.left + r.width / 2, y = r.top + r.height / 2;
      const hit = document.elementFromPoint(x, y);
      return {x, y, hits: !!hit && (hit === t.el || t.el.contains(hit))};
    },
    /// The fallback when an overlay covers a target's centre.
    clickCovered(index) { const t = targets[index]; if (!t || !t.el.isConnected) return false; t.el.click(); return true; },
    /// The first visible element matching one of the rules.
    present(rules) {
      for (const rule of rules) { const el = matching(rule)[0]; if (el) return {selector: rule.selector, label: label(el)}; }
      return null;
    },
    exists: selector => all(document, selector).some(visible),
    /// For `exhibit profiles explain`: what each rule finds on the page as it is now, by the same
    /// test the profile's runner uses (visible, not busy, its text matching the label).
    survey(rules) {
      return clean(rules.map(rule => {
        const found = all(document, rule.selector), shown = found.filter(visible);
        const hits = shown.filter(el => !busy(el) && (!rule.text || new RegExp(rule.text, rule.flags).test(label(el))));
        return {matched: found.length, visible: shown.length, hits: hits.length,
                first: hits[0] ? {label: label(hits[0]), path: path(hits[0])} : null};
      }));
    },
    /// `survey`, and how many of the runner's actions (`done`: selector and label) each rule
    /// accounts for: the same selector, and the label its `text` asks for.
    surveyWithActions(rules, done) {
      const found = this.survey(rules);
      return rules.map((rule, i) => ({survey: found[i],
        used: done.filter(d => d.selector === rule.selector && (!rule.text || new RegExp(rule.text, rule.flags).test(d.label))).length}));
    },
    hide(rules) {
      const done = [];
      for (const rule of rules) for (const el of matching(rule)) {
        done.push({selector: rule.selector, label: label(el), reason: rule.reason || ''});
        el.style.setProperty('display', 'none', 'important');
      }
      return done;
    },
    /// Resolves once the DOM has not changed for `ms` milliseconds (at most `max`): content a
    /// page renders after its request finished is in place before the next round looks.
    quiet(ms, max) {
      return new Promise(resolve => {
        let timer;
        const started = performance.now();
        const done = () => { observer.disconnect(); resolve(Math.round(performance.now() - started)); };
        const observer = new MutationObserver(() => {
          clearTimeout(timer);
          if (performance.now() - started >= max) done(); else timer = setTimeout(done, ms);
        });
        observer.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
        timer = setTimeout(done, ms);
      });
    },
    count: selector => selector ? all(document, selector).length : 0,
    height: () => documentHeight(),
    scrollToBottom() {
      const y = Math.max(0, this.height() - innerHeight);
      scrollTo(0, y);
      return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(Math.round(scrollY)))));
    },
    /// Reads the post and replies by the profile's extraction rules. With `trace` (an object),
    /// also says what each rule alternative matched, for `exhibit profiles explain`; the reading is
    /// the same either way.
    extract(spec, trace) {
      const hits = {};
      let post = null, postSelector = null;
      // A page that shows the post among its neighbours (a channel stream) names it in its URL:
      // then an element carrying the key's attribute is the post only when its value is the key.
      const keyRule = spec.postKey, keyMatch = keyRule ? new RegExp(keyRule.pattern, keyRule.flags).exec(location.href) : null;
      const key = keyMatch && keyMatch[1] ? keyMatch[1].toLowerCase() : null;
      const isKeyed = el => !key || !el.hasAttribute(keyRule.attribute) || el.getAttribute(keyRule.attribute).toLowerCase() === key;
      for (const selector of spec.post) {
        const el = all(document, selector).find(el => visible(el) && isKeyed(el));
        if (trace) {
          const found = all(document, selector);
          (trace.post = trace.post || []).push({selector, matched: found.length, visible: found.filter(visible).length,
                                                first: el ? path(el) : null, taken: !!el && !post});
        }
        if (el) { post = el; postSelector = selector; break; }
      }
      // Replies the page holds in a frame are not read (extraction does not enter frames): say so.
      const repliesInFrame = (spec.repliesInFrame || []).find(selector => all(document, selector).length > 0) || null;
      // Replies may sit inside the post's element (Facebook) or inside each other (nesting):
      // an item's fields and media are read only from its own part, never from a reply within it.
      const candidates = spec.replies ? all(document, spec.replies)
        .filter(el => el !== post && !(post && el.contains(post)) && visible(el)) : [];
      // What is on the post page but not in its thread. Items above the post are the posts it
      // answers (ancestors); items after the first thread-end heading below it are
      // recommendations; items an exclude rule marks (an "Ad" label, no timestamp link) are
      // promoted. None of them is a reply.
      const before = el => post && (post.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING) && !post.contains(el);
      let threadEnd = null;
      if (post) for (const [index, rule] of (spec.threadEnd || []).entries()) {
        for (const el of all(document, rule.selector)) {
          if (!(post.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) || post.contains(el)) continue;
          const text = (el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim();
          if (rule.text && !new RegExp(rule.text, rule.flags).test(text)) continue;
          if (!threadEnd || (threadEnd.el.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_PRECEDING)) threadEnd = {el, text, rule: index};
        }
      }
      // The first rule that marks an item: it holds a matching element (its text matching, when
      // the rule says), or lacks every element `missing` names. `own` limits the elements looked
      // at (a reply's own part, not the replies nested in it).
      const markedBy = (rules, el, own = () => true) => (rules || []).find(rule => rule.missing
        ? all(el, rule.missing).filter(own).length === 0
        : all(el, rule.selector).filter(own)
          .some(m => !rule.text || new RegExp(rule.text, rule.flags).test((m.innerText || m.textContent || '').trim())));
      const excludedBy = el => markedBy(spec.exclude, el);
      const items = trace ? (trace.items = []) : null;
      const note = (el, as, rule) => { if (items) items.push({as, rule: rule || null, path: path(el), text: snippet(el)}); };
      const ancestorElements = [], excluded = {};
      const leaveOut = (reason, label) => {
        const key = reason + '\u0000' + (label || '');
        excluded[key] = excluded[key] || {reason, label: label || null, count: 0};
        excluded[key].count += 1;
      };
      const replyElements = candidates.filter(el => {
        if (before(el)) { ancestorElements.push(el); note(el, 'ancestor'); return false; }
        if (threadEnd && (threadEnd.el.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) && !threadEnd.el.contains(el)) {
          leaveOut('recommendation', cut(threadEnd.text, 80));
          note(el, 'excluded', 'threadEnd: after "' + cut(threadEnd.text, 60) + '"');
          return false;
        }
        const rule = excludedBy(el);
        if (rule) {
          leaveOut(rule.reason, null);
          note(el, 'excluded', 'exclude[' + spec.exclude.indexOf(rule) + '] (' + rule.reason + ')');
          return false;
        }
        note(el, 'reply');
        return true;
      });
      if (trace && spec.replies) {
        // What the replies rule matched but extraction ignored, and why.
        for (const el of all(document, spec.replies)) {
          if (candidates.includes(el)) continue;
          note(el, 'ignored', el === post ? 'it is the post' : (post && el.contains(post)) ? 'it contains the post' : 'not visible');
        }
        trace.threadEnd = threadEnd ? {rule: threadEnd.rule, path: path(threadEnd.el), text: cut(threadEnd.text, 80)} : null;
      }
      // Per field and rule alternative, when tracing: what it matched in the post, and in how many
      // replies it gave the value taken.
      const fieldTrace = trace ? (trace.fields = {}) : null;
      const traceRule = (name, index, isPost, matched, value, from, taken) => {
        const rules = fieldTrace[name] = fieldTrace[name] || [];
        const entry = rules[index] = rules[index] || {post: null, repliesMatched: 0, repliesTaken: 0};
        if (isPost) entry.post = {matched, value: value ? cut(value, 120) : null, path: from ? path(from) : null, taken};
        else { if (matched > 0) entry.repliesMatched += 1; if (taken) entry.repliesTaken += 1; }
      };
      const read = (item, isPost) => {
        const inner = replyElements.filter(r => r !== item && item.contains(r));
        const own = el => !inner.some(r => r.contains(el));
        const fields = {};
        let textElement = null;
        for (const [name, rules] of Object.entries(spec.fields)) {
          for (const [index, rule] of rules.entries()) {
            const documentScope = rule.scope === 'document';
            if (documentScope && !isPost) continue;
            const root = documentScope ? document : item;
            const candidates = rule.selector ? all(root, rule.selector).filter(el => documentScope || own(el)) : [item];
            let value = null, from = null;
            for (const el of candidates) {
              let v = readValue(el, rule.attribute);
              if (v && rule.pattern) { const m = new RegExp(rule.pattern, rule.flags).exec(v); v = m && m[1] ? m[1].trim() : ''; }
              if (v) { value = v; from = el; break; }
            }
            const taken = !!value && !(name in fields);
            if (fieldTrace) traceRule(name, index, isPost, candidates.length, value, from, taken);
            if (value && !(name in fields)) { fields[name] = value; hits[name] = true; if (name === 'text') textElement = from; }
            if (value && !fieldTrace) break;
          }
        }
        const links = textElement ? [...textElement.querySelectorAll('a[href]')]
          .map(a => ({text: (a.innerText || a.textContent || '').trim(), url: a.href})) : [];
        const media = [];
        for (const [index, rule] of spec.media.entries()) for (const el of all(item, rule.selector).filter(own)) {
          if (trace) { const m = (trace.media = trace.media || {}); m[index] = (m[index] || 0) + 1; }
          if (el.tagName === 'VIDEO') {
            media.push({type: rule.type, url: el.currentSrc || el.src || el.poster || null, alt: el.getAttribute('aria-label') || el.title || null,
                        width: el.videoWidth || Math.round(el.getBoundingClientRect().width) || null,
                        height: el.videoHeight || Math.round(el.getBoundingClientRect().height) || null});
          } else {
            // A photo shown as a CSS background (Telegram's photo wraps) has its URL in the style.
            const background = /url\(\s*["']?([^"')]+)["']?\s*\)/.exec(el.style.backgroundImage || '');
            let backgroundURL = null;
            if (background) { try { backgroundURL = new URL(background[1], document.baseURI).href; } catch (e) { backgroundURL = background[1]; } }
            media.push({type: rule.type, url: el.currentSrc || el.src || backgroundURL, alt: el.getAttribute('alt') ?? el.getAttribute('aria-label'),
                        width: el.naturalWidth || null, height: el.naturalHeight || null});
          }
        }
        const r = item.getBoundingClientRect();
        return {fields, links, media, rect: {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height}};
      };
      const replies = replyElements.map(el => {
        const item = read(el, false);
        // A reply shown without its content ("[removed]", "[deleted]") stays a reply, marked.
        const inner = replyElements.filter(r => r !== el && el.contains(r));
        const gone = markedBy(spec.removed, el, m => !inner.some(r => r.contains(m)));
        if (gone) item.removed = gone.reason;
        if (gone && trace) { const r = (trace.removed = trace.removed || {}); const i = spec.removed.indexOf(gone); r[i] = (r[i] || 0) + 1; }
        if (spec.nesting.by === 'container') {
          item.containerParent = -1;
          for (let a = el.parentElement; a; a = a.parentElement) {
            let isContainer = false;
            try { isContainer = a.matches(spec.nesting.container); } catch (e) { invalid.add(spec.nesting.container); }
            if (!isContainer) continue;
            const head = a.matches(spec.replies) ? a : a.querySelector(spec.replies);
            if (!head || head === el || el.contains(head)) continue;
            item.containerParent = replyElements.indexOf(head);
            break;
          }
        }
        return item;
      });
      const postItem = post ? read(post, true) : null;
      const ancestors = ancestorElements.map(el => read(el, false));
      const misses = [];
      if (post || replies.length) for (const [name, rules] of Object.entries(spec.fields)) {
        if (!hits[name]) misses.push({field: name, selectors: rules.map(r => r.selector || '(the item itself)')});
      }
      return clean({post: postItem, postSelector, replies, ancestors, excluded: Object.values(excluded), misses, invalidSelectors: [...invalid],
                    structured: structuredData(), repliesInFrame, trace: trace || undefined});
    },
    /// Reads an account page by the profile's account rules: the header's fields (inside the first
    /// visible header element, else from the whole page) and each visible timeline entry in page
    /// order. An entry inside another (a quoted post) is part of the outer one, and an entry's
    /// fields are read only from its own part. Fields no rule could read are listed as misses.
    /// The logged-in account the page shows: the first value the viewer rules read from a visible
    /// element anywhere in the page, with the rule's selector; null when none reads one. Hidden
    /// markup does not count: a page could hide any account name it likes.
    viewer(rules) {
      for (const rule of rules) {
        for (const el of rule.selector ? all(document, rule.selector).filter(visible) : []) {
          let v = readValue(el, rule.attribute);
          if (v && rule.pattern) { const m = new RegExp(rule.pattern, rule.flags).exec(v); v = m && m[1] ? m[1].trim() : ''; }
          if (v) return clean({value: cut(v.replace(/\s+/g, ' '), 200), selector: rule.selector});
        }
      }
      return null;
    },
    account(spec) {
      const hits = {};
      const readFields = (root, rules, prefix, own) => {
        const fields = {};
        for (const [name, list] of Object.entries(rules)) {
          for (const rule of list) {
            const candidates = rule.selector ? all(root, rule.selector).filter(own) : [root];
            let value = null;
            for (const el of candidates) {
              let v = readValue(el, rule.attribute);
              if (v && rule.pattern) { const m = new RegExp(rule.pattern, rule.flags).exec(v); v = m && m[1] ? m[1].trim() : ''; }
              if (v) { value = v; break; }
            }
            if (value) { fields[name] = value; hits[prefix + name] = true; break; }
          }
        }
        return fields;
      };
      const rect = el => {
        const r = el.getBoundingClientRect();
        return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height};
      };
      const entries = all(document, spec.posts).filter(visible);
      const outer = entries.filter(el => !entries.some(other => other !== el && other.contains(el)));
      let headerElement = null, headerSelector = null;
      for (const selector of spec.header || []) {
        const el = all(document, selector).find(visible);
        if (el) { headerElement = el; headerSelector = selector; break; }
      }
      const headerRoot = headerElement || document.documentElement;
      // The header's fields are never read from a timeline entry (a post quoting the account's bio).
      const outsideEntries = el => !outer.some(entry => entry.contains(el) && !entry.contains(headerRoot));
      const headerFields = readFields(headerRoot, spec.fields, 'account.', outsideEntries);
      const header = (headerElement || Object.keys(headerFields).length)
        ? {fields: headerFields, links: [], media: [], rect: rect(headerRoot)} : null;
      const posts = outer.map(entry => {
        const inner = outer.filter(other => other !== entry && entry.contains(other));
        const own = el => !inner.some(other => other.contains(el));
        return {fields: readFields(entry, spec.postFields, 'timeline.', own), links: [], media: [], rect: rect(entry)};
      });
      const misses = [];
      for (const [name, rules] of Object.entries(spec.fields)) {
        if (!hits['account.' + name]) misses.push({field: 'account.' + name, selectors: rules.map(r => r.selector || '(the header itself)')});
      }
      if (posts.length) for (const [name, rules] of Object.entries(spec.postFields)) {
        if (!hits['timeline.' + name]) misses.push({field: 'timeline.' + name, selectors: rules.map(r => r.selector || '(the entry itself)')});
      }
      return {header, headerSelector, posts, misses, invalidSelectors: [...invalid]};
    },
  };
  return true;
}
