// ?private=PORT: the port of a listener on 127.0.0.2 that must never be reached (but by the
// WebSocket, which the policy cannot stop). ?frame=PORT: a listener on 127.0.0.3, an allowed
// second site whose frame asks for 127.0.0.2 in turn, and starts a shared worker that does too
// (started from the frame: a page does not hear when a shared worker's script has loaded, so one
// started by the page would keep it from ever counting as settled).
const params = new URLSearchParams(location.search);
const privatePort = params.get("private");
const framePort = params.get("frame");
const target = (from) => `http://127.0.0.2:${privatePort}/_echo/headers?from=${from}`;
const status = document.getElementById("status");

fetch(target("page-fetch")).then(() => { status.textContent = "LOADED FROM A PRIVATE ADDRESS"; }).catch(() => {});
// A dedicated worker: its requests are paused by the page's own Fetch, not by one of its own.
try { new Worker(`dedicated-worker.js?private=${privatePort}`); } catch (e) {}
if (navigator.serviceWorker) {
  navigator.serviceWorker.register(`service-worker.js?private=${privatePort}`).catch(() => {});
}
try { new WebSocket(`ws://127.0.0.2:${privatePort}/_echo/headers?from=websocket`); } catch (e) {}
if (framePort) {
  const frame = document.createElement("iframe");
  frame.src = `http://127.0.0.3:${framePort}/private-addresses/frame.html?private=${privatePort}`;
  frame.width = 300;
  frame.height = 80;
  document.querySelector("main").appendChild(frame);
}
