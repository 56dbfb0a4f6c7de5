import assert from "node:assert/strict";
import { Presences, type Sighting, UNKNOWN_FRAMES } from "./_presence.ts";

const SAME_FACE = 0.282;

/** A unit vector near axis `axis` of 8, turned by `wobble` towards the next. */
function face(axis: number, wobble = 0): number[] {
  const vector = new Array(8).fill(0);
  vector[axis] = Math.cos(wobble);
  vector[(axis + 1) % 8] = Math.sin(wobble);
  return vector;
}

function seen(
  axis: number,
  subjectId: string | null,
  wobble = 0,
): Sighting {
  return { embedding: face(axis, wobble), subjectId };
}

Deno.test("Presences: one event per person in view", async (t) => {
  await t.step("a known person standing for 30 frames is one event", () => {
    const presences = new Presences({
      cooldownMs: 10_000,
      sameFace: SAME_FACE,
    });
    let events = 0;
    for (let frame = 0; frame < 30; frame++) {
      events += presences.observe([seen(0, "ada", frame * 0.01)], frame * 100)
        .length;
    }
    assert.equal(events, 1);
  });

  await t.step("back after the cool-down is a new event", () => {
    const presences = new Presences({ cooldownMs: 1_000, sameFace: SAME_FACE });
    assert.equal(presences.observe([seen(0, "ada")], 0).length, 1);
    assert.equal(presences.observe([seen(0, "ada")], 900).length, 0);
    // Seen at 900, so still the same presence at 1,800.
    assert.equal(presences.observe([seen(0, "ada")], 1_800).length, 0);
    assert.equal(presences.observe([seen(0, "ada")], 2_801).length, 1);
  });

  await t.step(
    `an unknown face is reported after ${UNKNOWN_FRAMES} frames`,
    () => {
      const presences = new Presences({
        cooldownMs: 10_000,
        sameFace: SAME_FACE,
      });
      const reported = [0, 1, 2, 3].map((frame) =>
        presences.observe([seen(3, null, frame * 0.01)], frame * 100).length
      );
      assert.deepEqual(reported, [0, 1, 0, 0]);
    },
  );

  await t.step("one unknown frame of a known person is no stranger", () => {
    const presences = new Presences({
      cooldownMs: 10_000,
      sameFace: SAME_FACE,
    });
    const events = [
      presences.observe([seen(0, "ada")], 0),
      presences.observe([seen(0, null, 0.2)], 100),
      presences.observe([seen(0, null, 0.2)], 200),
      presences.observe([seen(0, "ada")], 300),
    ];
    assert.deepEqual(events.map((e) => e.length), [1, 0, 0, 0]);
  });

  await t.step("unknown, then recognised, is reported as recognised", () => {
    const presences = new Presences({
      cooldownMs: 10_000,
      sameFace: SAME_FACE,
    });
    assert.equal(presences.observe([seen(0, null)], 0).length, 0);
    const [event] = presences.observe([seen(0, "ada", 0.1)], 100);
    assert.equal(event.subjectId, "ada");
    assert.equal(presences.observe([seen(0, null)], 200).length, 0);
  });

  await t.step("two people in one frame are two events", () => {
    const presences = new Presences({
      cooldownMs: 10_000,
      sameFace: SAME_FACE,
    });
    const first = presences.observe([seen(0, "ada"), seen(4, "bob")], 0);
    assert.deepEqual(first.map((s) => s.subjectId), ["ada", "bob"]);
    const strangers = [0, 100].map((now) =>
      presences.observe([seen(2, null), seen(6, null)], now).length
    );
    assert.deepEqual(strangers, [0, 2]);
  });

  await t.step(
    "a recognised face never joins another subject's presence",
    () => {
      const presences = new Presences({
        cooldownMs: 10_000,
        sameFace: SAME_FACE,
      });
      presences.observe([seen(0, "ada")], 0);
      // As alike as can be, but the gallery says it is Bob.
      assert.equal(presences.observe([seen(0, "bob")], 100).length, 1);
    },
  );
});
