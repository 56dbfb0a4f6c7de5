import assert from "node:assert/strict";
import { checkImports, isTestFile, type Module } from "./_import_rules.ts";

const module = (path: string, ...imports: [string, string][]): Module => ({
  path,
  imports: imports.map(([specifier, target]) => ({ specifier, target })),
});

Deno.test("imports down the layers through exports pass", () => {
  assert.deepEqual(
    checkImports([
      module("packages/core/mod.ts", ["./image.ts", "packages/core/image.ts"]),
      module("packages/core/image.ts"),
      module("packages/model/engine.ts", [
        "@facever/core",
        "packages/core/mod.ts",
      ], ["@facever/weights", "weights/mod.ts"]),
      module("weights/mod.ts"),
      module("weights/convert.ts", [
        "@facever/model/compiled",
        "packages/model/compiled.ts",
      ]),
      module("packages/model/compiled.ts"),
      module("packages/gallery/gallery_test.ts", [
        "@facever/testing",
        "packages/testing/mod.ts",
      ]),
      module("packages/testing/mod.ts"),
      module("bench/run_lfw.ts", ["@facever/model", "packages/model/mod.ts"]),
      module("packages/model/mod.ts"),
    ]),
    [],
  );
});

Deno.test("an upward import fails", () => {
  const problems = checkImports([
    module("packages/model/engine_test.ts", [
      "../../bench/lfw.ts",
      "bench/lfw.ts",
    ]),
    module("bench/lfw.ts"),
    module("packages/core/image.ts", [
      "@facever/model",
      "packages/model/mod.ts",
    ]),
    module("packages/model/mod.ts"),
  ]);
  assert.equal(problems.length, 3);
  assert.match(problems[0], /a path into bench\//);
  assert.match(
    problems[1],
    /model \(layer 2\) may not import bench \(layer 6\)/,
  );
  assert.match(problems[2], /core \(layer 1\) may not import model/);
});

Deno.test("one app may not import another", () => {
  const problems = checkImports([
    module("apps/kiosk/main.ts", ["@facever/cli", "apps/cli/main.ts"]),
    module("apps/cli/main.ts"),
  ]);
  assert.equal(problems.length, 1);
  assert.match(problems[0], /apps\/kiosk .* may not import apps\/cli/);
});

Deno.test("a path into another package's private file fails", () => {
  const problems = checkImports([
    module("weights/_compile.ts", [
      "../packages/model/_compiled_interface.ts",
      "packages/model/_compiled_interface.ts",
    ]),
    module("packages/model/_compiled_interface.ts"),
    module("packages/gallery/x_test.ts", [
      "../model/_nms.ts",
      "packages/model/_nms.ts",
    ]),
    module("packages/model/_nms.ts"),
  ]);
  assert.equal(problems.length, 2);
  assert.match(problems[0], /a path into packages\/model\//);
  assert.match(problems[1], /a path into packages\/model\//);
});

Deno.test("the model files may import their data, not the converter", () => {
  const problems = checkImports([
    module(
      "weights/mod.ts",
      ["./convert.ts", "weights/convert.ts"],
      ["./manifest.json", "weights/manifest.json"],
    ),
    module("weights/convert.ts"),
    module("weights/manifest.json"),
  ]);
  assert.equal(problems.length, 1);
  assert.match(
    problems[0],
    /weights \(files\) .* may not import weights \(converter\)/,
  );
});

Deno.test("library code may not use @facever/testing; tests and bench may", () => {
  const problems = checkImports([
    module("packages/core/decode.ts", [
      "@facever/testing",
      "packages/testing/mod.ts",
    ]),
    module("packages/core/decode_test.ts", [
      "@facever/testing",
      "packages/testing/mod.ts",
    ]),
    module("packages/model/_test_worker.ts", [
      "@facever/testing",
      "packages/testing/mod.ts",
    ]),
    module("bench/speed_bench.ts", [
      "@facever/testing",
      "packages/testing/mod.ts",
    ]),
    module("packages/testing/mod.ts"),
  ]);
  assert.equal(problems.length, 1);
  assert.match(
    problems[0],
    /packages\/core\/decode.ts imports .*tests and benchmarks only/,
  );
});

Deno.test("cycles fail, type-only and within a package included", () => {
  const problems = checkImports([
    module("packages/model/runner.ts", [
      "./_session.ts",
      "packages/model/_session.ts",
    ]),
    module("packages/model/_session.ts", [
      "./runner.ts",
      "packages/model/runner.ts",
    ]),
    module("bench/a.ts", ["./a.ts", "bench/a.ts"]),
  ]);
  assert.deepEqual(problems, [
    "import cycle: bench/a.ts → bench/a.ts",
    "import cycle: packages/model/_session.ts → packages/model/runner.ts → packages/model/_session.ts",
  ]);
});

Deno.test("a package without a layer is reported", () => {
  const problems = checkImports([module("packages/extra/mod.ts")]);
  assert.equal(problems.length, 1);
  assert.match(problems[0], /package extra has no layer/);
});

Deno.test("test files are told apart from library files", () => {
  assert.ok(isTestFile("packages/core/decode_test.ts"));
  assert.ok(isTestFile("packages/model/_test_worker.ts"));
  assert.ok(isTestFile("packages/gallery/testdata/add_face.ts"));
  assert.ok(!isTestFile("packages/core/decode.ts"));
  assert.ok(!isTestFile("packages/gallery/_test.ts.bak"));
});
