import assert from "node:assert/strict";
import { SpeedRecorder } from "./_speed.ts";

// SpeedRecorder registers with Deno.bench, which only `deno bench` runs;
// here the registrations are checked.
Deno.test("SpeedRecorder refuses bad registrations", () => {
  const speed = new SpeedRecorder();
  assert.throws(
    () => speed.benchSync("x", { group: "g", n: 0 }, () => {}),
    RangeError,
  );
  speed.benchSync("y", { group: "g", n: 5 }, () => {});
  assert.throws(
    () => speed.bench("y", { group: "g", n: 5 }, () => Promise.resolve()),
    /registered twice/,
  );
  assert.deepEqual(speed.results(), {});
});
