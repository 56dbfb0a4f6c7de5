import assert from "node:assert/strict";
import {
  DETECTOR_HEIGHT,
  DETECTOR_WIDTH,
  MAX_PASSES,
  planLevels,
} from "./_tiles.ts";

const passes = (levels: ReturnType<typeof planLevels>) =>
  levels.reduce((n, level) => n + level.windows.length, 0);

Deno.test("planLevels()", async (t) => {
  await t.step("runs once when the letterboxed image is fine enough", () => {
    const levels = planLevels(250, 250, 40, 20, 2);
    assert.deepEqual(levels, [{
      width: 240,
      height: 240,
      windows: [{ x: 0, y: 0, width: 240, height: 240 }],
      maxFaceWidth: Infinity,
      input: { width: DETECTOR_WIDTH, height: DETECTOR_HEIGHT },
    }]);
  });

  await t.step("takes the smallest input that still finds minFaceSize", () => {
    const small = { width: 160, height: 120 };
    const tiny = { width: 80, height: 60 };
    // 250 px into 120: 40 px become 19.2, enough for 16 but not for 20.
    assert.deepEqual(planLevels(250, 250, 40, 16, 2, [tiny, small]), [{
      width: 120,
      height: 120,
      windows: [{ x: 0, y: 0, width: 120, height: 120 }],
      maxFaceWidth: Infinity,
      input: small,
    }]);
    assert.deepEqual(
      planLevels(250, 250, 40, 20, 2, [small])[0].input,
      { width: DETECTOR_WIDTH, height: DETECTOR_HEIGHT },
    );
    assert.equal(passes(planLevels(1920, 1080, 40, 20, 2, [small])), 13);
  });

  await t.step("tiles a 1080p frame so that 40 px become 20", () => {
    const levels = planLevels(1920, 1080, 40, 20, 2);
    assert.equal(passes(levels), 13);
    const finest = levels.at(-1)!;
    assert.equal(finest.width / 1920 * 40, 20);
    assert.equal(finest.maxFaceWidth, 60);
  });

  await t.step("every level of any shape has pixels and windows inside", () => {
    const shapes = [
      [1921, 1],
      [1, 1921],
      [65535, 1],
      [1, 65535],
      [3, 5000],
      [5000, 3],
      [1, 1],
      [17, 9000],
      [65535, 65535],
    ];
    for (const [width, height] of shapes) {
      for (const level of planLevels(width, height, 40, 20, 2)) {
        const where = `${width}x${height} at ${level.width}x${level.height}`;
        assert.ok(level.width >= 1 && level.height >= 1, where);
        assert.ok(level.windows.length >= 1, where);
        for (const w of level.windows) {
          assert.ok(w.width >= 1 && w.height >= 1, where);
          assert.ok(w.x >= 0 && w.x + w.width <= level.width, where);
          assert.ok(w.y >= 0 && w.y + w.height <= level.height, where);
        }
      }
    }
  });

  await t.step("windows cover each level and overlap by a tall face", () => {
    for (const [width, height] of [[1920, 1080], [1000, 600], [333, 4000]]) {
      for (const level of planLevels(width, height, 40, 20, 2).slice(1)) {
        const covered = new Uint8Array(level.width * level.height);
        for (const w of level.windows) {
          assert.ok(w.width <= DETECTOR_WIDTH && w.height <= DETECTOR_HEIGHT);
          assert.ok(w.x + w.width <= level.width);
          assert.ok(w.y + w.height <= level.height);
          for (let y = w.y; y < w.y + w.height; y++) {
            covered.fill(
              1,
              y * level.width + w.x,
              y * level.width + w.x + w.width,
            );
          }
        }
        assert.ok(covered.every((c) => c === 1), `${width}x${height}`);
        // Neighbouring window starts leave room for a face 4/3 as tall
        // as the widest face the level reports, plus both edge margins.
        const xs = [...new Set(level.windows.map((w) => w.x))];
        const ys = [...new Set(level.windows.map((w) => w.y))];
        for (let i = 1; i < xs.length; i++) {
          assert.ok(DETECTOR_WIDTH - (xs[i] - xs[i - 1]) >= 84);
        }
        for (let i = 1; i < ys.length; i++) {
          assert.ok(DETECTOR_HEIGHT - (ys[i] - ys[i - 1]) >= 84);
        }
      }
    }
  });

  await t.step("steps at most 3x between levels", () => {
    const levels = planLevels(8000, 6000, 200, 20, 2);
    for (let i = 1; i < levels.length; i++) {
      assert.ok(levels[i].width / levels[i - 1].width <= 3 + 1e-2);
    }
  });

  await t.step("never exceeds the pass bound", () => {
    for (const [width, height] of [[3840, 2160], [8000, 6000], [20000, 300]]) {
      for (const minFaceSize of [1, 10, 40]) {
        const levels = planLevels(width, height, minFaceSize, 20, 2);
        assert.ok(passes(levels) <= MAX_PASSES, `${width}x${height}`);
      }
    }
  });
});
