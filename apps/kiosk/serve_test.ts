import assert from "node:assert/strict";
import { ApiKeys } from "@facever/edge";
import { FaceEngine } from "@facever/model";
import { kioskApp } from "./_serve.ts";
import { LOCAL_TENANT } from "./_store.ts";
import { eachLine, runKiosk, spawnKiosk } from "./_test_kiosk.ts";

/** A request as Deno.serve hands it to the app, from `hostname`. */
function from(
  app: Awaited<ReturnType<typeof kioskApp>>,
  hostname: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return Promise.resolve(
    app.fetch(
      new Request(`http://kiosk.local${path}`, { headers }),
      { remoteAddr: { transport: "tcp", hostname, port: 50_000 } },
    ),
  );
}

Deno.test("kiosk API: keyless from this machine, a key from elsewhere", async (t) => {
  const kv = await Deno.openKv(":memory:");
  const engine = await FaceEngine.create({ backend: "wasm" });
  const app = await kioskApp({ engine, kv, log: () => {} });
  try {
    await t.step(
      "the camera page is served at /, keyless from here",
      async () => {
        const response = await from(app, "127.0.0.1", "/");
        assert.equal(response.status, 200);
        assert.match(response.headers.get("content-type") ?? "", /text\/html/);
        await response.body?.cancel();
      },
    );
    for (const loopback of ["127.0.0.1", "::1", "::ffff:127.0.0.1"]) {
      await t.step(`from ${loopback}: no key needed`, async () => {
        const response = await from(app, loopback, "/v1/subjects");
        assert.equal(response.status, 200);
        await response.body?.cancel();
      });
    }
    await t.step("from another address: 401 without a key", async () => {
      const response = await from(app, "192.0.2.7", "/v1/subjects");
      assert.equal(response.status, 401);
      assert.equal((await response.json()).error.code, "unauthorized");
    });
    await t.step(
      "from another address: a kiosk key acts for the local tenant",
      async () => {
        const { key } = await new ApiKeys(kv).create(LOCAL_TENANT);
        const response = await from(app, "192.0.2.7", "/v1/subjects", {
          authorization: `Bearer ${key}`,
        });
        assert.equal(response.status, 200);
        await response.body?.cancel();
      },
    );
    await t.step("health needs no key from anywhere", async () => {
      const response = await from(app, "192.0.2.7", "/v1/health");
      assert.equal(response.status, 200);
      await response.body?.cancel();
    });
  } finally {
    kv.close();
  }
});

Deno.test("kiosk serve: listens on 127.0.0.1, answers keyless, stops on SIGTERM", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kiosk-serve-" });
  const child = spawnKiosk(dir, ["serve", "--port", "0", "--workers", "1"]);
  try {
    const started = await new Promise<Record<string, unknown>>(
      (resolve, reject) => {
        eachLine(child.stderr, (line) => {
          if (line.startsWith("{") && "listening" in JSON.parse(line)) {
            resolve(JSON.parse(line));
          }
        }).then(() => reject(new Error("serve ended before listening")));
      },
    );
    const listening = started.listening as string;
    assert.match(listening, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(started.activeKeys, 0);
    assert.equal(started.backend, "wasm");
    const response = await fetch(`${listening}/v1/subjects`);
    assert.equal(response.status, 200);
    assert.deepEqual((await response.json()).subjects, []);
    child.kill("SIGTERM");
    assert.equal((await child.status).code, 0);
    await child.stdout.cancel();
    // The KV file is where the task's --allow-write lets it be.
    assert.ok((await Deno.stat(`${dir}/data/kiosk.kv`)).isFile);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already stopped.
    }
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kiosk keys: create, list, revoke for the local tenant", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kiosk-keys-" });
  try {
    const created = await runKiosk(dir, ["keys", "create"]);
    assert.equal(created.code, 0, created.stderr);
    const key = created.stdout.trim();
    assert.match(key, /^fv_[\w-]+\.[\w-]+$/);
    const id = key.slice(3, key.indexOf("."));
    const list = await runKiosk(dir, ["keys", "list"]);
    assert.match(list.stdout, new RegExp(`^${id}\\t.*\\tactive$`, "m"));
    const revoked = await runKiosk(dir, ["keys", "revoke", id]);
    assert.equal(revoked.code, 0);
    const unknown = await runKiosk(dir, ["keys", "revoke", "nope"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /not_found/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
