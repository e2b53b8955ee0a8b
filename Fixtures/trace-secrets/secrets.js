// Every value here is unique to this fixture: Tests/CaptureTests/TraceTests.swift searches the
// protocol trace of a capture for each of them (and for the server's cookie in index.html.headers).
document.cookie = "exhibit_page=ck-Vb7Tq2Lx9Rm4Wd6Z; path=/; SameSite=Lax";
localStorage.setItem("exhibit-note", "ls-Jp5Ys8Nc3Kf1Qa7E");
window.addEventListener("DOMContentLoaded", () => {
  fetch("/_echo/headers", {
    method: "POST",
    headers: { "Authorization": "Bearer tk-Gz4Mw7Rv2Hx9Lc6B", "Content-Type": "text/plain" },
    credentials: "same-origin",
    body: "pd-Xe8Ub3Pk6Ts1Fy4N",
  }).then((response) => response.text().then(() => {
    // Read to its end: Chromium reports a request whose body is never read as still loading.
    document.getElementById("status").textContent =
      "The request was answered with HTTP " + response.status + "; " + localStorage.length + " value stored.";
  }));
});
