import assert from "node:assert/strict";
import { LFW_MISSING, lfwRoot, malformedRequests } from "@facever/testing";
import { photo, testApp } from "./_test_app.ts";

const root = lfwRoot();
if (!root) console.log(`skipping the API fuzz test: ${LFW_MISSING}`);

Deno.test({
  name: "1,200 hostile requests: no answer of 500 or more, and the app lives",
  ignore: !root,
  fn: async () => {
    using api = await testApp({ requestsPerMinute: 1_000_000 });
    await api.app.request("/v1/subjects", {
      method: "POST",
      headers: { "x-api-key": api.acme, "content-type": "application/json" },
      body: JSON.stringify({ id: "fuzz" }),
    });
    const seeds = { key: api.acme, photo: await photo("Aaron_Peirsol", 1) };
    const byStatus = new Map<number, number>();
    const failures: string[] = [];
    for (const request of malformedRequests(20261204, 1200, seeds)) {
      const response = await api.app.request(request.path, {
        method: request.method,
        headers: request.headers,
        body: request.body,
      });
      byStatus.set(response.status, (byStatus.get(response.status) ?? 0) + 1);
      const text = await response.text();
      if (response.status >= 500) {
        failures.push(
          `${request.kind}: ${request.method} ${
            request.path.slice(0, 80)
          } → ${response.status} ${text.slice(0, 200)}`,
        );
      } else if (response.status >= 400) {
        const body = JSON.parse(text);
        assert.equal(typeof body.error.code, "string", text);
        assert.equal(typeof body.requestId, "string", text);
      }
    }
    console.log(
      `fuzz: ${
        [...byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`)
          .join(" ")
      }`,
    );
    assert.deepEqual(failures, []);
    const health = await api.app.request("/v1/health");
    assert.equal(health.status, 200);
    await health.body?.cancel();
  },
});
