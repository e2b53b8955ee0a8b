// Asks the page's API with the session's token, as a logged-in app does: the token is read from
// localStorage (put there by the session), never written in this file, so the archive can hold it
// only if the capture leaked the request's Authorization header.
window.addEventListener("DOMContentLoaded", () => {
  const token = localStorage.getItem("api-token") || "none";
  fetch("feed.json", { headers: { "Authorization": "Bearer " + token }, credentials: "same-origin" })
    .then((response) => response.json())
    .then((feed) => {
      document.getElementById("status").textContent = "The feed answered with " + feed.items.length + " item(s).";
    });
});
