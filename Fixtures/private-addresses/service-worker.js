// A service worker's own requests pass no page's interception either.
const port = new URLSearchParams(self.location.search).get("private");
self.addEventListener("install", (event) => {
  event.waitUntil(fetch(`http://127.0.0.2:${port}/_echo/headers?from=service-worker`).catch(() => {}));
});
