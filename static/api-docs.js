// Starts the vendored Swagger UI on /api/docs (no inline script: the CSP forbids it).
document.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("api-docs");
  window.SwaggerUIBundle({ url: root.dataset.specUrl, domNode: root, deepLinking: false });
});
