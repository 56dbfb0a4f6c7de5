import assert from "node:assert/strict";
import { clipped } from "./_clipped.ts";

Deno.test("clipped: a short text whole, a long one by its first 64 characters", () => {
  assert.equal(clipped("ada"), "ada");
  assert.equal(clipped("a".repeat(64)), "a".repeat(64));
  assert.equal(clipped("b".repeat(65)), `${"b".repeat(64)}… (65 characters)`);
});
