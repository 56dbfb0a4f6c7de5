/**
 * Runs every example of the READMEs and of the JSDoc of the workspace's
 * modules (`deno test --doc`), in a folder that holds the photos the
 * examples read (`a.jpg`, `b.jpg`, `group.jpg`, …), made from LFW for the
 * run and deleted after it: no dataset image is kept in the repository.
 * Where LFW is absent the examples are type-checked only, and it says so.
 *
 * ```sh
 * deno task test:doc
 * ```
 *
 * @module
 */

import encodeJpeg from "@jsquash/jpeg/encode.js";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeImage, resizeImage, type RgbImage } from "@facever/core";
import { LFW_MISSING, lfwImagePath, lfwRoot } from "@facever/testing";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The photos the examples name, and whose they are. */
const PHOTOS: Readonly<Record<string, [string, number]>> = {
  "a.jpg": ["Aaron_Peirsol", 1],
  "b.jpg": ["Aaron_Peirsol", 2],
  "c.jpg": ["Serena_Williams", 1],
  "d.jpg": ["George_W_Bush", 1],
  "ada.jpg": ["Aaron_Peirsol", 3],
  "door.jpg": ["Aaron_Peirsol", 4],
  "photo.jpg": ["Serena_Williams", 2],
  "portrait.jpg": ["Aaron_Eckhart", 1],
};

/** Modules and documents whose examples are run. */
async function documented(): Promise<string[]> {
  const files: string[] = [
    "README.md",
    "ARCHITECTURE.md",
    "weights/README.md",
    "weights/mod.ts",
    "apps/cli/main.ts",
    "apps/deploy/settings.ts",
    "apps/deploy/keys.ts",
  ];
  for await (const entry of Deno.readDir(join(ROOT, "packages"))) {
    if (!entry.isDirectory) continue;
    for await (const file of Deno.readDir(join(ROOT, "packages", entry.name))) {
      const name = file.name;
      if (
        file.isFile &&
        (name === "README.md" ||
          (name.endsWith(".ts") && !name.endsWith("_test.ts") &&
            !name.startsWith("_test_")))
      ) {
        files.push(join("packages", entry.name, name));
      }
    }
  }
  return files.sort();
}

async function groupPhoto(root: string): Promise<Uint8Array> {
  const read = async (name: string, index: number) =>
    await decodeImage(await Deno.readFile(lfwImagePath(root, name, index)));
  const faces: RgbImage[] = [
    resizeImage(await read("Aaron_Peirsol", 1), 320, 320),
    await read("Serena_Williams", 1),
    resizeImage(await read("George_W_Bush", 1), 200, 200),
  ];
  const width = 900, height = 360;
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  let left = 10;
  for (const face of faces) {
    const top = Math.floor((height - face.height) / 2);
    for (let y = 0; y < face.height; y++) {
      for (let x = 0; x < face.width; x++) {
        const from = (y * face.width + x) * 3;
        const to = ((top + y) * width + left + x) * 4;
        data.set(face.data.subarray(from, from + 3), to);
      }
    }
    left += face.width + 20;
  }
  return new Uint8Array(
    // The encoder reads only these fields of an ImageData.
    await encodeJpeg({ width, height, data, colorSpace: "srgb" } as ImageData, {
      quality: 90,
    }),
  );
}

if (import.meta.main) {
  const root = lfwRoot();
  const folder = await Deno.makeTempDir({ prefix: "facever_doc_" });
  try {
    if (root) {
      for (const [file, [name, index]] of Object.entries(PHOTOS)) {
        await Deno.copyFile(
          lfwImagePath(root, name, index),
          join(folder, file),
        );
      }
      await Deno.writeFile(join(folder, "group.jpg"), await groupPhoto(root));
      // A folder of photos by subject, for the bulk enrolment examples.
      for (
        const [name, count] of [["Aaron_Peirsol", 2], [
          "Serena_Williams",
          2,
        ]] as const
      ) {
        await Deno.mkdir(join(folder, "photos", name), { recursive: true });
        for (let index = 1; index <= count; index++) {
          await Deno.copyFile(
            lfwImagePath(root, name, index),
            join(folder, "photos", name, `${index}.jpg`),
          );
        }
      }
    } else {
      console.log(`examples are type-checked, not run: ${LFW_MISSING}`);
    }
    const files = (await documented()).map((file) => join(ROOT, file));
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: [
        "test",
        "--doc",
        ...(root ? [] : ["--no-run"]),
        "--allow-all",
        "--unstable-kv",
        "--config",
        join(ROOT, "deno.json"),
        ...files,
      ],
      cwd: folder,
    }).spawn().status;
    console.log(
      `doc examples of ${files.length} files (${
        files.map((file) => relative(ROOT, file)).filter((f) =>
          f.endsWith(".md")
        ).length
      } documents) ${code === 0 ? "pass" : "FAIL"}`,
    );
    Deno.exitCode = code;
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}
