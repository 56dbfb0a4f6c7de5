import assert from "node:assert/strict";
import { LFW_MISSING, lfwRoot } from "@facever/testing";
import { photo, testApp } from "./_test_app.ts";

const root = lfwRoot();
if (!root) console.log(`skipping ?liveness=true on LFW: ${LFW_MISSING}`);

/**
 * George W. Bush's LFW photo 2 fails the passive check (score 0.005): a
 * press photo the net takes for a print; photo 7 passes it (0.999).
 */
const DOUBTFUL = 2, LIVE = 7;

Deno.test({
  name:
    "?liveness=true reports each face's passive check; enrolment refuses a spoof",
  ignore: !root,
  async fn(t) {
    using app = await testApp();
    const auth = { authorization: `Bearer ${app.acme}` };
    const live = await photo("George_W_Bush", LIVE);
    const doubtful = await photo("George_W_Bush", DOUBTFUL);

    await t.step("verify", async () => {
      const request = (query: string) => {
        const form = new FormData();
        form.append("a", new File([live], "a.jpg"));
        form.append("b", new File([doubtful], "b.jpg"));
        return app.app.request(`/v1/verify${query}`, {
          method: "POST",
          headers: auth,
          body: form,
        });
      };
      const checked = await (await request("?liveness=true")).json();
      assert.equal(checked.match, true);
      assert.equal(checked.faces[0].liveness.live, true);
      assert.equal(checked.faces[1].liveness.live, false);
      assert.ok(checked.faces[1].liveness.score < 0.1);
      const plain = await (await request("?liveness=false")).json();
      assert.equal(plain.faces[0].liveness, undefined);
      const bad = await request("?liveness=yes");
      assert.equal(bad.status, 400);
    });

    await t.step("identify", async () => {
      const response = await app.app.request(
        "/v1/identify?liveness=true&faces=largest",
        {
          method: "POST",
          headers: { ...auth, "content-type": "image/jpeg" },
          body: doubtful.slice(),
        },
      );
      const { results } = await response.json();
      assert.equal(results[0].face.liveness.live, false);
    });

    await t.step("enrolment", async () => {
      await app.app.request("/v1/subjects", {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ id: "gwb" }),
      });
      const enrol = (bytes: Uint8Array, query: string) =>
        app.app.request(`/v1/subjects/gwb/faces${query}`, {
          method: "POST",
          headers: { ...auth, "content-type": "image/jpeg" },
          body: bytes.slice(),
        });
      const refused = await enrol(doubtful, "?liveness=true");
      assert.equal(refused.status, 422);
      const { error } = await refused.json();
      assert.equal(error.code, "enrolment_refused");
      assert.equal(error.details.reason, "spoof");
      assert.ok(error.details.measured < 0.1);
      const kept = await enrol(live, "?liveness=true");
      assert.equal(kept.status, 201);
      assert.equal((await kept.json()).face.liveness.live, true);
      // Without the check the gates do not look at liveness.
      assert.equal((await enrol(doubtful, "")).status, 201);
    });

    await t.step(
      "the OpenAPI document has the routes and the parameter",
      async () => {
        const doc = await (await app.app.request("/v1/openapi.json")).json();
        assert.ok(doc.paths["/v1/liveness/challenges"].post);
        assert.ok(doc.paths["/v1/liveness/challenges/{id}"].post);
        for (
          const path of [
            "/v1/verify",
            "/v1/identify",
            "/v1/subjects/{id}/faces",
          ]
        ) {
          const names = doc.paths[path].post.parameters.map((
            p: { name: string },
          ) => p.name);
          assert.ok(names.includes("liveness"), `${path}: ${names}`);
        }
        assert.match(
          doc.paths["/v1/subjects/{id}/faces"].post.description,
          /pose, spoof, duplicate/,
        );
      },
    );
  },
});
