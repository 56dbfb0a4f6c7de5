/**
 * Other ways to feed the liveness net, for settling the shipped one by
 * measurement: the other channel order, other crop scales, a square crop.
 * Each is made through the public `LivenessChecker.check` by changing what
 * it is given: the image with red and blue swapped, or a box scaled or
 * squared about its centre (the checker crops 2.7 times the box it gets).
 *
 * @module
 */

import type { Box, RgbImage } from "@facever/core";

/** The crop scale the checker applies to the box it is given. */
const SHIPPED_SCALE = 2.7;

/**
 * One way to feed the net.
 *
 * @example
 * ```ts
 * import { VARIANTS } from "./_liveness_variants.ts";
 * console.log(VARIANTS.map((v) => v.name));
 * ```
 */
export interface Variant {
  readonly name: string;
  readonly description: string;
  /** What to hand the checker for the face in `box` of `image`. */
  prepare(image: RgbImage, box: Box): { image: RgbImage; box: Box };
}

/**
 * `box` scaled by `factor` about its centre, its aspect kept or made
 * square (its longer side).
 *
 * @example
 * ```ts
 * import { reshapeBox } from "./_liveness_variants.ts";
 * console.log(reshapeBox({ x: 10, y: 0, width: 20, height: 40 }, 0.5, true));
 * // { x: 10, y: 10, width: 20, height: 20 }
 * ```
 */
export function reshapeBox(box: Box, factor: number, square: boolean): Box {
  const side = Math.max(box.width, box.height);
  const width = (square ? side : box.width) * factor;
  const height = (square ? side : box.height) * factor;
  return {
    x: box.x + box.width / 2 - width / 2,
    y: box.y + box.height / 2 - height / 2,
    width,
    height,
  };
}

/**
 * The image with its first and third channels swapped: what the net gets
 * in RGB order when the checker feeds BGR.
 *
 * @example
 * ```ts
 * import { swapRedBlue } from "./_liveness_variants.ts";
 * const pixel = { width: 1, height: 1, data: new Uint8Array([1, 2, 3]) };
 * console.log(swapRedBlue(pixel).data); // Uint8Array(3) [ 3, 2, 1 ]
 * ```
 */
export function swapRedBlue(image: RgbImage): RgbImage {
  const data = image.data.slice();
  for (let i = 0; i < data.length; i += 3) {
    data[i] = image.data[i + 2];
    data[i + 2] = image.data[i];
  }
  return { ...image, data };
}

const scaled = (scale: number, square: boolean): Variant => ({
  name: `${square ? "square " : ""}${scale}× box${
    scale === SHIPPED_SCALE && !square ? " (shipped)" : ""
  }`,
  description: `BGR, ${scale} times the box${
    square ? ", made square" : ", stretched to the square input"
  }`,
  prepare: (image, box) => ({
    image,
    box: reshapeBox(box, scale / SHIPPED_SCALE, square),
  }),
});

/**
 * The variants measured, the shipped one first.
 *
 * @example
 * ```ts
 * import { VARIANTS } from "./_liveness_variants.ts";
 * console.log(VARIANTS[0].name); // "2.7× box (shipped)"
 * ```
 */
export const VARIANTS: readonly Variant[] = [
  scaled(SHIPPED_SCALE, false),
  {
    name: "RGB, 2.7× box",
    description: "RGB, as the package's code feeds it; 2.7 times the box",
    prepare: (image, box) => ({ image: swapRedBlue(image), box }),
  },
  scaled(SHIPPED_SCALE, true),
  scaled(1.5, false),
  scaled(2, false),
  scaled(4, false),
];
