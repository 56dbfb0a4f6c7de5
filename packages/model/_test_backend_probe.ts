// Run by runner_test.ts as a separate process, with the permissions under
// test: prints, as one JSON object, which backend "auto" chose, the
// embedding of the largest face of the image file named by the first
// argument, and how a request for "native" ended.

import { FaceEngine, resolveBackend } from "./mod.ts";

const engine = await FaceEngine.create({ backend: "auto" });
const face = await engine.embedImage(await Deno.readFile(Deno.args[0]));
const native = await resolveBackend("native").then(
  (backend) => ({ backend }),
  (error) => ({ name: error.name, code: error.code, message: error.message }),
);
console.log(JSON.stringify({
  backend: await resolveBackend("auto"),
  embedding: [...face.embedding],
  native,
}));
