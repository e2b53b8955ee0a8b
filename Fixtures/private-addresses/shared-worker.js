// A shared worker belongs to no page: its requests pass no page's interception.
const port = new URLSearchParams(self.location.search).get("private");
fetch(`http://127.0.0.2:${port}/_echo/headers?from=shared-worker`).catch(() => {});
