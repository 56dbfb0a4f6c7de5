/**
 * Presentation attacks on an active liveness challenge, made in code from
 * one photo: the photo held still in front of a camera, moved about
 * (panned, zoomed, tilted, turned about its vertical axis) and filmed by a
 * shaking, noisy camera; and the LFW photos of one person that, shown one
 * after another in the asked order, answer a challenge as a live person
 * would (what the challenge cannot stop).
 *
 * @module
 */

import { uniform } from "./random.ts";

/** 8-bit RGB pixels, as `@facever/core`'s `RgbImage`. */
export interface Pixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/**
 * Where a flat photo is held in front of the camera.
 *
 * @example
 * ```ts
 * import type { PhotoPlacement } from "@facever/testing";
 * const held: PhotoPlacement = { x: 320, y: 240, scale: 1.9, turn: 40, tilt: 0 };
 * console.log(held.turn);
 * ```
 */
export interface PhotoPlacement {
  /** The photo's centre in the frame, in pixels. */
  readonly x: number;
  readonly y: number;
  /** Frame pixels per photo pixel. */
  readonly scale: number;
  /**
   * Degrees the photo is turned about its vertical axis: its width
   * shrinks by the cosine, its height does not (seen from afar).
   */
  readonly turn: number;
  /** Degrees the photo is rotated in its own plane, clockwise. */
  readonly tilt: number;
}

/**
 * How the camera spoils what it films.
 *
 * @example
 * ```ts
 * import type { CameraFlaws } from "@facever/testing";
 * const cheap: CameraFlaws = { brightness: 0.9, noise: 6, seed: 1 };
 * console.log(cheap.noise);
 * ```
 */
export interface CameraFlaws {
  /** Factor on every pixel; default 1. */
  readonly brightness?: number;
  /** Standard deviation of the sensor's noise, in levels; default 0. */
  readonly noise?: number;
  /** Seed of the noise. */
  readonly seed?: number;
}

/** The grey of the wall behind the photo. */
const BACKGROUND = 110;

/**
 * A `width`×`height` camera frame of `photo` held at `placement`, sampled
 * bilinearly, on a grey wall.
 *
 * @example
 * ```ts
 * import { photoInFrame } from "@facever/testing";
 * const photo = { width: 2, height: 2, data: new Uint8Array(12).fill(200) };
 * const frame = photoInFrame(photo, { width: 8, height: 8 }, {
 *   x: 4, y: 4, scale: 2, turn: 0, tilt: 0,
 * });
 * console.log(frame.data[(4 * 8 + 4) * 3], frame.data[0]); // 200 110
 * ```
 */
export function photoInFrame(
  photo: Pixels,
  frame: { readonly width: number; readonly height: number },
  placement: PhotoPlacement,
  flaws: CameraFlaws = {},
): Pixels {
  const { width, height } = frame;
  const { brightness = 1, noise = 0, seed = 1 } = flaws;
  const random = uniform(seed);
  const data = new Uint8Array(width * height * 3);
  const sx = placement.scale * Math.cos((placement.turn * Math.PI) / 180);
  const sy = placement.scale;
  const angle = (placement.tilt * Math.PI) / 180;
  const cos = Math.cos(angle), sin = Math.sin(angle);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // From the frame back into the photo: undo the shift, the tilt and
      // the scale.
      const dx = x - placement.x, dy = y - placement.y;
      const u = (cos * dx + sin * dy) / sx + photo.width / 2;
      const v = (-sin * dx + cos * dy) / sy + photo.height / 2;
      const noiseLevel = noise === 0 ? 0 : noise * gaussian(random);
      for (let c = 0; c < 3; c++) {
        const value = sample(photo, u, v, c) ?? BACKGROUND;
        data[(y * width + x) * 3 + c] = clamp(
          value * brightness + noiseLevel,
        );
      }
    }
  }
  return { width, height, data };
}

/**
 * A photo moved about in front of the camera over `count` frames: panned
 * across, brought nearer and taken away, tilted, and turned about its
 * vertical axis up to 55° each way, as someone holding a print might, to
 * mimic a person turning their head.
 *
 * @example
 * ```ts
 * import { movedPhoto } from "@facever/testing";
 * const placements = movedPhoto({ width: 640, height: 480 }, 250, 12);
 * console.log(placements.length, Math.max(...placements.map((p) => p.turn))); // 12 55
 * ```
 */
export function movedPhoto(
  frame: { readonly width: number; readonly height: number },
  photoSide: number,
  count: number,
): PhotoPlacement[] {
  const fit = (0.8 * frame.height) / photoSide;
  return Array.from({ length: count }, (_, i) => {
    const phase = (2 * Math.PI * i) / count;
    return {
      x: frame.width / 2 + 0.15 * frame.width * Math.sin(phase),
      y: frame.height / 2 + 0.05 * frame.height * Math.sin(2 * phase),
      scale: fit * (0.85 + 0.25 * Math.sin(phase + 1)),
      turn: Math.round(55 * Math.sin(2 * phase + Math.PI / 2)),
      tilt: 8 * Math.sin(3 * phase),
    };
  });
}

/**
 * A still photo filmed by a hand-held camera over `count` frames: a
 * little shake, a little tilt, flickering light and sensor noise.
 *
 * @example
 * ```ts
 * import { filmedPhoto } from "@facever/testing";
 * const shots = filmedPhoto({ width: 640, height: 480 }, 250, 6, 7);
 * console.log(shots.length, shots[0].flaws.noise); // 6 6
 * ```
 */
export function filmedPhoto(
  frame: { readonly width: number; readonly height: number },
  photoSide: number,
  count: number,
  seed: number,
): { placement: PhotoPlacement; flaws: CameraFlaws }[] {
  const random = uniform(seed);
  const fit = (0.9 * frame.height) / photoSide;
  return Array.from({ length: count }, (_, i) => ({
    placement: {
      x: frame.width / 2 + 6 * (random() - 0.5),
      y: frame.height / 2 + 6 * (random() - 0.5),
      scale: fit * (1 + 0.02 * (random() - 0.5)),
      turn: 0,
      tilt: 3 * (random() - 0.5),
    },
    flaws: { brightness: 0.9 + 0.2 * random(), noise: 6, seed: seed + i },
  }));
}

/**
 * LFW photos of George W. Bush that, shown in turn, do each move of a
 * challenge: found on his 530 photos with the eye net (`EyeState`, both
 * eyes at most 0.01 open for `closed`) and the landmark pose
 * (`estimatePose`: `left` 29–35° of yaw, `right` −35 to −44°, `open`
 * within 13° of frontal with open eyes), each with one face and a passive
 * liveness score of at least 0.97. Indices as `lfwImagePath` takes them.
 *
 * @example
 * ```ts
 * import { CHALLENGE_SLIDESHOW } from "@facever/testing";
 * console.log(CHALLENGE_SLIDESHOW.person, CHALLENGE_SLIDESHOW.closed.length); // George_W_Bush 2
 * ```
 */
export const CHALLENGE_SLIDESHOW = Object.freeze({
  person: "George_W_Bush",
  open: [7, 9, 1],
  closed: [304, 229],
  left: [110, 437, 77],
  right: [136, 52, 122],
});

function sample(
  photo: Pixels,
  u: number,
  v: number,
  c: number,
): number | undefined {
  const x = u - 0.5, y = v - 0.5;
  if (x < 0 || y < 0 || x > photo.width - 1 || y > photo.height - 1) {
    return undefined;
  }
  const x0 = Math.floor(x), y0 = Math.floor(y);
  const x1 = Math.min(x0 + 1, photo.width - 1);
  const y1 = Math.min(y0 + 1, photo.height - 1);
  const fx = x - x0, fy = y - y0;
  const at = (px: number, py: number) =>
    photo.data[(py * photo.width + px) * 3 + c];
  return (at(x0, y0) * (1 - fx) + at(x1, y0) * fx) * (1 - fy) +
    (at(x0, y1) * (1 - fx) + at(x1, y1) * fx) * fy;
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) *
    Math.cos(2 * Math.PI * random());
}

function clamp(value: number): number {
  return Math.max(0, Math.min(255, Math.round(value)));
}
