import assert from "node:assert/strict";
import { cosineSimilarity, FaceError } from "@facever/core";
import { encodePng, LFW_MISSING, lfwRoot } from "@facever/testing";
import { MANIFEST } from "@facever/weights";
import { base64, photo, testApp, testEngine } from "./_test_app.ts";
import { KEY_CACHE_MS } from "./keys.ts";

const root = lfwRoot();
if (!root) console.log(`skipping API tests on real faces: ${LFW_MISSING}`);

const json = (key: string, body: unknown): RequestInit => ({
  method: "POST",
  headers: {
    authorization: `Bearer ${key}`,
    "content-type": "application/json",
  },
  body: JSON.stringify(body),
});

const raw = (
  key: string,
  body: Uint8Array,
  type = "image/jpeg",
): RequestInit => ({
  method: "POST",
  headers: { "x-api-key": key, "content-type": type },
  body: new Uint8Array(body),
});

async function error(response: Response) {
  const body = await response.json();
  assert.equal(typeof body.requestId, "string");
  assert.equal(response.headers.get("x-request-id"), body.requestId);
  return body.error as { code: string; message: string; details?: unknown };
}

Deno.test("GET /v1/health is public and names the models and backend", async () => {
  using t = await testApp();
  const response = await t.app.request("/v1/health");
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.status, "ok");
  assert.equal(body.backend, "wasm");
  assert.deepEqual(
    body.models.map((m: { id: string }) => m.id),
    MANIFEST.models.map((m) => m.id),
  );
  assert.ok(
    body.models.every((m: { sha256: string }) => m.sha256.length === 12),
  );
  assert.equal(t.logs.at(-1)?.route, "/v1/health");
});

Deno.test({
  name: "image routes on real faces",
  ignore: !root,
  fn: async (t) => {
    using api = await testApp();
    const aaron = await photo("Aaron_Peirsol", 1);
    const aaron2 = await photo("Aaron_Peirsol", 2);
    const serena = await photo("Serena_Williams", 1);
    const engine = await testEngine();

    await t.step(
      "detect: the image as the body, a file or base64",
      async () => {
        const form = new FormData();
        form.append("image", new Blob([aaron]), "a.jpg");
        const answers = await Promise.all([
          api.app.request("/v1/detect", raw(api.acme, aaron)),
          api.app.request("/v1/detect", {
            method: "POST",
            headers: { "x-api-key": api.acme },
            body: form,
          }),
          api.app.request(
            "/v1/detect",
            json(api.acme, { image: base64(aaron) }),
          ),
          // The format is read from the bytes, whatever the type says.
          api.app.request(
            "/v1/detect",
            raw(api.acme, aaron, "application/octet-stream"),
          ),
          // What curl --data-binary @photo.jpg sends without a type.
          api.app.request(
            "/v1/detect",
            raw(api.acme, aaron, "application/x-www-form-urlencoded"),
          ),
        ]);
        const bodies = await Promise.all(answers.map((r) => r.json()));
        for (const [i, response] of answers.entries()) {
          assert.equal(response.status, 200, JSON.stringify(bodies[i]));
          assert.deepEqual(bodies[i], bodies[0]);
        }
        assert.equal(bodies[0].width, 250);
        assert.equal(bodies[0].faces.length, 1);
        const [face] = bodies[0].faces;
        assert.deepEqual(Object.keys(face), [
          "box",
          "score",
          "landmarks",
          "quality",
        ]);
        assert.equal(face.landmarks.length, 5);
        assert.equal(face.embedding, undefined);
      },
    );

    await t.step("embed: every face with its embedding", async () => {
      const response = await api.app.request("/v1/embed", raw(api.acme, aaron));
      assert.equal(response.status, 200);
      const { faces } = await response.json();
      assert.equal(faces.length, 1);
      const expected = await engine.embedImage(aaron);
      const embedding = Float32Array.from(faces[0].embedding as number[]);
      assert.ok(cosineSimilarity(embedding, expected.embedding) > 0.999999);
      const largest = await api.app.request(
        "/v1/embed?faces=largest",
        raw(api.acme, aaron),
      );
      assert.equal((await largest.json()).faces.length, 1);
    });

    await t.step("verify: images, embeddings or one of each", async () => {
      const form = new FormData();
      form.append("a", new Blob([aaron]));
      form.append("b", new Blob([aaron2]));
      const byFiles = await api.app.request("/v1/verify", {
        method: "POST",
        headers: { "x-api-key": api.acme },
        body: form,
      });
      assert.equal(byFiles.status, 200);
      const same = await byFiles.json();
      assert.equal(same.match, true);
      assert.equal(same.operatingPoint, "accuracy");
      assert.equal(same.faces.length, 2);
      const embedding = [...(await engine.embedImage(aaron2)).embedding];
      const mixed = await (await api.app.request(
        "/v1/verify",
        json(api.acme, { a: { image: base64(aaron) }, b: { embedding } }),
      )).json();
      assert.ok(Math.abs(mixed.similarity - same.similarity) < 1e-5);
      assert.equal(mixed.faces[1], null);
      const other = await (await api.app.request(
        "/v1/verify?threshold=0.05",
        json(api.acme, {
          a: { image: base64(aaron) },
          b: { image: base64(serena) },
        }),
      )).json();
      assert.equal(other.threshold, 0.05);
      assert.equal(other.operatingPoint, null);
      assert.equal(other.match, other.similarity >= 0.05);
      const strict = await (await api.app.request(
        "/v1/verify?threshold=0.99",
        json(api.acme, { a: { embedding }, b: { embedding } }),
      )).json();
      assert.equal(strict.similarity, 1);
      assert.equal(strict.match, true);
    });

    await t.step("an image without a face is a 422 no_face", async () => {
      const blank = encodePng({
        width: 64,
        height: 64,
        colorType: 0,
        bitDepth: 8,
        samples: new Uint8Array(64 * 64).fill(200),
      });
      const verify = await api.app.request(
        "/v1/verify",
        json(api.acme, {
          a: { image: base64(blank) },
          b: { image: base64(aaron) },
        }),
      );
      assert.equal(verify.status, 422);
      assert.equal((await error(verify)).code, "no_face");
      const detect = await api.app.request(
        "/v1/detect",
        raw(api.acme, blank, "image/png"),
      );
      assert.equal(detect.status, 200);
      assert.deepEqual((await detect.json()).faces, []);
    });

    await t.step(
      "damaged and unknown images are refused by their bytes",
      async () => {
        const cut = await api.app.request(
          "/v1/detect",
          raw(api.acme, aaron.subarray(0, 500)),
        );
        assert.equal(cut.status, 422);
        assert.equal((await error(cut)).code, "truncated_image");
        const text = await api.app.request(
          "/v1/detect",
          raw(
            api.acme,
            new TextEncoder().encode("just some text, not a picture"),
          ),
        );
        assert.equal(text.status, 415);
        assert.equal((await error(text)).code, "unsupported_format");
      },
    );
  },
});

Deno.test("requests are refused with the envelope, before any image work", async (t) => {
  using api = await testApp({ maxBodyBytes: 20_000 });
  const png = encodePng({
    width: 1,
    height: 1,
    colorType: 0,
    bitDepth: 8,
    samples: [0],
  });

  await t.step(
    "401 without a key, with a bad one, with a revoked one",
    async () => {
      const attempts: Record<string, string>[] = [
        {},
        { authorization: "Bearer fv_nope.nope" },
        { "x-api-key": "" },
        { authorization: "Basic abc" },
      ];
      for (const headers of attempts) {
        const response = await api.app.request("/v1/detect", {
          method: "POST",
          headers,
          body: new Uint8Array(png),
        });
        assert.equal(response.status, 401);
        assert.equal((await error(response)).code, "unauthorized");
      }
      const info = (await api.keys.list()).find((key) =>
        key.tenant === "acme"
      )!;
      // Revoked by another process (as `deno task keys revoke` does):
      // refused once the app's answer for the key has expired.
      await api.keys.revoke(info.id);
      await new Promise((resolve) => setTimeout(resolve, KEY_CACHE_MS + 50));
      const revoked = await api.app.request(
        "/v1/detect",
        raw(api.acme, png, "image/png"),
      );
      assert.equal(revoked.status, 401);
      assert.equal(api.logs.at(-1)?.tenant, null);
    },
  );

  await t.step(
    "413 for a body over the limit, declared or streamed",
    async () => {
      const big = new Uint8Array(50_000);
      const request = raw(api.globex, big);
      // As HTTP clients send it: refused from the header, unread.
      const declared = await api.app.request("/v1/detect", {
        ...request,
        headers: { ...request.headers, "content-length": `${big.length}` },
      });
      assert.equal(declared.status, 413);
      assert.equal((await error(declared)).code, "payload_too_large");
      const unstated = await api.app.request("/v1/detect", request);
      assert.equal(unstated.status, 413);
      const streamed = await api.app.request("/v1/detect", {
        method: "POST",
        headers: { "x-api-key": api.globex, "content-type": "image/jpeg" },
        body: new ReadableStream({
          start(controller) {
            for (let i = 0; i < 10; i++) {
              controller.enqueue(new Uint8Array(5000));
            }
            controller.close();
          },
        }),
        duplex: "half",
      } as RequestInit);
      assert.equal(streamed.status, 413);
    },
  );

  await t.step(
    "400 for malformed JSON, a wrong schema, a bad query",
    async () => {
      const malformed = await api.app.request("/v1/verify", {
        ...json(api.globex, {}),
        body: "{not json",
      });
      assert.equal(malformed.status, 400);
      assert.equal((await error(malformed)).code, "invalid_request");
      const wrong = await api.app.request(
        "/v1/verify",
        json(api.globex, { a: 1 }),
      );
      assert.equal(wrong.status, 400);
      assert.ok(Array.isArray((await error(wrong)).details));
      for (const query of ["threshold=2", "threshold=abc", "far=1e-9"]) {
        const response = await api.app.request(
          `/v1/verify?${query}`,
          json(api.globex, {}),
        );
        assert.equal(response.status, 400, query);
      }
      const both = await api.app.request(
        "/v1/detect",
        json(api.globex, { image: "AAAA", embedding: [1] }),
      );
      assert.equal(both.status, 400);
      const notBase64 = await api.app.request(
        "/v1/detect",
        json(api.globex, { image: "%%%" }),
      );
      assert.equal((await error(notBase64)).code, "invalid_request");
      const empty = await api.app.request(
        "/v1/detect",
        raw(api.globex, new Uint8Array()),
      );
      assert.equal((await error(empty)).code, "invalid_request");
    },
  );

  await t.step(
    "400 invalid_embedding for a wrong length, value or norm",
    async () => {
      const unit = Array.from({ length: 512 }, (_, i) => (i === 0 ? 1 : 0));
      for (
        const embedding of [
          [1, 0],
          unit.map((v) => v * 2),
          unit.map((v, i) => (i === 3 ? "x" : v)),
          unit.map((v, i) => (i === 3 ? 1e999 : v)),
        ]
      ) {
        const response = await api.app.request(
          "/v1/verify",
          json(api.globex, { a: { embedding }, b: { embedding: unit } }),
        );
        const body = await error(response);
        assert.equal(response.status, 400);
        assert.ok(
          ["invalid_embedding", "invalid_request"].includes(body.code),
          body.code,
        );
      }
    },
  );

  await t.step("415 for a body type the route does not take", async () => {
    const response = await api.app.request(
      "/v1/detect",
      raw(api.globex, png, "text/plain"),
    );
    assert.equal(response.status, 415);
    assert.equal((await error(response)).code, "unsupported_media_type");
  });

  await t.step("404 for an unknown route, with the envelope", async () => {
    const response = await api.app.request("/v1/nothing", {
      headers: { "x-api-key": api.globex },
    });
    assert.equal(response.status, 404);
    assert.equal((await error(response)).code, "route_not_found");
  });
});

Deno.test("429 with Retry-After once a key's budget is spent", async () => {
  using api = await testApp({ requestsPerMinute: 2 });
  const png = encodePng({
    width: 1,
    height: 1,
    colorType: 0,
    bitDepth: 8,
    samples: [0],
  });
  const statuses = [];
  for (let i = 0; i < 3; i++) {
    const response = await api.app.request(
      "/v1/detect",
      raw(api.acme, png, "image/png"),
    );
    statuses.push(response.status);
    assert.equal(response.headers.get("ratelimit-limit"), "2");
    if (response.status === 429) {
      assert.equal((await error(response)).code, "rate_limited");
      assert.ok(Number(response.headers.get("retry-after")) >= 1);
      assert.equal(response.headers.get("ratelimit-remaining"), "0");
    } else {
      await response.body?.cancel();
    }
  }
  assert.deepEqual(statuses, [200, 200, 429]);
  // Another key has its own budget.
  const other = await api.app.request(
    "/v1/detect",
    raw(api.globex, png, "image/png"),
  );
  assert.equal(other.status, 200);
});

Deno.test("a bug is a 500 that tells the client nothing; a slow request a 503", async () => {
  const engine = await testEngine();
  const bugs: string[] = [];
  const { error: consoleError } = console;
  console.error = (line: string) => bugs.push(line);
  try {
    using buggy = await testApp({
      engine: {
        backend: "wasm",
        analyze: () => Promise.reject(new TypeError("secret internals")),
      },
    });
    const png = encodePng({
      width: 1,
      height: 1,
      colorType: 0,
      bitDepth: 8,
      samples: [0],
    });
    const response = await buggy.app.request(
      "/v1/detect",
      raw(buggy.acme, png, "image/png"),
    );
    assert.equal(response.status, 500);
    const body = await response.text();
    assert.doesNotMatch(body, /secret|TypeError|at /);
    assert.equal(JSON.parse(body).error.code, "internal_error");
    assert.equal(bugs.length, 1);
    assert.match(bugs[0], /secret internals/);
    assert.match(bugs[0], new RegExp(JSON.parse(body).requestId));
  } finally {
    console.error = consoleError;
  }
  using slow = await testApp({
    timeoutMs: 50,
    engine: {
      backend: engine.backend,
      analyze: (image, options) =>
        new Promise((resolve) => setTimeout(resolve, 300)).then(() =>
          engine.analyze(image, options)
        ),
    },
  });
  const png = encodePng({
    width: 1,
    height: 1,
    colorType: 0,
    bitDepth: 8,
    samples: [0],
  });
  const response = await slow.app.request(
    "/v1/detect",
    raw(slow.acme, png, "image/png"),
  );
  assert.equal(response.status, 503);
  assert.equal((await error(response)).code, "timeout");
  // Let the slow analysis end before the test does.
  await new Promise((resolve) => setTimeout(resolve, 300));
});

Deno.test("a FaceError of the packages keeps its code", async () => {
  using api = await testApp({
    engine: {
      backend: "wasm",
      analyze: () => Promise.reject(new FaceError("model_load_failed", "gone")),
    },
  });
  const png = encodePng({
    width: 1,
    height: 1,
    colorType: 0,
    bitDepth: 8,
    samples: [0],
  });
  const response = await api.app.request(
    "/v1/detect",
    raw(api.acme, png, "image/png"),
  );
  assert.equal(response.status, 503);
  assert.equal((await error(response)).code, "model_load_failed");
});

Deno.test("the log has one line per request and never a key", async () => {
  using api = await testApp();
  await api.app.request("/v1/health");
  await (await api.app.request(
    "/v1/detect",
    raw(api.acme, new Uint8Array([1, 2])),
  )).body?.cancel();
  assert.equal(api.logs.length, 2);
  const [health, detect] = api.logs;
  assert.equal(health.status, 200);
  assert.equal(detect.route, "/v1/detect");
  assert.equal(detect.tenant, "acme");
  assert.equal(detect.status, 415);
  assert.equal(detect.error, "unsupported_format");
  assert.ok(!JSON.stringify(api.logs).includes(api.acme));
  assert.ok(detect.ms >= 0);
});
