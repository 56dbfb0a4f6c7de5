import assert from "node:assert/strict";
import { BUNDLE_URL, bundlePage } from "./build.ts";

Deno.test("the committed page bundle is up to date", async () => {
  const committed = await Deno.readTextFile(BUNDLE_URL);
  assert.ok(
    committed === await bundlePage(),
    "apps/kiosk/page/_bundle.js is out of date: run deno task build:page",
  );
});
