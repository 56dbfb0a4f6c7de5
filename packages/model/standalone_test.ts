import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { FaceEngine } from "@facever/model";
import { LFW_MISSING, lfwImagePath, lfwRoot } from "@facever/testing";

const root = lfwRoot();
const repository = fileURLToPath(new URL("../../", import.meta.url));

/**
 * What `@facever/model` needs: its package, the core, the model files and
 * the shipped operating points.
 */
const PARTS = ["packages/core", "packages/model", "weights/deno.json"];
const WEIGHTS =
  /^(mod\.ts|manifest\.json|operating_points\.json|.*\.onnx|.*\.wasm)$/;

async function copyTree(from: string, to: string): Promise<void> {
  const info = await Deno.stat(from);
  if (info.isFile) {
    await Deno.copyFile(from, to);
    return;
  }
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.name === "node_modules") continue;
    await copyTree(join(from, entry.name), join(to, entry.name));
  }
}

Deno.test({
  name:
    "@facever/model runs from a copy holding only the workspace and its assets",
  ignore: !root,
  fn: async () => {
    const copy = await Deno.makeTempDir({ prefix: "facever_standalone_" });
    try {
      const config = JSON.parse(
        await Deno.readTextFile(join(repository, "deno.json")),
      );
      // Only the members copied: nothing else of the repository is there.
      config.workspace = ["./packages/core", "./packages/model", "./weights"];
      delete config.tasks;
      await Deno.writeTextFile(
        join(copy, "deno.json"),
        JSON.stringify(config),
      );
      await Deno.copyFile(
        join(repository, "deno.lock"),
        join(copy, "deno.lock"),
      );
      for (const part of PARTS) {
        await Deno.mkdir(join(copy, part, ".."), { recursive: true });
        await copyTree(join(repository, part), join(copy, part));
      }
      for await (const entry of Deno.readDir(join(repository, "weights"))) {
        if (WEIGHTS.test(entry.name)) {
          await Deno.copyFile(
            join(repository, "weights", entry.name),
            join(copy, "weights", entry.name),
          );
        }
      }
      const script = join(copy, "embed.ts");
      await Deno.writeTextFile(
        script,
        `import { FaceEngine } from "@facever/model";
const engine = await FaceEngine.create({ backend: "wasm" });
const face = await engine.embedImage(await Deno.readFile(Deno.args[0]));
console.log(JSON.stringify([...face.embedding]));
`,
      );
      const image = lfwImagePath(root!, "Aaron_Peirsol", 1);
      const { code, stdout, stderr } = await new Deno.Command(
        Deno.execPath(),
        {
          // --allow-read only for the copy and the photo: a read of the
          // repository would fail.
          args: [
            "run",
            "--frozen",
            `--allow-read=${copy},${image}`,
            "--allow-env",
            script,
            image,
          ],
          cwd: copy,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        },
      ).output();
      const decoder = new TextDecoder();
      assert.equal(code, 0, decoder.decode(stderr));
      const embedding = Float32Array.from(
        JSON.parse(decoder.decode(stdout)) as number[],
      );
      const engine = await FaceEngine.create({ backend: "wasm" });
      const expected = await engine.embedImage(await Deno.readFile(image));
      assert.deepEqual(embedding, expected.embedding);
    } finally {
      await Deno.remove(copy, { recursive: true });
    }
  },
});

if (!root) console.log(`skipping the standalone test: ${LFW_MISSING}`);
