import assert from "node:assert/strict";
import { join } from "node:path";
import { lfwRoot } from "@facever/testing";
import { pairListNames, readIdentities } from "./_identities.ts";

Deno.test("pairListNames names everyone a pair list mentions", () => {
  const text = "2\nAl\t1\t2\nCy\t1\t3\nAl\t1\tBo\t3\nDi\t2\tCy\t1\n";
  assert.deepEqual(pairListNames(text), ["Al", "Bo", "Cy", "Di"]);
  // View 2's header is a fold count and a count.
  assert.deepEqual(pairListNames("10\t300\r\nAl\t1\t2\r\n"), ["Al"]);
  assert.throws(() => pairListNames("1\nAl\t1\n"), SyntaxError);
});

Deno.test("readIdentities lists every image of each person", async () => {
  const root = await Deno.makeTempDir();
  try {
    for (const [name, count] of [["Al", 3], ["Bo", 1]] as const) {
      const dir = join(root, "images_deepfunneled", name);
      await Deno.mkdir(dir, { recursive: true });
      for (let i = 1; i <= count; i++) {
        await Deno.writeFile(
          join(dir, `${name}_000${i}.jpg`),
          new Uint8Array(),
        );
      }
      await Deno.writeFile(join(dir, "notes.txt"), new Uint8Array());
    }
    await Deno.writeTextFile(
      join(root, "list.txt"),
      "1\nAl\t1\t2\nAl\t3\tBo\t1\n",
    );
    const people = await readIdentities(root, "list.txt");
    assert.deepEqual(people.map((p) => [p.name, p.files.length]), [
      ["Al", 3],
      ["Bo", 1],
    ]);
    assert.equal(
      people[0].files[2],
      join(root, "images_deepfunneled", "Al", "Al_0003.jpg"),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

const root = lfwRoot();
Deno.test({
  name: "View 1: the training and held-out people are disjoint",
  ignore: !root,
  fn: async () => {
    const train = await readIdentities(root!, "pairsDevTrain.txt");
    const test = await readIdentities(root!, "pairsDevTest.txt");
    const names = new Set(train.map((p) => p.name));
    assert.ok(test.every((p) => !names.has(p.name)));
    const images = (people: typeof train) =>
      people.reduce((sum, p) => sum + p.files.length, 0);
    assert.deepEqual(
      [train.length, images(train), test.length, images(test)],
      [2132, 6685, 963, 2741],
    );
  },
});
