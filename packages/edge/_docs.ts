// The API's documentation page at /docs: Swagger UI, its files served by the
// app itself (no CDN, so it works offline and on a kiosk), read from the
// npm package as text modules, which travel with the code into a compiled
// binary or a deployment. They are imported on the first visit, not at
// start-up.

import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./_context.ts";

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>facever API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="docs"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/start.js"></script>
</body>
</html>
`;

const START = `window.ui = SwaggerUIBundle({
  url: "/v1/openapi.json",
  dom_id: "#docs",
  deepLinking: true,
});
`;

/** Adds `/docs` and its files to `app`. */
export function docsRoutes(app: OpenAPIHono<AppEnv>): void {
  app.get("/docs", (c) => c.html(PAGE));
  app.get("/docs/start.js", (c) => asset(c, START, "text/javascript"));
  app.get("/docs/swagger-ui.css", async (c) => {
    const { default: css } = await import(
      "swagger-ui-dist/swagger-ui.css",
      { with: { type: "text" } }
    );
    return asset(c, css, "text/css");
  });
  app.get("/docs/swagger-ui-bundle.js", async (c) => {
    const { default: script } = await import(
      "swagger-ui-dist/swagger-ui-bundle.js",
      { with: { type: "text" } }
    );
    return asset(c, script, "text/javascript");
  });
}

function asset(
  c: {
    body(text: string, status: 200, headers: Record<string, string>): Response;
  },
  text: string,
  type: string,
): Response {
  return c.body(text, 200, {
    "content-type": `${type}; charset=utf-8`,
    "cache-control": "public, max-age=86400",
  });
}
