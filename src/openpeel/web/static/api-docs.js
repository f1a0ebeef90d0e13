// Starts Swagger UI (served locally) on the API's OpenAPI schema. A file of its own rather
// than an inline script, so that the content-security policy can forbid inline scripts.
var root = document.getElementById("swagger-ui");
window.ui = SwaggerUIBundle({
  url: root.dataset.openapi,
  dom_id: "#swagger-ui",
  layout: "BaseLayout",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
});
