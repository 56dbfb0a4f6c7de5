import assert from "node:assert/strict";
import { ApiKeys, KEY_CACHE_MS } from "./keys.ts";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test("ApiKeys", async (t) => {
  const kv = await Deno.openKv(":memory:");
  try {
    await t.step("a revoke through the same keys refuses at once", async () => {
      const keys = new ApiKeys(kv);
      const { key, info } = await keys.create("acme");
      assert.equal((await keys.authenticate(key))?.tenant, "acme");
      await keys.revoke(info.id);
      assert.equal(await keys.authenticate(key), undefined);
    });

    await t.step(
      "a revoke by another process refuses within KEY_CACHE_MS",
      async () => {
        const server = new ApiKeys(kv);
        const other = new ApiKeys(kv);
        const { key, info } = await other.create("acme");
        assert.equal((await server.authenticate(key))?.tenant, "acme");
        await other.revoke(info.id);
        // The server's answer for the key is still fresh…
        assert.equal((await server.authenticate(key))?.tenant, "acme");
        await sleep(KEY_CACHE_MS + 50);
        // …and read again from KV once it is not.
        assert.equal(await server.authenticate(key), undefined);
      },
    );

    await t.step(
      "concurrent requests with one key share one read",
      async () => {
        const keys = new ApiKeys(kv);
        const { key } = await keys.create("globex");
        let reads = 0;
        const counting = new Proxy(kv, {
          get(target, name) {
            const value = Reflect.get(target, name, target);
            if (name !== "get") {
              return typeof value === "function" ? value.bind(target) : value;
            }
            return (...args: Parameters<Deno.Kv["get"]>) => {
              reads++;
              return target.get(...args);
            };
          },
        });
        const server = new ApiKeys(counting);
        const answers = await Promise.all(
          Array.from({ length: 20 }, () => server.authenticate(key)),
        );
        assert.ok(answers.every((info) => info?.tenant === "globex"));
        // The hash, then the record: one read each for all twenty.
        assert.equal(reads, 2);
      },
    );

    await t.step("an unknown key is refused, and stays refused", async () => {
      const keys = new ApiKeys(kv);
      assert.equal(await keys.authenticate("fv_nope.nope"), undefined);
      assert.equal(await keys.authenticate("fv_nope.nope"), undefined);
    });
  } finally {
    kv.close();
  }
});

Deno.test("no key id begins with a dash, which a command line would take for an option", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const keys = new ApiKeys(kv);
    // Base64url draws "-" first one time in 64: 400 keys would show it.
    for (let i = 0; i < 400; i++) {
      const { info } = await keys.create("acme");
      assert.ok(!info.id.startsWith("-"), info.id);
    }
  } finally {
    kv.close();
  }
});
