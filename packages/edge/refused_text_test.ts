import assert from "node:assert/strict";
import { testApp } from "./_test_app.ts";

Deno.test("a refusal repeats only the start of a long id, key, cursor or value", async (t) => {
  using api = await testApp();
  const long = "k".repeat(10_000);
  const send = (
    method: string,
    path: string,
    body?: string | FormData,
  ) =>
    api.app.request(path, {
      method,
      headers: {
        "x-api-key": api.acme,
        ...(typeof body === "string" && { "content-type": "application/json" }),
      },
      body,
    });
  /** The answer's status and code, after checking that it is short. */
  const refusal = async (response: Response) => {
    const text = await response.text();
    assert.ok(text.length < 1_000, `${text.length}: ${text.slice(0, 300)}`);
    assert.match(text, /… \(1000\d characters\)/);
    return [response.status, JSON.parse(text).error.code];
  };
  assert.equal(
    (await send("POST", "/v1/subjects", '{"id": "ada"}')).status,
    201,
  );

  await t.step("a metadata key, in the schema's details", async () => {
    const response = await send(
      "POST",
      "/v1/subjects",
      JSON.stringify({ id: "bo", metadata: { [long]: [1] } }),
    );
    assert.deepEqual(await refusal(response), [400, "invalid_request"]);
  });
  await t.step("a page cursor", async () => {
    const response = await send("GET", `/v1/subjects?cursor=${long}!`);
    assert.deepEqual(await refusal(response), [400, "invalid_argument"]);
  });
  await t.step("a face id", async () => {
    const response = await send("DELETE", `/v1/subjects/ada/faces/${long}`);
    assert.deepEqual(await refusal(response), [404, "not_found"]);
  });
  await t.step("a challenge id, too long for a KV key", async () => {
    const form = new FormData();
    form.append("frame", new File([new Uint8Array(8)], "f.jpg"));
    const response = await send(
      "POST",
      `/v1/liveness/challenges/${long}`,
      form,
    );
    assert.deepEqual(await refusal(response), [404, "not_found"]);
  });
  await t.step("a value of an embedding sent as a multipart text", async () => {
    const form = new FormData();
    const embedding = JSON.stringify({
      embedding: [long, ...Array(511).fill(0)],
    });
    form.append("a", embedding);
    form.append("b", embedding);
    const response = await send("POST", "/v1/verify", form);
    assert.deepEqual(await refusal(response), [400, "invalid_embedding"]);
  });
});
