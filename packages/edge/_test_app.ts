// The tests' app: a real engine on wasm, a fresh in-memory KV, a key per
// tenant, and the log lines kept for checking.

import { FaceEngine } from "@facever/model";
import { lfwImagePath, lfwRoot } from "@facever/testing";
import { type ApiEngine, type ApiOptions, createApp } from "./app.ts";
import { ApiKeys } from "./keys.ts";
import type { RequestLog } from "./_middleware.ts";

let engine: Promise<FaceEngine> | undefined;

/** One wasm engine for every test of the process. */
export function testEngine(): Promise<FaceEngine> {
  engine ??= FaceEngine.create({ backend: "wasm" });
  return engine;
}

/** An app on a fresh `:memory:` KV with keys for tenants `acme` and `globex`. */
export async function testApp(
  options: Partial<ApiOptions> & { engine?: ApiEngine } = {},
) {
  const kv = await Deno.openKv(":memory:");
  const logs: RequestLog[] = [];
  const app = createApp({
    engine: options.engine ?? await testEngine(),
    kv,
    log: (line) => logs.push(line),
    ...options,
  });
  const keys = new ApiKeys(kv);
  const acme = (await keys.create("acme")).key;
  const globex = (await keys.create("globex")).key;
  return {
    app,
    kv,
    keys,
    logs,
    acme,
    globex,
    [Symbol.dispose]: () => kv.close(),
  };
}

/** The bytes of an LFW photo (the tests that call it need LFW). */
export async function photo(
  name: string,
  index = 1,
): Promise<Uint8Array<ArrayBuffer>> {
  return await Deno.readFile(lfwImagePath(lfwRoot()!, name, index));
}

/** `bytes` as base64. */
export function base64(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}
