// /docs: start Swagger UI (served by this app, never from a CDN) over the description the page names. A file of
// its own, not an inline script: the Content-Security-Policy allows scripts from this origin only.
window.ui = SwaggerUIBundle({
  url: document.getElementById("swagger-ui").dataset.spec,
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  defaultModelsExpandDepth: 0,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
});
