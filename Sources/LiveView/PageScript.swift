/// The live view page's script (see ``LiveViewServer`` for the messages it exchanges).
///
/// Pointer positions are mapped from the picture as displayed to the browser's CSS pixels with the
/// frame's `deviceWidth`/`deviceHeight`, so the picture may be shown at any size. Keys go to a
/// hidden textarea that takes the focus when the picture is clicked: a textarea, not the picture,
/// because only an editable element receives pastes, input methods' compositions and inserted text.
enum PageScript {
    static let javaScript = #"""

    'use strict';
    (() => {
      const $ = (id) => document.getElementById(id);
      const view = $('view'), keys = $('keys'), frame = $('frame'), statusLine = $('status'),
            connection = $('connection'), hint = $('hint'), waiting = $('waiting'), done = $('done'),
            address = $('address'), form = $('go'), footer = document.querySelector('footer');

      // The CSS-pixel size of the browser viewport the newest frame shows.
      let device = null;
      // The announcement of the frame whose JPEG comes next.
      let announced = null;
      let socket = null;
      let ended = false;
      let retryDelay = 500;
      const socketURL = 'ws://' + location.host + location.pathname.replace(/\/*$/, '/') + 'ws';

      function send(message) {
        if (!socket || socket.readyState !== WebSocket.OPEN) return false;
        socket.send(JSON.stringify(message));
        return true;
      }

      function connect() {
        socket = new WebSocket(socketURL);
        socket.binaryType = 'blob';
        socket.onopen = () => { connection.textContent = 'Live'; retryDelay = 500; };
        socket.onmessage = (event) => typeof event.data === 'string' ? announce(event.data) : paint(event.data);
        socket.onclose = (event) => {
          socket = null;
          // 1001: the server has finished with this session; anything else may be a tunnel hiccup.
          if (ended || event.code === 1001) {
            ended = true;
            connection.textContent = 'The live view has ended.';
            done.disabled = true;
            return;
          }
          connection.textContent = 'Disconnected — reconnecting…';
          setTimeout(connect, retryDelay);
          retryDelay = Math.min(retryDelay * 2, 5000);
        };
      }

      function announce(text) {
        let message;
        try { message = JSON.parse(text); } catch { return; }
        if (!message || typeof message !== 'object') return;
        if (message.type === 'frame') announced = message;
        else if (message.type === 'status' && typeof message.text === 'string') statusLine.textContent = message.text;
      }

      function paint(blob) {
        const meta = announced;
        announced = null;
        if (!meta || meta.bytes !== blob.size || !(meta.deviceWidth > 0) || !(meta.deviceHeight > 0)) return;
        const previous = view.getAttribute('src');
        view.src = URL.createObjectURL(blob.slice(0, blob.size, 'image/jpeg'));
        // The picture on screen is already decoded; its URL is no longer needed.
        if (previous) URL.revokeObjectURL(previous);
        device = { width: meta.deviceWidth, height: meta.deviceHeight };
        waiting.hidden = true;
        fit();
      }

      // As large as the browser's own viewport, or smaller to fit this window: never larger.
      function fit() {
        if (!device) return;
        const roomWidth = document.documentElement.clientWidth - 24;
        const roomHeight = window.innerHeight - frame.getBoundingClientRect().top - footer.offsetHeight - 24;
        const scale = Math.min(1, roomWidth / device.width, Math.max(roomHeight, 160) / device.height);
        view.style.width = Math.max(1, Math.floor(device.width * scale)) + 'px';
        view.style.height = Math.max(1, Math.floor(device.height * scale)) + 'px';
      }
      window.addEventListener('resize', fit);

      // Where the pointer is, in the browser's CSS pixels.
      function point(event) {
        const box = view.getBoundingClientRect();
        if (!device || !box.width || !box.height) return null;
        return { x: (event.clientX - box.left) * device.width / box.width,
                 y: (event.clientY - box.top) * device.height / box.height };
      }
      const modifiers = (event) =>
        (event.altKey ? 1 : 0) | (event.ctrlKey ? 2 : 0) | (event.metaKey ? 4 : 0) | (event.shiftKey ? 8 : 0);
      const buttonNames = ['left', 'middle', 'right'];
      const heldButton = (buttons) => buttons & 1 ? 'left' : buttons & 2 ? 'right' : buttons & 4 ? 'middle' : 'none';

      // Moves and wheel turns come far faster than a tunnel needs them: at most one every 33 ms,
      // the newest position (wheel deltas add up). Anything else sends what is waiting first.
      let queued = null, timer = 0;
      function queue(message) {
        if (queued && queued.type === 'wheel' && message.type === 'wheel') {
          message.deltaX += queued.deltaX;
          message.deltaY += queued.deltaY;
        } else if (queued && queued.type !== message.type) {
          flush();
        }
        queued = message;
        if (!timer) timer = setTimeout(flush, 33);
      }
      function flush() {
        clearTimeout(timer);
        timer = 0;
        if (queued) send(queued);
        queued = null;
      }

      // Buttons pressed on the picture: a drag that ends outside it still ends in the browser.
      let pressed = 0;
      function mouse(kind, event, button, clickCount) {
        const at = point(event);
        if (!at) return;
        const message = { type: 'mouse', kind, x: at.x, y: at.y, button, clickCount, modifiers: modifiers(event) };
        if (kind === 'mouseMoved') return queue(message);
        flush();
        send(message);
      }
      view.addEventListener('mousedown', (event) => {
        event.preventDefault();
        keys.focus({ preventScroll: true });
        const button = buttonNames[event.button];
        if (!button) return;
        pressed |= 1 << event.button;
        mouse('mousePressed', event, button, event.detail || 1);
      });
      window.addEventListener('mouseup', (event) => {
        const button = buttonNames[event.button];
        if (!button || !(pressed & (1 << event.button))) return;
        pressed &= ~(1 << event.button);
        mouse('mouseReleased', event, button, event.detail || 1);
      });
      window.addEventListener('mousemove', (event) => {
        if (event.target === view || pressed) mouse('mouseMoved', event, heldButton(event.buttons), 0);
      });
      view.addEventListener('contextmenu', (event) => event.preventDefault());
      view.addEventListener('dragstart', (event) => event.preventDefault());
      view.addEventListener('wheel', (event) => {
        event.preventDefault();
        const at = point(event);
        if (!at) return;
        const unit = event.deltaMode === 1 ? 40 : event.deltaMode === 2 ? device.height : 1;
        queue({ type: 'wheel', x: at.x, y: at.y, deltaX: event.deltaX * unit, deltaY: event.deltaY * unit });
      }, { passive: false });

      // Keys. An input method's keys are its own until it commits (then 'compositionend' brings
      // the text); the paste shortcuts are left to this browser, whose paste event brings the text.
      const composing = (event) => event.isComposing || event.keyCode === 229;
      const pasteShortcut = (event) =>
        ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'v')
        || (event.shiftKey && event.key === 'Insert');
      function typed(event) {
        if (event.key === 'Enter') return '\r';
        // One character and not a shortcut; AltGr arrives as Ctrl+Alt and does type.
        if ([...event.key].length === 1 && !event.metaKey && !(event.ctrlKey && !event.altKey)) return event.key;
        return null;
      }
      function forwardKey(event, up) {
        if (composing(event) || pasteShortcut(event)) return;
        // Nothing of this page (Tab moving the focus, Backspace, shortcuts) may act on the key.
        event.preventDefault();
        const text = up ? null : typed(event);
        const message = { type: 'key', kind: up ? 'keyUp' : text ? 'keyDown' : 'rawKeyDown',
                          key: event.key, code: event.code, keyCode: event.keyCode, modifiers: modifiers(event) };
        if (text) message.text = text;
        flush();
        send(message);
      }
      keys.addEventListener('keydown', (event) => forwardKey(event, false));
      keys.addEventListener('keyup', (event) => forwardKey(event, true));

      // Text that arrives whole. The server takes at most 4096 characters a message.
      function sendText(text) {
        const characters = [...text];
        flush();
        for (let i = 0; i < characters.length; i += 2048) send({ type: 'text', text: characters.slice(i, i + 2048).join('') });
      }
      function takeText() {
        const text = keys.value;
        keys.value = '';
        if (text) sendText(text);
      }
      keys.addEventListener('input', (event) => { if (!event.isComposing) takeText(); });
      keys.addEventListener('compositionend', takeText);
      keys.addEventListener('paste', (event) => {
        event.preventDefault();
        const text = event.clipboardData ? event.clipboardData.getData('text/plain') : '';
        if (text) sendText(text);
      });
      keys.addEventListener('focus', () => {
        frame.classList.add('focused');
        hint.textContent = 'Typing goes to the browser.';
      });
      keys.addEventListener('blur', () => {
        frame.classList.remove('focused');
        hint.textContent = 'Click the view to type into the browser.';
      });

      done.addEventListener('click', () => {
        flush();
        if (send({ type: 'done' })) {
          done.disabled = true;
          statusLine.textContent = 'Saving the session…';
        } else {
          statusLine.textContent = 'Not connected: press Done again once the view is live.';
        }
      });

      form.addEventListener('submit', (event) => {
        event.preventDefault();
        let url = address.value.trim();
        if (url && !/^[a-z][a-z0-9+.-]*:/i.test(url)) url = 'https://' + url;
        if (!/^https?:\/\/./i.test(url)) {
          statusLine.textContent = 'Only http and https addresses can be opened.';
          return;
        }
        send({ type: 'navigate', url });
      });

      connect();
    })();

    """#
}
