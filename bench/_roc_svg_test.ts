import assert from "node:assert/strict";
import { rocSvg } from "./_roc_svg.ts";
import { rocCurve } from "./_metrics.ts";

Deno.test("rocSvg", async (t) => {
  const scores = [0.95, 0.9, 0.85, 0.8, 0.7, 0.4, 0.3, 0.2, 0.1, 0.05];
  const same = scores.map((_, i) => i < 5);
  const points = rocCurve(scores, same);

  await t.step("draws one path and one legend entry per curve", () => {
    const svg = rocSvg("ROC", [
      { label: "a", points },
      { label: "b", points },
    ]);
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(svg.trimEnd().endsWith("</svg>"));
    assert.equal(svg.match(/<path /g)?.length, 2);
    assert.match(svg, />a<\/text>/);
    assert.match(svg, />b<\/text>/);
  });
  await t.step("is the same for the same input", () => {
    const series = [{ label: "a", points }];
    assert.equal(rocSvg("ROC", series), rocSvg("ROC", series));
  });
  await t.step("escapes text", () => {
    const svg = rocSvg("A & B <1>", [{ label: "x<y", points }]);
    assert.match(svg, /A &amp; B &lt;1&gt;/);
    assert.match(svg, /x&lt;y/);
  });
  await t.step("keeps only the corners of the staircase", () => {
    // 1,000 negatives below every positive: the curve is two segments.
    const many = [
      ...Array.from({ length: 1000 }, (_, i) => i / 2000),
      0.9,
      0.95,
    ];
    const labels = many.map((s) => s > 0.5);
    const svg = rocSvg("ROC", [{ label: "x", points: rocCurve(many, labels) }]);
    const path = /<path d="([^"]+)"/.exec(svg)![1];
    assert.equal(path.match(/[ML]/g)!.length, 3);
  });
  await t.step("refuses an empty plot", () => {
    assert.throws(() => rocSvg("ROC", []), RangeError);
  });
});
