import assert from "node:assert/strict";
import { decodeImage, resizeImage } from "@facever/core";
import { encodePng, LFW_MISSING, lfwRoot } from "@facever/testing";
import { base64, photo, testApp, testEngine } from "./_test_app.ts";

const root = lfwRoot();
if (!root) console.log(`skipping subject tests on real faces: ${LFW_MISSING}`);

type Api = Awaited<ReturnType<typeof testApp>>;

function call(
  api: Api,
  key: string,
  method: string,
  path: string,
  body?: unknown,
) {
  return api.app.request(path, {
    method,
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

function upload(api: Api, key: string, path: string, bytes: Uint8Array) {
  return api.app.request(path, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "image/jpeg" },
    body: new Uint8Array(bytes),
  });
}

async function code(response: Response): Promise<string> {
  return (await response.json()).error.code;
}

/** A PNG of two LFW photos side by side. */
async function pairPhoto(a: Uint8Array, b: Uint8Array): Promise<Uint8Array> {
  const [left, right] = await Promise.all([decodeImage(a), decodeImage(b)]);
  const width = left.width + right.width + 60, height = 260;
  const data = new Uint8Array(width * height * 3).fill(90);
  for (const [image, x0] of [[left, 20], [right, left.width + 40]] as const) {
    for (let y = 0; y < image.height; y++) {
      data.set(
        image.data.subarray(y * image.width * 3, (y + 1) * image.width * 3),
        ((y + 5) * width + x0) * 3,
      );
    }
  }
  return encodePng({ width, height, colorType: 2, bitDepth: 8, samples: data });
}

Deno.test("subjects: create, read, list, update, delete", async (t) => {
  using api = await testApp();
  await t.step("create gives 201, and the id again gives 409", async () => {
    const created = await call(api, api.acme, "POST", "/v1/subjects", {
      id: "ada",
      metadata: { team: "blue" },
    });
    assert.equal(created.status, 201);
    const subject = await created.json();
    assert.deepEqual(
      { ...subject, createdAt: typeof subject.createdAt },
      {
        id: "ada",
        metadata: { team: "blue" },
        faceCount: 0,
        createdAt: "string",
      },
    );
    const again = await call(api, api.acme, "POST", "/v1/subjects", {
      id: "ada",
    });
    assert.equal(again.status, 409);
    assert.equal(await code(again), "already_exists");
  });
  await t.step("bad ids and metadata are 400", async () => {
    for (
      const body of [
        { id: "" },
        { id: "x\u0000y" },
        { id: "x\uD800" },
        { id: "a".repeat(200) },
        { id: "b", metadata: { nested: { no: 1 } } },
        { id: 5 },
        {},
      ]
    ) {
      const response = await call(api, api.acme, "POST", "/v1/subjects", body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.ok(
        ["invalid_request", "invalid_argument"].includes(await code(response)),
      );
    }
  });
  await t.step("read, page through, update, delete", async () => {
    for (const id of ["bob", "cy", "dee"]) {
      await (await call(api, api.acme, "POST", "/v1/subjects", { id })).body
        ?.cancel();
    }
    const one = await (await call(api, api.acme, "GET", "/v1/subjects/bob"))
      .json();
    assert.equal(one.id, "bob");
    const first =
      await (await call(api, api.acme, "GET", "/v1/subjects?limit=3")).json();
    assert.deepEqual(first.subjects.map((s: { id: string }) => s.id), [
      "ada",
      "bob",
      "cy",
    ]);
    const second = await (await call(
      api,
      api.acme,
      "GET",
      `/v1/subjects?limit=3&cursor=${encodeURIComponent(first.cursor)}`,
    )).json();
    assert.deepEqual(second.subjects.map((s: { id: string }) => s.id), ["dee"]);
    assert.equal(second.cursor, null);
    const patched = await call(api, api.acme, "PATCH", "/v1/subjects/bob", {
      metadata: { role: "admin" },
    });
    assert.equal(patched.status, 200);
    assert.deepEqual((await patched.json()).metadata, { role: "admin" });
    const deleted = await call(api, api.acme, "DELETE", "/v1/subjects/bob");
    assert.equal(deleted.status, 204);
    const gone = await call(api, api.acme, "GET", "/v1/subjects/bob");
    assert.equal(gone.status, 404);
    assert.equal(await code(gone), "not_found");
    const bad = await call(api, api.acme, "GET", "/v1/subjects?limit=0");
    assert.equal(bad.status, 400);
    const cursor = await call(api, api.acme, "GET", "/v1/subjects?cursor=%%%");
    assert.equal(cursor.status, 400);
  });
});

Deno.test({
  name: "faces: enrol through the gates, identify, verify, remove",
  ignore: !root,
  fn: async (t) => {
    using api = await testApp();
    const engine = await testEngine();
    const aaron = [1, 2, 3].map((i) => photo("Aaron_Peirsol", i));
    const serena = await photo("Serena_Williams", 1);
    const [a1, a2, a3] = await Promise.all(aaron);
    await (await call(api, api.acme, "POST", "/v1/subjects", { id: "aaron" }))
      .body?.cancel();
    await (await call(api, api.acme, "POST", "/v1/subjects", { id: "serena" }))
      .body?.cancel();
    let aaronFace = "";

    await t.step(
      "a good photo is enrolled: 201 with the face id and figures",
      async () => {
        const response = await upload(
          api,
          api.acme,
          "/v1/subjects/aaron/faces",
          a1,
        );
        assert.equal(response.status, 201);
        const body = await response.json();
        assert.equal(body.subjectId, "aaron");
        assert.equal(body.faceCount, 1);
        assert.ok(body.face.quality.sharpness > 0);
        aaronFace = body.faceId;
        const serenaFace = await upload(
          api,
          api.acme,
          "/v1/subjects/serena/faces",
          serena,
        );
        assert.equal(serenaFace.status, 201);
      },
    );

    await t.step("the same photo again is refused as a duplicate", async () => {
      const response = await upload(
        api,
        api.acme,
        "/v1/subjects/aaron/faces",
        a1,
      );
      assert.equal(response.status, 422);
      const { error } = await response.json();
      assert.equal(error.code, "enrolment_refused");
      assert.equal(error.details.reason, "duplicate");
      const relaxed = await upload(
        api,
        api.acme,
        "/v1/subjects/aaron/faces?maxDuplicateSimilarity=1",
        a1,
      );
      assert.equal(relaxed.status, 201);
      const copy = (await relaxed.json()).faceId;
      assert.equal(
        (await call(
          api,
          api.acme,
          "DELETE",
          `/v1/subjects/aaron/faces/${copy}`,
        )).status,
        204,
      );
    });

    await t.step(
      "a retry with the same source gets the face already made, not a duplicate refusal",
      async () => {
        // The first attempt was stored but its answer lost (a dropped
        // connection, a crashed server); the client sends it again.
        const second = await photo("Serena_Williams", 2);
        const enrol = () =>
          call(api, api.acme, "POST", "/v1/subjects/serena/faces", {
            image: base64(second),
            source: "camera-7/0001.jpg",
          });
        const first = await enrol();
        assert.equal(first.status, 201);
        const { faceId } = await first.json();
        const again = await enrol();
        assert.equal(again.status, 201);
        assert.equal((await again.json()).faceId, faceId);
        const faces = await call(
          api,
          api.acme,
          "GET",
          "/v1/subjects/serena/faces",
        );
        const listed = (await faces.json()).faces as { source: string }[];
        assert.equal(
          listed.filter((face) => face.source === "camera-7/0001.jpg").length,
          1,
        );
        // Another source with the same photo is still a copy.
        const copy = await call(
          api,
          api.acme,
          "POST",
          "/v1/subjects/serena/faces",
          { image: base64(second), source: "camera-7/0002.jpg" },
        );
        assert.equal(copy.status, 422);
        assert.equal((await copy.json()).error.details.reason, "duplicate");
        const removed = await call(
          api,
          api.acme,
          "DELETE",
          `/v1/subjects/serena/faces/${faceId}`,
        );
        assert.equal(removed.status, 204);
      },
    );

    await t.step(
      "each gate refuses with its reason and can be relaxed",
      async () => {
        const group = await pairPhoto(a2, serena);
        const several = await upload(
          api,
          api.acme,
          "/v1/subjects/aaron/faces",
          group,
        );
        assert.equal(
          (await several.json()).error.details.reason,
          "multiple_faces",
        );
        const small = encodePng({
          width: 120,
          height: 120,
          colorType: 2,
          bitDepth: 8,
          samples: resizeImage(await decodeImage(a2), 120, 120).data,
        });
        const tooSmall = await upload(
          api,
          api.acme,
          "/v1/subjects/aaron/faces",
          small,
        );
        assert.equal(
          (await tooSmall.json()).error.details.reason,
          "face_too_small",
        );
        const blurred = await decodeImage(a2);
        const blurry = encodePng({
          width: 250,
          height: 250,
          colorType: 2,
          bitDepth: 8,
          samples: resizeImage(resizeImage(blurred, 40, 40), 250, 250).data,
        });
        const refused = await upload(
          api,
          api.acme,
          "/v1/subjects/aaron/faces?minSharpness=1000",
          a2,
        );
        assert.equal((await refused.json()).error.details.reason, "blurry");
        const blur = await upload(
          api,
          api.acme,
          "/v1/subjects/aaron/faces?minFaceSize=0",
          blurry,
        );
        const reason = blur.status === 422
          ? (await blur.json()).error.details.reason
          : "enrolled";
        assert.ok(["blurry", "low_score"].includes(reason), reason);
        const turned = await upload(
          api,
          api.acme,
          "/v1/subjects/aaron/faces?maxYaw=0",
          a2,
        );
        assert.equal((await turned.json()).error.details.reason, "pose");
        const none = await upload(
          api,
          api.acme,
          "/v1/subjects/aaron/faces",
          encodePng({
            width: 80,
            height: 80,
            colorType: 0,
            bitDepth: 8,
            samples: new Uint8Array(6400).fill(30),
          }),
        );
        assert.equal((await none.json()).error.details.reason, "no_face");
        const largest = await upload(
          api,
          api.acme,
          "/v1/subjects/aaron/faces?face=largest",
          group,
        );
        assert.equal(largest.status, 201);
        assert.equal((await largest.json()).faceCount, 2);
      },
    );

    await t.step("identify names each face, or calls it unknown", async () => {
      const group = await pairPhoto(a3, await photo("George_W_Bush", 1));
      const response = await upload(
        api,
        api.acme,
        "/v1/identify?limit=2",
        group,
      );
      assert.equal(response.status, 200);
      const body = await response.json();
      assert.equal(body.operatingPoint, "accuracy");
      assert.equal(body.results.length, 2);
      const named = body.results.map((r: { subjectId: string | null }) =>
        r.subjectId
      );
      assert.ok(named.includes("aaron"), JSON.stringify(named));
      assert.ok(named.includes(null), "Bush is nobody here");
      for (const result of body.results) {
        const ids = result.candidates.map((c: { subjectId: string }) =>
          c.subjectId
        );
        assert.equal(new Set(ids).size, ids.length, "a subject at most once");
      }
      const largest = await (await upload(
        api,
        api.acme,
        "/v1/identify?faces=largest",
        group,
      )).json();
      assert.equal(largest.results.length, 1);
      const { embedding } = await engine.embedImage(serena);
      const byEmbedding =
        await (await call(api, api.acme, "POST", "/v1/identify", {
          embedding: [...embedding],
        })).json();
      assert.equal(byEmbedding.results[0].subjectId, "serena");
      assert.equal(byEmbedding.results[0].face, null);
    });

    await t.step("verify against one subject", async () => {
      const same =
        await (await upload(api, api.acme, "/v1/subjects/aaron/verify", a3))
          .json();
      assert.equal(same.match, true);
      const other =
        await (await upload(api, api.acme, "/v1/subjects/serena/verify", a3))
          .json();
      assert.equal(other.match, false);
      const nobody = await upload(
        api,
        api.acme,
        "/v1/subjects/nobody/verify",
        a3,
      );
      assert.equal(nobody.status, 404);
    });

    await t.step(
      "list and remove faces; a face of another subject is 404",
      async () => {
        const faces =
          await (await call(api, api.acme, "GET", "/v1/subjects/aaron/faces"))
            .json();
        assert.ok(
          faces.faces.some((f: { faceId: string }) => f.faceId === aaronFace),
        );
        const serenaFaces =
          await (await call(api, api.acme, "GET", "/v1/subjects/serena/faces"))
            .json();
        const wrong = await call(
          api,
          api.acme,
          "DELETE",
          `/v1/subjects/aaron/faces/${serenaFaces.faces[0].faceId}`,
        );
        assert.equal(wrong.status, 404);
        const removed = await call(
          api,
          api.acme,
          "DELETE",
          `/v1/subjects/aaron/faces/${aaronFace}`,
        );
        assert.equal(removed.status, 204);
      },
    );

    await t.step(
      "another tenant sees none of it: 404 on every route",
      async () => {
        const routes: [string, string, unknown?][] = [
          ["GET", "/v1/subjects/aaron"],
          ["PATCH", "/v1/subjects/aaron", { metadata: {} }],
          ["DELETE", "/v1/subjects/aaron"],
          ["GET", "/v1/subjects/aaron/faces"],
          ["DELETE", `/v1/subjects/aaron/faces/${aaronFace}`],
          ["POST", "/v1/subjects/aaron/faces", { image: base64(a1) }],
          ["POST", "/v1/subjects/aaron/verify", { image: base64(a1) }],
        ];
        for (const [method, path, body] of routes) {
          const response = await call(api, api.globex, method, path, body);
          assert.equal(response.status, 404, `${method} ${path}`);
          assert.equal(await code(response), "not_found");
        }
        const listing =
          await (await call(api, api.globex, "GET", "/v1/subjects")).json();
        assert.deepEqual(listing.subjects, []);
        const identify =
          await (await upload(api, api.globex, "/v1/identify", a1)).json();
        assert.equal(identify.results[0].subjectId, null);
        // And acme's subject is still whole.
        assert.equal(
          (await call(api, api.acme, "GET", "/v1/subjects/aaron")).status,
          200,
        );
      },
    );
  },
});

Deno.test("metadata: a __proto__ key, as JSON.parse makes it, is a 400 and not dropped", async () => {
  using api = await testApp();
  const send = (method: string, path: string, body?: string) =>
    api.app.request(path, {
      method,
      headers: { "x-api-key": api.acme, "content-type": "application/json" },
      body,
    });
  const refused = await send(
    "POST",
    "/v1/subjects",
    '{"id": "ada", "metadata": {"__proto__": "x", "team": "blue"}}',
  );
  assert.equal(refused.status, 400);
  const { error } = await refused.json();
  assert.equal(error.code, "invalid_request");
  assert.deepEqual(error.details, [{
    path: "metadata",
    message: "metadata cannot have a key named __proto__",
  }]);
  assert.equal((await send("GET", "/v1/subjects/ada")).status, 404);
  assert.equal(
    (await send("POST", "/v1/subjects", '{"id": "ada"}')).status,
    201,
  );
  const patched = await send(
    "PATCH",
    "/v1/subjects/ada",
    '{"metadata": {"__proto__": {"admin": true}}}',
  );
  assert.equal(patched.status, 400);
  assert.deepEqual(
    (await (await send("GET", "/v1/subjects/ada")).json()).metadata,
    {},
  );
});
