import assert from "node:assert/strict";
import { excerpt } from "./errors.ts";

Deno.test("excerpt: a short text whole, a long one by its first 64 characters and its length", () => {
  assert.equal(excerpt(""), "");
  assert.equal(excerpt("a".repeat(64)), "a".repeat(64));
  assert.equal(excerpt("b".repeat(65)), `${"b".repeat(64)}… (65 characters)`);
});
