/**
 * Face alignment: a least-squares similarity transform from detected
 * landmarks to the ArcFace 112x112 template, and the warp that applies it.
 *
 * @module
 */
import { applyAffine, invertAffine, warpAffine } from "./image.ts";
import type { AffineMatrix, ImageSource, Point, RgbImage } from "./types.ts";
import { imageSource } from "./source.ts";

/**
 * Decoded pixels per crop pixel read from a source that offers reduced
 * resolutions: twice the crop's resolution, so that the area average
 * comes out as it would from the full image.
 */
const READ_DETAIL = 2;

/**
 * The five-point ArcFace / InsightFace landmark template for a 112x112 crop,
 * in this order: image-left eye, image-right eye, nose tip, image-left mouth
 * corner, image-right mouth corner. Coordinates use the pixel-centre
 * convention of {@linkcode warpAffine}.
 *
 * @example
 * ```ts
 * import { ARCFACE_TEMPLATE } from "@facever/core";
 * console.log(ARCFACE_TEMPLATE[2]); // { x: 56.0252, y: 71.7366 } (nose tip)
 * ```
 */
export const ARCFACE_TEMPLATE: readonly Point[] = Object.freeze([
  Object.freeze({ x: 38.2946, y: 51.6963 }),
  Object.freeze({ x: 73.5318, y: 51.5014 }),
  Object.freeze({ x: 56.0252, y: 71.7366 }),
  Object.freeze({ x: 41.5493, y: 92.3655 }),
  Object.freeze({ x: 70.7299, y: 92.2041 }),
]);

/**
 * Signed SVD of a 2x2 matrix `[[m00, m01], [m10, m11]]`:
 * `M = Rot(phi) · diag(s1, s2) · Rot(theta)` with `s1 >= |s2|`, where `s2`
 * is negative exactly when `det(M) < 0`.
 */
function signedSvd2(m00: number, m01: number, m10: number, m11: number) {
  const e = (m00 + m11) / 2;
  const f = (m00 - m11) / 2;
  const g = (m10 + m01) / 2;
  const h = (m10 - m01) / 2;
  const q = Math.hypot(e, h);
  const r = Math.hypot(f, g);
  const a1 = Math.atan2(g, f);
  const a2 = Math.atan2(h, e);
  return {
    s1: q + r,
    s2: q - r,
    theta: (a2 - a1) / 2,
    phi: (a2 + a1) / 2,
  };
}

/**
 * Estimates the similarity transform (rotation, uniform scale, translation;
 * never a reflection) that maps `from` onto `to` with the least sum of
 * squared errors — Umeyama's method (IEEE TPAMI 13(4), 1991) restricted to
 * proper rotations.
 *
 * @param from Source points, e.g. detected landmarks (at least 2).
 * @param to Destination points in the same order, e.g. a template.
 * @returns `[a, b, c, d, e, f]` with `a = e = s·cos θ`, `d = -b = s·sin θ`.
 * @throws {RangeError} When the lists differ in length, hold fewer than 2
 * points, contain non-finite coordinates, or are degenerate (all points of
 * either list equal, or no proper rotation with a positive scale fits).
 *
 * @example
 * ```ts
 * import { applyAffine, estimateSimilarityTransform } from "@facever/core";
 * const m = estimateSimilarityTransform(
 *   [{ x: 0, y: 0 }, { x: 1, y: 0 }],
 *   [{ x: 10, y: 10 }, { x: 10, y: 12 }],
 * );
 * console.log(applyAffine(m, { x: 1, y: 0 })); // ≈ { x: 10, y: 12 }
 * ```
 */
export function estimateSimilarityTransform(
  from: readonly Point[],
  to: readonly Point[],
): AffineMatrix {
  const n = from.length;
  if (n !== to.length) {
    throw new RangeError(
      `point lists differ in length: ${n} source, ${to.length} destination`,
    );
  }
  if (n < 2) {
    throw new RangeError(`at least 2 point pairs are needed, got ${n}`);
  }
  let mx = 0, my = 0, mu = 0, mv = 0;
  for (let i = 0; i < n; i++) {
    const p = from[i], q = to[i];
    if (
      !Number.isFinite(p.x) || !Number.isFinite(p.y) ||
      !Number.isFinite(q.x) || !Number.isFinite(q.y)
    ) {
      throw new RangeError(`point pair ${i} has a non-finite coordinate`);
    }
    mx += p.x;
    my += p.y;
    mu += q.x;
    mv += q.y;
  }
  mx /= n;
  my /= n;
  mu /= n;
  mv /= n;
  // Source variance and the destination × source covariance (Umeyama's
  // σx² and Σxy, both divided by n).
  let varFrom = 0, varTo = 0;
  let c00 = 0, c01 = 0, c10 = 0, c11 = 0;
  for (let i = 0; i < n; i++) {
    const x = from[i].x - mx, y = from[i].y - my;
    const u = to[i].x - mu, v = to[i].y - mv;
    varFrom += x * x + y * y;
    varTo += u * u + v * v;
    c00 += u * x;
    c01 += u * y;
    c10 += v * x;
    c11 += v * y;
  }
  varFrom /= n;
  varTo /= n;
  const spread = (mx * mx + my * my + mu * mu + mv * mv) / 2 + 1;
  if (varFrom <= 1e-24 * spread || varTo <= 1e-24 * spread) {
    throw new RangeError(
      "degenerate points: all source or all destination points coincide",
    );
  }
  const svd = signedSvd2(c00 / n, c01 / n, c10 / n, c11 / n);
  // With S = diag(1, sign(det Σxy)), Umeyama's R = U S Vᵀ is the rotation
  // Rot(phi + theta) of the signed SVD, and trace(D S) = s1 + s2.
  const scale = (svd.s1 + svd.s2) / varFrom;
  if (!(scale > 1e-12 * Math.sqrt(varTo / varFrom))) {
    throw new RangeError(
      "degenerate points: no rotation with a positive scale fits them",
    );
  }
  const angle = svd.phi + svd.theta;
  const a = scale * Math.cos(angle);
  const d = scale * Math.sin(angle);
  return [a, -d, mu - (a * mx - d * my), d, a, mv - (d * mx + a * my)];
}

/**
 * Aligns a face: maps its five landmarks onto {@linkcode ARCFACE_TEMPLATE}
 * (scaled by `size / 112`) with {@linkcode estimateSimilarityTransform} and
 * warps the image to a `size` x `size` crop with {@linkcode warpAffine}.
 * A face more than twice the crop's size is first shrunk by area averaging,
 * because bilinear sampling with a step over two pixels skips pixels and
 * aliases: a face from a 12-megapixel photo then aligns like one from a
 * small photo.
 *
 * From an {@linkcode ImageSource} (see `openImage`) only the part of the
 * image the crop covers is read: at full resolution when the face is small,
 * else at twice the crop's resolution (from a JPEG's reduced decode where
 * that has it), and shrunk as above.
 *
 * @param image The whole image the landmarks were detected in, or a source
 * of it.
 * @param landmarks Five points in template order (left eye, right eye,
 * nose tip, left mouth corner, right mouth corner, as seen in the image).
 * @param size Side of the square output in pixels; 112 by default.
 * @throws {RangeError} When there are not exactly 5 finite landmarks, they
 * are degenerate, or `size` is not a positive integer.
 *
 * @example
 * ```ts
 * import { alignFace, ARCFACE_TEMPLATE } from "@facever/core";
 * const image = { width: 224, height: 224, data: new Uint8Array(224 * 224 * 3) };
 * const landmarks = ARCFACE_TEMPLATE.map((p) => ({ x: p.x * 2, y: p.y * 2 }));
 * const face = alignFace(image, landmarks);
 * console.log(face.width, face.height); // 112 112
 * ```
 */
export function alignFace(
  image: RgbImage | ImageSource,
  landmarks: readonly Point[],
  size = 112,
): RgbImage {
  if (!Number.isInteger(size) || size <= 0) {
    throw new RangeError(`size must be a positive integer, got ${size}`);
  }
  if (landmarks.length !== ARCFACE_TEMPLATE.length) {
    throw new RangeError(
      `alignFace needs ${ARCFACE_TEMPLATE.length} landmarks, got ${landmarks.length}`,
    );
  }
  const k = size / 112;
  const template = ARCFACE_TEMPLATE.map((p) => ({ x: p.x * k, y: p.y * k }));
  const matrix = estimateSimilarityTransform(landmarks, template);
  const scale = Math.hypot(matrix[0], matrix[3]);
  if ("data" in image) {
    return scale >= 0.5
      ? warpAffine(image, matrix, size, size)
      : warpRead(imageSource(image), matrix, scale, size);
  }
  return warpRead(image, matrix, scale, size);
}

/**
 * Warps from the part of `source` the crop covers: read whole when the
 * crop's `scale` (its pixels per image pixel) is 0.5 or more, else
 * shrunk by area averaging to about the crop's scale.
 */
function warpRead(
  source: ImageSource,
  matrix: AffineMatrix,
  scale: number,
  size: number,
): RgbImage {
  const inverse = invertAffine(matrix);
  const corners = [[-1, -1], [size, -1], [-1, size], [size, size]].map((
    [x, y],
  ) => applyAffine(inverse, { x, y }));
  const left = Math.max(0, Math.floor(Math.min(...corners.map((p) => p.x))));
  const top = Math.max(0, Math.floor(Math.min(...corners.map((p) => p.y))));
  const right = Math.min(
    source.width,
    Math.ceil(Math.max(...corners.map((p) => p.x))) + 1,
  );
  const bottom = Math.min(
    source.height,
    Math.ceil(Math.max(...corners.map((p) => p.y))) + 1,
  );
  if (right - left < 2 || bottom - top < 2) {
    // The face lies (almost) wholly outside the image: the crop is black.
    return { width: size, height: size, data: new Uint8Array(size * size * 3) };
  }
  const width = right - left, height = bottom - top;
  const whole = scale >= 0.5;
  const read = source.read(
    { x: left, y: top, width, height },
    whole ? width : Math.max(1, Math.round(width * scale)),
    whole ? height : Math.max(1, Math.round(height * scale)),
    READ_DETAIL,
  );
  // Pixel centres: read (u, v) sits at region ((u + 0.5) / sx - 0.5, …),
  // which is image (that + left, … + top).
  const sx = read.width / width;
  const sy = read.height / height;
  const [a, b, c, d, e, f] = matrix;
  const ox = left + 0.5 / sx - 0.5;
  const oy = top + 0.5 / sy - 0.5;
  return warpAffine(
    read,
    [a / sx, b / sy, a * ox + b * oy + c, d / sx, e / sy, d * ox + e * oy + f],
    size,
    size,
  );
}
