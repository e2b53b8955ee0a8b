// A dedicated worker of the page: asks for the private address from its own target.
const privatePort = new URLSearchParams(location.search).get("private");
fetch(`http://127.0.0.2:${privatePort}/_echo/headers?from=dedicated-worker`).catch(() => {});
