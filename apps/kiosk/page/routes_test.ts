import assert from "node:assert/strict";
import { createApp } from "@facever/edge";
import { FaceEngine } from "@facever/model";
import {
  DETECTOR_SMALL_WASM_URLS,
  DETECTOR_WASM_URL,
  LANDMARKER_WASM_URL,
  MANIFEST,
} from "@facever/weights";
import { BUNDLE_URL } from "./build.ts";
import { PAGE_POLICY, pageRoutes } from "./routes.ts";

Deno.test("the page's routes on the kiosk's app", async (t) => {
  const kv = await Deno.openKv(":memory:");
  const engine = await FaceEngine.create({ backend: "wasm" });
  const app = createApp({ engine, kv, loopbackTenant: "kiosk", log: () => {} });
  pageRoutes(app);

  await t.step("the page is at /, under its security policy", async () => {
    const response = await app.request("/");
    assert.equal(response.status, 200);
    assert.equal(
      response.headers.get("content-type"),
      "text/html; charset=utf-8",
    );
    assert.equal(response.headers.get("content-security-policy"), PAGE_POLICY);
    assert.equal(response.headers.get("cache-control"), "no-cache");
    const html = await response.text();
    assert.match(html, /<script type="module" src="\/page\/app.js">/);
    assert.match(html, /<link rel="stylesheet" href="\/page\/style.css">/);
  });

  await t.step("nothing the page names lies elsewhere", async () => {
    const html = await (await app.request("/")).text();
    const links = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) =>
      m[1]
    );
    assert.ok(links.length >= 2);
    for (const link of links) {
      // The empty icon is inline, so the browser asks for no favicon.
      if (link === "data:,") continue;
      assert.match(link, /^\/page\//, link);
      assert.equal((await app.request(link)).status, 200, link);
    }
    assert.doesNotMatch(PAGE_POLICY, /https?:/);
  });

  await t.step("the script is the committed bundle", async () => {
    const response = await app.request("/page/app.js");
    assert.equal(response.status, 200);
    assert.equal(
      response.headers.get("content-type"),
      "text/javascript; charset=utf-8",
    );
    assert.equal(await response.text(), await Deno.readTextFile(BUNDLE_URL));
    const css = await app.request("/page/style.css");
    assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
    assert.match(await css.text(), /#guidance/);
  });

  await t.step("each model the bundle locates is served there", async () => {
    // The bundled @facever/weights resolves the models against the
    // script's own URL.
    const script = await Deno.readTextFile(BUNDLE_URL);
    const located = [
      ...script.matchAll(/new URL\("\.\/([^"]+\.wasm)", import\.meta\.url\)/g),
    ].map((m) => m[1]);
    for (
      const url of [
        DETECTOR_WASM_URL,
        ...DETECTOR_SMALL_WASM_URLS,
        LANDMARKER_WASM_URL,
      ]
    ) {
      const file = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
      assert.ok(located.includes(file), `${file} in the bundle`);
      const response = await app.request(`/page/${file}`);
      assert.equal(response.status, 200, file);
      assert.equal(response.headers.get("content-type"), "application/wasm");
      assert.deepEqual(
        new Uint8Array(await response.arrayBuffer()),
        await Deno.readFile(url),
      );
      const sha256 = MANIFEST.models.find((m) => m.file === file)!.sha256;
      const etag = response.headers.get("etag");
      assert.equal(etag, `"${sha256}"`);
      const again = await app.request(`/page/${file}`, {
        headers: { "if-none-match": etag! },
      });
      assert.equal(again.status, 304);
      assert.equal(await again.text(), "");
    }
  });

  await t.step("the API and its 404 are untouched", async () => {
    assert.equal((await app.request("/v1/health")).status, 200);
    const missing = await app.request("/page/missing.js");
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, "route_not_found");
  });

  kv.close();
});
