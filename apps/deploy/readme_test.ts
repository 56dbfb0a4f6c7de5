import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LFW_MISSING, lfwImagePath, lfwRoot } from "@facever/testing";
import { createKey, startServer } from "./_test_server.ts";

const root = lfwRoot();
const README = fileURLToPath(new URL("../../README.md", import.meta.url));
const MARKER = "The examples below run as printed";

/** The README's block of curl examples, as printed. */
async function curlExamples(): Promise<string> {
  const text = await Deno.readTextFile(README);
  const after = text.slice(text.indexOf(MARKER));
  const match = after.match(/```sh\n([\s\S]*?)```/);
  assert.ok(match, `README.md has no sh block after "${MARKER}"`);
  return match[1];
}

const hasCurl = await new Deno.Command("curl", { args: ["--version"] })
  .output().then(({ code }) => code === 0, () => false);

if (!root) console.log(`skipping the README's curl examples: ${LFW_MISSING}`);
if (!hasCurl) console.log("skipping the README's curl examples: no curl");

Deno.test({
  name: "the README's curl examples work as printed against deno task start",
  ignore: !root || !hasCurl,
  fn: async () => {
    const folder = await Deno.makeTempDir({ prefix: "facever_readme_" });
    try {
      const photos: [string, string, number][] = [
        ["a.jpg", "Aaron_Peirsol", 1],
        ["b.jpg", "Aaron_Peirsol", 2],
        ["c.jpg", "Serena_Williams", 1],
      ];
      for (const [file, name, index] of photos) {
        await Deno.copyFile(
          lfwImagePath(root!, name, index),
          join(folder, file),
        );
      }
      const kvPath = join(folder, "kv", "facever.kv");
      await Deno.mkdir(join(folder, "kv"));
      const key = await createKey(kvPath, "acme");
      await using server = await startServer({ kvPath });
      // The one change: the port the server got instead of 8000.
      const script = (await curlExamples()).replaceAll(
        "localhost:8000",
        server.origin.replace("http://", ""),
      );
      const { code, stdout, stderr } = await new Deno.Command("bash", {
        args: ["-euo", "pipefail", "-c", script],
        cwd: folder,
        env: { KEY: key },
      }).output();
      const out = new TextDecoder().decode(stdout);
      assert.equal(
        code,
        0,
        `${new TextDecoder().decode(stderr)}\n${out}\n${script}`,
      );
      assert.doesNotMatch(out, /"error":/, out);
      assert.match(out, /"status":"ok"/);
      assert.match(out, /"match":true/);
      assert.match(out, /"id":"ada","metadata":\{"team":"red"\}/);
      assert.match(out, /"faceId":"[0-9a-f-]{36}","subjectId":"ada"/);
      assert.match(out, /"subjectId":"ada","similarity":/);
      assert.match(out, /"subjectId":null/);
      assert.match(out, /"embedding":\[/);
      assert.match(out, /"liveness":\{"score":/);
      assert.match(
        out,
        /"passed":false,"reason":"(blink|turn_left|turn_right)"/,
      );
    } finally {
      await Deno.remove(folder, { recursive: true });
    }
  },
});
