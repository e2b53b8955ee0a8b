// Takes control at once and answers from-worker.txt itself; every other request goes to the network.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', event => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', event => {
  if (new URL(event.request.url).pathname.endsWith('/from-worker.txt')) {
    event.respondWith(new Response('answered by the service worker', { headers: { 'Content-Type': 'text/plain' } }));
  }
});
