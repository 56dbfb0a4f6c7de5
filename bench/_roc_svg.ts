/**
 * ROC curves as a standalone SVG: TAR against FAR on a logarithmic axis,
 * since verification is judged at small false accept rates.
 *
 * @module
 */

import type { RocPoint } from "./_metrics.ts";

/**
 * One labelled curve of {@linkcode rocSvg}.
 *
 * @example
 * ```ts
 * import type { RocSeries } from "./_roc_svg.ts";
 * const series: RocSeries = { label: "BGR", points: [{ threshold: 1, far: 0, tar: 0 }] };
 * console.log(series.label);
 * ```
 */
export interface RocSeries {
  readonly label: string;
  readonly points: readonly RocPoint[];
}

const WIDTH = 640, HEIGHT = 440;
const LEFT = 84, RIGHT = 16, TOP = 36, BOTTOM = 48;
/** Decades of FAR shown: 1e-4 to 1 (View 2 has 3,000 impostor pairs). */
const MIN_LOG_FAR = -4;
const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(
    />/g,
    "&gt;",
  );
}

/**
 * The corners of a staircase curve: points in the middle of a horizontal or
 * vertical run draw nothing, and thousands of them would bloat the file.
 */
function corners(points: readonly RocPoint[]): RocPoint[] {
  return points.filter((p, i) => {
    if (i === 0 || i === points.length - 1) return true;
    const before = points[i - 1], after = points[i + 1];
    return !(before.far === p.far && p.far === after.far) &&
      !(before.tar === p.tar && p.tar === after.tar);
  });
}

/**
 * The bottom of the TAR axis: the lowest TAR drawn right of FAR 1e-4,
 * rounded down to a multiple of 5 %, so the curves fill the plot.
 */
function axisFloor(series: readonly RocSeries[]): number {
  const floor = 10 ** MIN_LOG_FAR;
  const lowest = Math.min(
    ...series.flatMap(({ points }) =>
      points.filter((p) => p.far >= floor).map((p) => p.tar)
    ),
  );
  return Number.isFinite(lowest) ? Math.floor(lowest * 20) / 20 : 0;
}

/**
 * Draws the curves with FAR from 1e-4 to 1 (log) and TAR from the lowest
 * multiple of 5 % any curve reaches there to 100 %, with dashed guides at
 * FAR 1e-3 and 1e-2. Points at FAR 0 sit on the left edge. The output is
 * the same for the same input.
 *
 * @param title Heading drawn above the plot.
 * @param series The curves, drawn in order, with a legend.
 * @throws {RangeError} When there is no curve.
 *
 * @example
 * ```ts
 * import { rocSvg } from "./_roc_svg.ts";
 * import { rocCurve } from "./_metrics.ts";
 * const points = rocCurve([0.9, 0.8, 0.3, 0.1], [true, true, false, false]);
 * const svg = rocSvg("LFW", [{ label: "ours", points }]);
 * console.log(svg.startsWith("<svg")); // true
 * ```
 */
export function rocSvg(title: string, series: readonly RocSeries[]): string {
  if (series.length === 0) throw new RangeError("rocSvg needs a curve");
  const minTar = Math.min(axisFloor(series), 0.95);
  const plotWidth = WIDTH - LEFT - RIGHT, plotHeight = HEIGHT - TOP - BOTTOM;
  const x = (far: number) =>
    LEFT +
    (Math.max(Math.log10(Math.max(far, 1e-12)), MIN_LOG_FAR) - MIN_LOG_FAR) /
      -MIN_LOG_FAR * plotWidth;
  const y = (tar: number) =>
    TOP + (1 - Math.max(tar, minTar)) / (1 - minTar) * plotHeight;
  const f = (v: number) => v.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="14">${
      escape(title)
    }</text>`,
  ];
  for (let decade = MIN_LOG_FAR; decade <= 0; decade++) {
    const at = f(x(10 ** decade));
    out.push(
      `<line x1="${at}" y1="${TOP}" x2="${at}" y2="${
        TOP + plotHeight
      }" stroke="#ddd"/>`,
      `<text x="${at}" y="${TOP + plotHeight + 16}" text-anchor="middle">${
        decade === 0 ? "1" : `1e${decade}`
      }</text>`,
    );
  }
  const step = (1 - minTar) / 5;
  for (let k = 0; k <= 5; k++) {
    const tar = minTar + k * step;
    const at = f(y(tar));
    out.push(
      `<line x1="${LEFT}" y1="${at}" x2="${
        LEFT + plotWidth
      }" y2="${at}" stroke="#ddd"/>`,
      `<text x="${
        LEFT - 6
      }" y="${at}" text-anchor="end" dominant-baseline="middle">${
        (tar * 100).toFixed(1)
      } %</text>`,
    );
  }
  for (const far of [1e-3, 1e-2]) {
    const at = f(x(far));
    out.push(
      `<line x1="${at}" y1="${TOP}" x2="${at}" y2="${
        TOP + plotHeight
      }" stroke="#888" stroke-dasharray="4 3"/>`,
    );
  }
  out.push(
    `<rect x="${LEFT}" y="${TOP}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#333"/>`,
    `<text x="${LEFT + plotWidth / 2}" y="${
      HEIGHT - 10
    }" text-anchor="middle">false accept rate (log)</text>`,
    `<text transform="translate(18 ${
      TOP + plotHeight / 2
    }) rotate(-90)" text-anchor="middle">true accept rate</text>`,
  );
  // Bottom right, where ROC curves never are; wide enough for the longest
  // label at about 6.5 px per character.
  const longest = Math.max(...series.map(({ label }) => label.length));
  const legendX = LEFT + plotWidth - 12 - 30 - Math.ceil(longest * 6.5);
  series.forEach(({ label, points }, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const path = corners(points)
      .map((p, k) => `${k ? "L" : "M"}${f(x(p.far))} ${f(y(p.tar))}`)
      .join("");
    const legendY = TOP + plotHeight - 14 - 18 * (series.length - 1 - i);
    out.push(
      `<path d="${path}" fill="none" stroke="${colour}" stroke-width="1.5"/>`,
      `<line x1="${legendX}" y1="${legendY}" x2="${
        legendX + 24
      }" y2="${legendY}" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${legendX + 30}" y="${legendY}" dominant-baseline="middle">${
        escape(label)
      }</text>`,
    );
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}
