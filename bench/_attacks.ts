/**
 * Synthetic presentation attacks made from a photo: what a camera frame
 * looks like when someone holds up a phone screen showing the photo
 * (re-photographed screen: the display's pixel grid beating with the
 * camera's into moiré, a dark bezel, the display's black level and white
 * point, glare on the glass) or a print of it (paper white and its
 * texture, the reduced gamut of ink, a halftone screen, uneven light,
 * defocus). Pure TypeScript image operations; a seed fixes every choice,
 * so each attack can be made again.
 *
 * They stand in for real attack presentations that we do not have in
 * number; a model trained on real recaptures may see them differently
 * from real ones, in either direction, so figures on them say how the check
 * reacts to these artefacts, not how it fares against real attackers.
 *
 * @module
 */

import type { Point, RgbImage } from "@facever/core";
import { uniform } from "@facever/testing";
import {
  background,
  between,
  expose,
  gaussianBlur,
  type Homography,
  homography,
  project,
  type Random,
  sampleBilinear,
  valueNoise,
} from "./_scene.ts";

/**
 * The two kinds of synthetic attack.
 *
 * @example
 * ```ts
 * import type { AttackKind } from "./_attacks.ts";
 * const kind: AttackKind = "screen";
 * console.log(kind);
 * ```
 */
export type AttackKind = "screen" | "print";

/**
 * Every kind, in the order the benchmark reports them.
 *
 * @example
 * ```ts
 * import { ATTACK_KINDS } from "./_attacks.ts";
 * console.log(ATTACK_KINDS); // [ "screen", "print" ]
 * ```
 */
export const ATTACK_KINDS: readonly AttackKind[] = ["screen", "print"];

/**
 * Size of the camera frame an attack is rendered into (a webcam's VGA).
 *
 * @example
 * ```ts
 * import { FRAME_HEIGHT, FRAME_WIDTH } from "./_attacks.ts";
 * console.log(FRAME_WIDTH, FRAME_HEIGHT); // 640 480
 * ```
 */
export const FRAME_WIDTH = 640;
/** See {@linkcode FRAME_WIDTH}. */
export const FRAME_HEIGHT = 480;
/** Samples per frame pixel along each axis: the sensor integrates them. */
const SUPERSAMPLING = 3;

/**
 * The artefact held up to the camera, in its own coordinates: photo pixels,
 * the photo covering [0, width] × [0, height] and the device or paper
 * around it reaching to `bounds`.
 */
interface Artefact {
  /** Left, top, right, bottom, in photo pixels. */
  readonly bounds: readonly [number, number, number, number];
  /** Writes the light the artefact sends at (u, v) into `out`, 0..255 and more. */
  colour(u: number, v: number, out: number[]): void;
}

/** Where the artefact is in the frame. */
interface Placement {
  /** From frame pixels to artefact coordinates. */
  readonly toArtefact: Homography;
  /** Its inverse. */
  readonly toFrame: Homography;
  /** Frame pixels per photo pixel, about. */
  readonly scale: number;
}

/**
 * Makes one attack frame from `photo`.
 *
 * @example
 * ```ts
 * import { synthesiseAttack } from "./_attacks.ts";
 * const photo = { width: 4, height: 4, data: new Uint8Array(48).fill(120) };
 * const frame = synthesiseAttack(photo, "print", 1);
 * console.log(frame.width, frame.height); // 640 480
 * ```
 */
export function synthesiseAttack(
  photo: RgbImage,
  kind: AttackKind,
  seed: number,
): RgbImage {
  const random = uniform(seed);
  const where = placement(photo, random);
  const artefact = kind === "screen"
    ? screen(photo, where.scale, random)
    : print(photo, random);
  const plane = background(random, FRAME_WIDTH, FRAME_HEIGHT);
  render(artefact, where, plane);
  if (kind === "print") light(plane, random);
  gaussianBlur(
    plane,
    FRAME_WIDTH,
    FRAME_HEIGHT,
    kind === "screen" ? between(random, 0.4, 1) : between(random, 0.8, 2),
  );
  return expose(
    plane,
    FRAME_WIDTH,
    FRAME_HEIGHT,
    between(random, 1, 3),
    random,
  );
}

/**
 * Where the photo lands in the frame: 220 to 420 pixels wide (so the face
 * is about 90 to 170), near the centre, turned up to 8° and tilted by up to
 * 3 % of its size at each corner.
 */
function placement(photo: RgbImage, random: Random): Placement {
  const size = between(random, 220, 420);
  const scale = size / Math.max(photo.width, photo.height);
  const angle = between(random, -8, 8) * Math.PI / 180;
  const cx = FRAME_WIDTH / 2 + between(random, -60, 60);
  const cy = FRAME_HEIGHT / 2 + between(random, -30, 30);
  const corners: Point[] = [
    { x: 0, y: 0 },
    { x: photo.width, y: 0 },
    { x: photo.width, y: photo.height },
    { x: 0, y: photo.height },
  ];
  const cos = Math.cos(angle), sin = Math.sin(angle);
  const inFrame = corners.map(({ x, y }) => {
    const dx = (x - photo.width / 2) * scale;
    const dy = (y - photo.height / 2) * scale;
    return {
      x: cx + cos * dx - sin * dy + between(random, -0.03, 0.03) * size,
      y: cy + sin * dx + cos * dy + between(random, -0.03, 0.03) * size,
    };
  });
  return {
    toArtefact: homography(inFrame, corners),
    toFrame: homography(corners, inFrame),
    scale,
  };
}

/**
 * Draws the artefact over the background, each frame pixel the mean of
 * {@linkcode SUPERSAMPLING}² point samples: the sensor's integration,
 * which is what lets a fine pattern alias into moiré.
 */
function render(
  artefact: Artefact,
  { toArtefact, toFrame }: Placement,
  plane: Float32Array,
): void {
  const [left, top, right, bottom] = artefact.bounds;
  const area = frameArea(artefact, toFrame);
  const [h0, h1, h2, h3, h4, h5, h6, h7, h8] = toArtefact;
  const colour = [0, 0, 0];
  const n = SUPERSAMPLING;
  for (let y = area.top; y < area.bottom; y++) {
    for (let x = area.left; x < area.right; x++) {
      const at = (y * FRAME_WIDTH + x) * 3;
      let r = 0, g = 0, b = 0, inside = 0;
      for (let sy = 0; sy < n; sy++) {
        const py = y - 0.5 + (sy + 0.5) / n;
        for (let sx = 0; sx < n; sx++) {
          const px = x - 0.5 + (sx + 0.5) / n;
          const w = h6 * px + h7 * py + h8;
          const u = (h0 * px + h1 * py + h2) / w;
          const v = (h3 * px + h4 * py + h5) / w;
          if (u < left || u >= right || v < top || v >= bottom) continue;
          artefact.colour(u, v, colour);
          r += colour[0];
          g += colour[1];
          b += colour[2];
          inside++;
        }
      }
      if (inside === 0) continue;
      const share = inside / (n * n);
      plane[at] = plane[at] * (1 - share) + r / (n * n);
      plane[at + 1] = plane[at + 1] * (1 - share) + g / (n * n);
      plane[at + 2] = plane[at + 2] * (1 - share) + b / (n * n);
    }
  }
}

/** The frame pixels the artefact's corners enclose, clipped to the frame. */
function frameArea(
  artefact: Artefact,
  toFrame: Homography,
): { left: number; top: number; right: number; bottom: number } {
  const [left, top, right, bottom] = artefact.bounds;
  const corners = [
    project(toFrame, left, top),
    project(toFrame, right, top),
    project(toFrame, right, bottom),
    project(toFrame, left, bottom),
  ];
  const xs = corners.map((p) => p.x), ys = corners.map((p) => p.y);
  return {
    left: Math.max(0, Math.floor(Math.min(...xs)) - 1),
    top: Math.max(0, Math.floor(Math.min(...ys)) - 1),
    right: Math.min(FRAME_WIDTH, Math.ceil(Math.max(...xs)) + 2),
    bottom: Math.min(FRAME_HEIGHT, Math.ceil(Math.max(...ys)) + 2),
  };
}

/**
 * A screen showing the photo: 0.6 to 1.8 display pixels per frame pixel
 * (`scale` is frame pixels per photo pixel), each display pixel three
 * vertical R, G, B stripes with dark gaps (the black matrix), of which the
 * lens passes 10 to 40 % of the contrast; black bands above and below the photo as a viewer shows
 * a square photo on a tall screen; a dark bezel; the display's black
 * level, gamma and white point; glare on the glass.
 */
function screen(photo: RgbImage, scale: number, random: Random): Artefact {
  const { width, height } = photo;
  const density = between(random, 0.6, 1.8) * scale;
  const gapX = between(random, 0.08, 0.2);
  const gapY = between(random, 0.05, 0.15);
  const gain = 3 / ((1 - 2 * gapX) * (1 - 2 * gapY));
  // How much of the subpixel pattern survives the lens: the rest of each
  // display pixel's light reaches the sensor spread evenly over the pixel.
  const contrast = between(random, 0.1, 0.4);
  const black = between(random, 0.02, 0.08);
  const gamma = between(random, 0.85, 1.15);
  const brightness = between(random, 0.85, 1.1);
  const tint = [
    between(random, 0.9, 1),
    between(random, 0.95, 1.02),
    between(random, 1, 1.1),
  ];
  const band = between(random, 0, 0.4) * height;
  const bezel = between(random, 0.04, 0.1) * width;
  const bezelShade = between(random, 8, 35);
  const glare = {
    amplitude: between(random, 40, 140),
    u: between(random, 0, width),
    v: between(random, -band, height + band),
    su: between(random, 0.1, 0.35) * width,
    sv: between(random, 0.1, 0.35) * height,
    veil: between(random, 0, 20),
  };
  const levels = [0, 1, 2].map((c) =>
    Float32Array.from(
      { length: 256 },
      (_, value) =>
        255 * brightness * tint[c] *
        (black + (1 - black) * (value / 255) ** gamma),
    )
  );
  const pixel = [0, 0, 0];
  return {
    bounds: [-bezel, -band - bezel, width + bezel, height + band + bezel],
    colour(u, v, out) {
      const shine = glare.veil + glare.amplitude * Math.exp(
            -0.5 * (((u - glare.u) / glare.su) ** 2 +
              ((v - glare.v) / glare.sv) ** 2),
          );
      if (u < 0 || u >= width || v < -band || v >= height + band) {
        out.fill(bezelShade + shine);
        return;
      }
      const du = u * density, dv = (v + band) * density;
      const cellX = Math.floor(du), cellY = Math.floor(dv);
      const photoY = (cellY + 0.5) / density - band;
      if (photoY < 0 || photoY >= height) {
        pixel.fill(0);
      } else {
        sampleBilinear(
          photo,
          (cellX + 0.5) / density - 0.5,
          photoY - 0.5,
          pixel,
        );
      }
      for (let c = 0; c < 3; c++) {
        out[c] = shine +
          (1 - contrast) * levels[c][Math.round(pixel[c])];
      }
      const stripe = (du - cellX) * 3;
      const channel = Math.floor(stripe);
      const across = stripe - channel;
      const along = dv - cellY;
      if (
        across >= gapX && across < 1 - gapX && along >= gapY &&
        along < 1 - gapY
      ) {
        out[channel] += contrast * gain *
          levels[channel][Math.round(pixel[channel])];
      }
    },
  };
}

/**
 * A print of the photo on paper: a white margin, paper whiter or warmer
 * and textured, ink that cannot reach black nor full saturation, often a
 * halftone screen.
 */
function print(photo: RgbImage, random: Random): Artefact {
  const { width, height } = photo;
  const margins = [0, 1, 2, 3].map(() => between(random, 0.06, 0.3) * width);
  const paper = [
    between(random, 225, 250),
    between(random, 0.97, 1),
    between(random, 0.9, 0.98),
  ];
  const paperColour = [paper[0], paper[0] * paper[1], paper[0] * paper[2]];
  const grain = valueNoise(
    Math.floor(random() * 2 ** 31),
    between(random, 1.5, 4),
  );
  const fibres = valueNoise(Math.floor(random() * 2 ** 31), 12);
  const grainAmount = between(random, 0.02, 0.06);
  const saturation = between(random, 0.55, 0.85);
  const inkBlack = between(random, 0.06, 0.18);
  const gamma = between(random, 1, 1.4);
  const cast = [0, 1, 2].map(() => between(random, 0.97, 1.03));
  const halftone = random() < 0.6
    ? {
      period: between(random, 0.8, 2),
      depth: between(random, 0.08, 0.2),
      angle: between(random, 0, Math.PI / 2),
    }
    : undefined;
  // Made once per print, as rasters sampled bilinearly: the printed
  // photo (one value per photo pixel, the ink already worked out) and the
  // paper's texture (one per photo pixel over the whole sheet).
  const printed = {
    width,
    height,
    data: new Float32Array(width * height * 3),
  };
  const inkOf = Float32Array.from(
    { length: 256 },
    (_, value) => inkBlack + (1 - inkBlack) * (value / 255) ** gamma,
  );
  for (let i = 0; i < width * height; i++) {
    const [r, g, b] = photo.data.subarray(i * 3, i * 3 + 3);
    const luma = 0.299 * r + 0.587 * g + 0.114 * b;
    [r, g, b].forEach((value, c) => {
      const toned = Math.min(
        255,
        Math.max(0, Math.round(luma + saturation * (value - luma))),
      );
      printed.data[i * 3 + c] = paperColour[c] * cast[c] * inkOf[toned];
    });
  }
  const [left, top] = [-Math.ceil(margins[0]), -Math.ceil(margins[1])];
  const sheet = {
    width: Math.ceil(width + margins[2]) - left + 1,
    height: Math.ceil(height + margins[3]) - top + 1,
    data: new Float32Array(0),
  };
  sheet.data = new Float32Array(sheet.width * sheet.height * 3);
  for (let y = 0; y < sheet.height; y++) {
    for (let x = 0; x < sheet.width; x++) {
      const u = x + left, v = y + top;
      const texture = 1 + grainAmount * grain(u, v) +
        0.5 * grainAmount * fibres(u, v);
      sheet.data.fill(
        texture,
        (y * sheet.width + x) * 3,
        (y * sheet.width + x + 1) * 3,
      );
    }
  }
  const ink = [0, 0, 0], texture = [0, 0, 0];
  const { period, depth, angle } = halftone ??
    { period: 1, depth: 0, angle: 0 };
  const cos = Math.cos(angle) / period, sin = Math.sin(angle) / period;
  return {
    bounds: [
      -margins[0],
      -margins[1],
      width + margins[2],
      height + margins[3],
    ],
    colour(u, v, out) {
      sampleBilinear(sheet, u - left - 0.5, v - top - 0.5, texture);
      if (u < 0 || u >= width || v < 0 || v >= height) {
        for (let c = 0; c < 3; c++) out[c] = paperColour[c] * texture[0];
        return;
      }
      sampleBilinear(printed, u - 0.5, v - 0.5, ink);
      const screenTone = depth === 0 ? 1 : 1 +
        depth * Math.cos(2 * Math.PI * (cos * u + sin * v)) *
          Math.cos(2 * Math.PI * (cos * v - sin * u));
      const shade = screenTone * texture[0];
      out[0] = ink[0] * shade;
      out[1] = ink[1] * shade;
      out[2] = ink[2] * shade;
    },
  };
}

/** Uneven light over a print and what is around it: a slope of ±30 %. */
function light(plane: Float32Array, random: Random): void {
  const level = between(random, 0.8, 1.05);
  const slope = between(random, -0.3, 0.3);
  const angle = between(random, 0, 2 * Math.PI);
  const cos = Math.cos(angle) / FRAME_WIDTH,
    sin = Math.sin(angle) / FRAME_WIDTH;
  for (let y = 0; y < FRAME_HEIGHT; y++) {
    for (let x = 0; x < FRAME_WIDTH; x++) {
      const factor = level *
        (1 +
          slope * ((x - FRAME_WIDTH / 2) * cos + (y - FRAME_HEIGHT / 2) * sin));
      const at = (y * FRAME_WIDTH + x) * 3;
      plane[at] *= factor;
      plane[at + 1] *= factor;
      plane[at + 2] *= factor;
    }
  }
}
