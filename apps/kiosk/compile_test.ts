import assert from "node:assert/strict";
import { join } from "node:path";
import { LFW, lfw, ROOT, runKiosk, taskWords } from "./_test_kiosk.ts";

/** The page folder the compile tasks embed, once the camera page lands. */
const PAGE = "apps/kiosk/page";
const hasPage = await Deno.stat(join(ROOT, PAGE)).then(
  (info) => info.isDirectory,
  () => false,
);
if (!hasPage) {
  console.log(
    `kiosk compile tests: ${PAGE} does not exist yet (the camera page); its --include is left out here`,
  );
}

/**
 * The arguments of a compile task after `deno`, with `extra` flags, writing
 * to `output`, without the page's --include while the page is not there.
 */
function compileArgs(
  task: string,
  output: string,
  extra: string[] = [],
): string[] {
  const [, command, ...args] = taskWords(task);
  const out = [command, ...extra];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--include" && args[i + 1] === PAGE && !hasPage) {
      i++;
    } else if (args[i] === "--output") {
      out.push("--output", output);
      i++;
    } else {
      out.push(args[i]);
    }
  }
  return out;
}

async function compile(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ success: boolean; text: string }> {
  const { success, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    success,
    text: decoder.decode(stdout) + decoder.decode(stderr),
  };
}

Deno.test("the compile tasks: same flags as deno task kiosk, and the same for both targets", () => {
  const [, run, ...kiosk] = taskWords("kiosk");
  assert.equal(run, "run");
  const host = taskWords("compile:kiosk");
  const arm = taskWords("compile:kiosk:arm64");
  // The permissions the binary is built with are those of the task.
  for (const flag of kiosk.slice(0, -1)) assert.ok(host.includes(flag), flag);
  assert.deepEqual(arm.slice(2, 4), ["--target", "aarch64-unknown-linux-gnu"]);
  assert.deepEqual(
    arm.filter((_, i) => i < 2 || i > 3).map((w) =>
      w.replace("kiosk-arm64", "kiosk")
    ),
    host,
  );
  assert.ok(!host.includes("--allow-ffi"), "no native addon in the binary");
});

Deno.test("the compile tasks leave out onnxruntime and the test and bench tools, at the versions the workspace uses", async () => {
  const { imports } = JSON.parse(
    await Deno.readTextFile(join(ROOT, "deno.json")),
  ) as { imports: Record<string, string> };
  const words = taskWords("compile:kiosk");
  const excluded = words.filter((_, i) => words[i - 1] === "--exclude");
  assert.deepEqual(
    excluded,
    ["onnxruntime-node", "onnxruntime-web", "playwright-core", "imagescript"]
      .map((name) => {
        const version = imports[name].slice(`npm:${name}@`.length);
        return `node_modules/.deno/${name}@${version}/node_modules/${name}`;
      }),
    "update the --exclude paths of the compile tasks to the new versions",
  );
});

Deno.test({
  name:
    "compile:kiosk embeds the weights, the worker, every command and the page, not onnxruntime",
  fn: async () => {
    // DENORT_BIN names the runtime the binary is built on. Pointing it at
    // this deno skips the download of denort, so what is embedded can be
    // checked offline; such a binary is not a runnable kiosk (the full CLI
    // does not look for an embedded program), which the next test covers.
    const dir = await Deno.makeTempDir({ prefix: "kiosk-compile-" });
    try {
      const { success, text } = await compile(
        compileArgs("compile:kiosk", join(dir, "kiosk"), ["--no-check"]),
        { DENORT_BIN: Deno.execPath() },
      );
      assert.ok(success, text);
      for (
        const file of [
          "mobilefacenet.wasm",
          "face_detector_320x240.wasm",
          "face_detector_128x128.wasm",
          "face_landmark68.wasm",
          "face_liveness.wasm",
          "eye_state.wasm",
          "_pool_worker.ts",
          "_serve.ts",
          "_watch.ts",
          "_mqtt.ts",
          "_transfer.ts",
          "manifest.json",
          "operating_points.json",
        ]
      ) {
        assert.match(text, new RegExp(`── ${file.replaceAll(".", "\\.")} `));
      }
      if (hasPage) assert.match(text, /── page/);
      // onnxruntime-node's native addon and onnxruntime-web's wasm are
      // left out: 0 unique bytes of each.
      assert.match(text, /onnxruntime-node@[\d.]+ \(\d+B - 0B unique\)/);
      assert.match(text, /onnxruntime-web@[\d.]+ \(\d+B - 0B unique\)/);
      const files = Number(text.match(/Files: ([\d.]+)MB/)?.[1]);
      assert.ok(files < 80, `${files} MB embedded`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** Why the compiled kiosk cannot be built here, or `undefined`. */
const NO_DENORT = await (async () => {
  const dir = await Deno.makeTempDir({ prefix: "kiosk-denort-" });
  try {
    await Deno.writeTextFile(join(dir, "hello.ts"), "console.log('hello');\n");
    const { success, text } = await compile([
      "compile",
      "--output",
      join(dir, "hello"),
      join(dir, "hello.ts"),
    ]);
    return success
      ? undefined
      : `deno compile cannot get its runtime (denort) here: ${
        text.split("\n").find((line) =>
          line.includes("error sending request")
        ) ??
          text.trim().split("\n").at(-1)
      }`;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
})();
if (NO_DENORT) console.log(`skipping the compiled kiosk's run: ${NO_DENORT}`);

Deno.test({
  name:
    "the compiled kiosk runs verify as deno run does, away from the repository",
  ignore: NO_DENORT !== undefined || !LFW,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "kiosk-binary-" });
    try {
      const binary = join(dir, "kiosk");
      const built = await compile(compileArgs("compile:kiosk", binary));
      assert.ok(built.success, built.text);
      const pair = [lfw("Aaron_Peirsol", 1), lfw("Aaron_Peirsol", 2)];
      const compiled = await new Deno.Command(binary, {
        args: ["verify", ...pair],
        cwd: dir,
        stdin: "null",
      }).output();
      assert.ok(compiled.success, new TextDecoder().decode(compiled.stderr));
      const expected = await runKiosk(dir, ["verify", ...pair]);
      assert.equal(
        JSON.parse(new TextDecoder().decode(compiled.stdout)).similarity,
        JSON.parse(expected.stdout).similarity,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
