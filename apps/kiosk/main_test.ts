import assert from "node:assert/strict";
import { join } from "node:path";
import { encodePng } from "@facever/testing";
import {
  jsonLines,
  LFW,
  lfw,
  runKiosk,
  scratchWithPhotos,
} from "./_test_kiosk.ts";

const COMMANDS = [
  "serve",
  "watch",
  "enroll",
  "verify",
  "identify",
  "subjects",
  "export",
  "import",
  "keys",
];

Deno.test("kiosk help and usage errors", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "kiosk-test-" });
  try {
    await t.step("--help lists every command and exits 0", async () => {
      const { code, stdout } = await runKiosk(dir, ["--help"]);
      assert.equal(code, 0);
      for (const command of COMMANDS) assert.match(stdout, new RegExp(command));
    });
    for (const command of COMMANDS) {
      await t.step(`${command} --help exits 0 with its usage`, async () => {
        const { code, stdout } = await runKiosk(dir, [command, "--help"]);
        assert.equal(code, 0);
        assert.match(stdout, new RegExp(`kiosk ${command}`));
        assert.match(stdout, /Exit status/);
      });
    }
    await t.step("no command, an unknown one, bad flags: exit 2", async () => {
      for (
        const args of [
          [],
          ["dance"],
          ["verify", "one.jpg"],
          ["verify", "--threshold", "2", "a.jpg", "b.jpg"],
          ["verify", "--far", "far-1e-9", "a.jpg", "b.jpg"],
          ["identify", "--limit", "0", "a.jpg"],
          ["watch"],
          ["watch", "--input", "v.mp4", "--camera", "front/door"],
          ["watch", "--input", "v.mp4", "--webhook", "ftp://x"],
          ["watch", "--input", "v.mp4", "--liveness", "maybe"],
          ["subjects", "rename"],
          ["keys", "revoke"],
          ["enroll", "--gate", "sharpness=3", "dir"],
          ["serve", "--port", "70000"],
        ]
      ) {
        const { code, stderr } = await runKiosk(dir, args);
        assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
        assert.match(stderr, /error:/);
      }
    });
    await t.step("a missing file is refused input: exit 1", async () => {
      const { code, stderr } = await runKiosk(dir, [
        "verify",
        "missing-a.jpg",
        "missing-b.jpg",
      ]);
      assert.equal(code, 1);
      assert.match(stderr, /missing-a\.jpg: no such file/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "kiosk verify, enroll, identify, subjects on LFW",
  ignore: !LFW,
  fn: async (t) => {
    const dir = await scratchWithPhotos({
      Aaron_Peirsol: [1, 2],
      Serena_Williams: [1, 2],
    });
    try {
      await t.step("verify: two photos of one person match", async () => {
        const { code, stdout } = await runKiosk(dir, [
          "verify",
          lfw("Aaron_Peirsol", 1),
          lfw("Aaron_Peirsol", 3),
        ]);
        assert.equal(code, 0);
        const result = JSON.parse(stdout);
        assert.equal(result.match, true);
        assert.equal(result.threshold, 0.282);
        assert.equal(result.faces.length, 2);
      });
      await t.step("verify: two people do not", async () => {
        const { code, stdout } = await runKiosk(dir, [
          "verify",
          "--far",
          "far-1e-4",
          lfw("Aaron_Peirsol", 1),
          lfw("Serena_Williams", 1),
        ]);
        assert.equal(code, 0);
        const result = JSON.parse(stdout);
        assert.equal(result.match, false);
        assert.equal(result.threshold, 0.4358);
      });
      await t.step("verify: an image without a face exits 1", async () => {
        const empty = join(dir, "grey.png");
        await Deno.writeFile(
          empty,
          encodePng({
            width: 64,
            height: 64,
            colorType: 2,
            bitDepth: 8,
            samples: new Uint8Array(64 * 64 * 3).fill(128),
          }),
        );
        const { code, stderr } = await runKiosk(dir, [
          "verify",
          empty,
          lfw("Aaron_Peirsol", 1),
        ]);
        assert.equal(code, 1, stderr);
        assert.match(stderr, /grey\.png: .*\(no_face\)/);
      });
      await t.step(
        "enroll: every image, a reason per rejected one, exit 1",
        async () => {
          await Deno.writeTextFile(
            join(dir, "enrol", "Serena_Williams", "notes.jpg"),
            "not an image",
          );
          const { code, stdout, stderr } = await runKiosk(dir, [
            "enroll",
            "enrol",
          ]);
          assert.equal(code, 1, stderr);
          assert.deepEqual(jsonLines(stdout), [{
            file: "Serena_Williams/notes.jpg",
            subjectId: "Serena_Williams",
            code: "decode_error",
            message: jsonLines(stdout)[0].message,
          }]);
          assert.match(stderr, /enrol: 5\/5 .*enrolled 4 .*rejected 1/);
        },
      );
      await t.step(
        "enroll again: resumed, nothing enrolled twice",
        async () => {
          await Deno.remove(join(dir, "enrol", "Serena_Williams", "notes.jpg"));
          const { code, stderr } = await runKiosk(dir, ["enroll", "enrol"]);
          assert.equal(code, 0, stderr);
          assert.match(stderr, /enrolled 0 {2}skipped 4 {2}rejected 0/);
        },
      );
      await t.step("identify: an enrolled person, and a stranger", async () => {
        const known = await runKiosk(dir, [
          "identify",
          lfw("Serena_Williams", 3),
        ]);
        assert.equal(known.code, 0, known.stderr);
        const answer = JSON.parse(known.stdout);
        assert.equal(answer.subjectId, "Serena_Williams");
        assert.equal(answer.threshold, 0.3502);
        assert.equal(answer.candidates.length, 2);
        const stranger = await runKiosk(dir, [
          "identify",
          lfw("Aaron_Eckhart", 1),
        ]);
        assert.equal(JSON.parse(stranger.stdout).subjectId, null);
      });
      await t.step("subjects list and delete", async () => {
        const list = await runKiosk(dir, ["subjects", "list"]);
        assert.deepEqual(
          jsonLines(list.stdout).map(({ id, faceCount }) => [id, faceCount]),
          [["Aaron_Peirsol", 2], ["Serena_Williams", 2]],
        );
        const deleted = await runKiosk(dir, [
          "subjects",
          "delete",
          "Aaron_Peirsol",
        ]);
        assert.equal(deleted.code, 0);
        const again = await runKiosk(dir, [
          "subjects",
          "delete",
          "Aaron_Peirsol",
        ]);
        assert.equal(again.code, 1);
        assert.match(again.stderr, /not_found/);
        const after = await runKiosk(dir, ["subjects", "list"]);
        assert.equal(jsonLines(after.stdout).length, 1);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
