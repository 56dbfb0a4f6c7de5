// deno-fmt-ignore-file
// deno-lint-ignore-file
// Built from apps/kiosk/page/main.ts by `deno task build:page`; do not edit.
var __defProp = Object.defineProperty;
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};

// packages/core/mod.ts
var mod_exports = {};
__export(mod_exports, {
  ARCFACE_TEMPLATE: () => ARCFACE_TEMPLATE,
  DECODE_BYTES_PER_PIXEL: () => DECODE_BYTES_PER_PIXEL,
  DECODE_MEMORY_BUDGET: () => DECODE_MEMORY_BUDGET,
  DEFAULT_MAX_PIXELS: () => DEFAULT_MAX_PIXELS,
  FaceError: () => FaceError,
  ImageDecodeError: () => ImageDecodeError,
  ImageTooLargeError: () => ImageTooLargeError,
  alignFace: () => alignFace,
  applyAffine: () => applyAffine,
  cosineSimilarity: () => cosineSimilarity,
  cropImage: () => cropImage,
  decodeImage: () => decodeImage,
  defaultMaxPixels: () => defaultMaxPixels,
  estimatePose: () => estimatePose,
  estimateSimilarityTransform: () => estimateSimilarityTransform,
  excerpt: () => excerpt,
  facesToTensor: () => facesToTensor,
  imageSource: () => imageSource,
  invertAffine: () => invertAffine,
  l2Normalize: () => l2Normalize,
  laplacianVariance: () => laplacianVariance,
  openImage: () => openImage,
  readImageInfo: () => readImageInfo,
  resizeImage: () => resizeImage,
  toGrayscale: () => toGrayscale,
  warpAffine: () => warpAffine
});

// packages/core/errors.ts
var FaceError = class extends Error {
  /** Stable code for programs; the message is for people. */
  code;
  /** Creates an error with a code and a message that says what was wrong. */
  constructor(code, message, options) {
    super(message, options);
    this.name = "FaceError";
    this.code = code;
  }
};
var EXCERPT_LENGTH = 64;
function excerpt(text) {
  return text.length <= EXCERPT_LENGTH ? text : `${text.slice(0, EXCERPT_LENGTH)}\u2026 (${text.length} characters)`;
}
var ImageDecodeError = class extends FaceError {
  /** Creates a decode error; `code` tells which kind of failure it was. */
  constructor(code, message, options) {
    super(code, message, options);
    this.name = "ImageDecodeError";
  }
};
var ImageTooLargeError = class extends FaceError {
  /** Width read from the image header. */
  width;
  /** Height read from the image header. */
  height;
  /** The limit that was exceeded. */
  maxPixels;
  /** Creates the error from the header's size and the limit in force. */
  constructor(width, height, maxPixels) {
    super("too_large", `image is ${width}x${height} (${width * height} pixels); at most ${maxPixels} pixels are allowed`);
    this.name = "ImageTooLargeError";
    this.width = width;
    this.height = height;
    this.maxPixels = maxPixels;
  }
};

// packages/core/_validate.ts
function assertRgbImage(image, name = "image") {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`${name} must have a positive integer size, got ${width}x${height}`);
  }
  if (!(data instanceof Uint8Array) || data.length !== width * height * 3) {
    throw new RangeError(`${name} data must be a Uint8Array of ${width * height * 3} bytes (width * height * 3), got ${data?.length}`);
  }
}
function assertOutputSize(width, height) {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`output size must be positive integers, got ${width}x${height}`);
  }
}

// packages/core/_resample.ts
function areaTable(start2, length, limit, dst) {
  const scale = length / dst;
  const taps = Math.ceil(scale) + 1;
  const first2 = new Int32Array(dst);
  const count = new Int32Array(dst);
  const weights = new Float64Array(dst * taps);
  for (let i = 0; i < dst; i++) {
    const from = start2 + i * scale;
    const end = Math.min(start2 + (i + 1) * scale, limit);
    const lo = Math.floor(from);
    const hi = Math.min(Math.ceil(end), limit, lo + taps);
    first2[i] = lo;
    count[i] = hi - lo;
    let total = 0;
    for (let s = lo; s < hi; s++) {
      const overlap = Math.min(end, s + 1) - Math.max(from, s);
      weights[i * taps + s - lo] = overlap;
      total += overlap;
    }
    for (let k = 0; k < hi - lo; k++) weights[i * taps + k] /= total;
  }
  return {
    taps,
    first: first2,
    count,
    weights
  };
}
function bilinearTable(src, dst) {
  const scale = src / dst;
  const first2 = new Int32Array(dst);
  const count = new Int32Array(dst);
  const weights = new Float64Array(dst * 2);
  for (let i = 0; i < dst; i++) {
    const pos = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), src - 1);
    const lo = Math.min(Math.floor(pos), src - 1);
    const frac = pos - lo;
    first2[i] = lo;
    if (frac > 0 && lo + 1 < src) {
      count[i] = 2;
      weights[i * 2] = 1 - frac;
      weights[i * 2 + 1] = frac;
    } else {
      count[i] = 1;
      weights[i * 2] = 1;
    }
  }
  return {
    taps: 2,
    first: first2,
    count,
    weights
  };
}
function resample(image, xt, yt, width, height) {
  const srcW = image.width;
  const src = image.data;
  const rowFrom = yt.first[0];
  const rowTo = yt.first[height - 1] + yt.count[height - 1];
  const rowLen = width * 3;
  const tmp = new Float32Array((rowTo - rowFrom) * rowLen);
  const xTaps = xt.taps;
  const { count: xCount, first: xFirst, weights: xWeights } = xt;
  for (let y = rowFrom; y < rowTo; y++) {
    const srcRow = y * srcW * 3;
    let o = (y - rowFrom) * rowLen;
    for (let x = 0; x < width; x++, o += 3) {
      const n = xCount[x];
      let wi = x * xTaps;
      let p = srcRow + xFirst[x] * 3;
      let r = 0, g = 0, b = 0;
      for (let k = 0; k < n; k++, p += 3, wi++) {
        const w = xWeights[wi];
        r += w * src[p];
        g += w * src[p + 1];
        b += w * src[p + 2];
      }
      tmp[o] = r;
      tmp[o + 1] = g;
      tmp[o + 2] = b;
    }
  }
  const out = new Uint8Array(height * rowLen);
  const clamped = new Uint8ClampedArray(out.buffer);
  const acc = new Float32Array(rowLen);
  const yTaps = yt.taps;
  for (let y = 0; y < height; y++) {
    const n = yt.count[y];
    const first2 = yt.first[y] - rowFrom;
    const w0 = yt.weights[y * yTaps];
    let base = first2 * rowLen;
    for (let i = 0; i < rowLen; i++) acc[i] = w0 * tmp[base + i];
    for (let k = 1; k < n; k++) {
      const w = yt.weights[y * yTaps + k];
      base = (first2 + k) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] += w * tmp[base + i];
    }
    clamped.set(acc, y * rowLen);
  }
  return {
    width,
    height,
    data: out
  };
}

// packages/core/image.ts
function axisTable(src, dst) {
  return dst < src ? areaTable(0, src, src, dst) : bilinearTable(src, dst);
}
function clampByte(value) {
  return value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
}
function resizeImage(image, width, height) {
  assertRgbImage(image);
  assertOutputSize(width, height);
  const srcW = image.width;
  const srcH = image.height;
  const src = image.data;
  if (srcW === width && srcH === height) {
    return {
      width,
      height,
      data: src.slice()
    };
  }
  return resample(image, axisTable(srcW, width), axisTable(srcH, height), width, height);
}
function cropImage(image, box) {
  assertRgbImage(image);
  const { x, y, width, height } = box;
  if (![
    x,
    y,
    width,
    height
  ].every(Number.isFinite)) {
    throw new RangeError(`crop box must be finite, got ${JSON.stringify(box)}`);
  }
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(image.width, Math.round(x + width));
  const y1 = Math.min(image.height, Math.round(y + height));
  if (x1 <= x0 || y1 <= y0) {
    throw new RangeError(`crop box ${JSON.stringify(box)} leaves no pixels inside the ${image.width}x${image.height} image`);
  }
  const outW = x1 - x0;
  const outH = y1 - y0;
  const out = new Uint8Array(outW * outH * 3);
  const srcStride = image.width * 3;
  for (let row = 0; row < outH; row++) {
    const start2 = (y0 + row) * srcStride + x0 * 3;
    out.set(image.data.subarray(start2, start2 + outW * 3), row * outW * 3);
  }
  return {
    width: outW,
    height: outH,
    data: out
  };
}
function assertMatrix(matrix) {
  if (matrix.length !== 6 || !matrix.every(Number.isFinite)) {
    throw new RangeError(`affine matrix must be 6 finite numbers, got [${matrix.join(", ")}]`);
  }
}
function invertAffine(matrix) {
  assertMatrix(matrix);
  const [a, b, c, d, e, f] = matrix;
  const det = a * e - b * d;
  const magnitude = Math.max(Math.abs(a), Math.abs(b), Math.abs(d), Math.abs(e));
  if (det === 0 || !Number.isFinite(1 / det) || Math.abs(det) <= Number.EPSILON * magnitude * magnitude) {
    throw new RangeError(`affine matrix [${matrix.join(", ")}] is singular and cannot be inverted`);
  }
  return [
    e / det,
    -b / det,
    (b * f - e * c) / det,
    -d / det,
    a / det,
    (d * c - a * f) / det
  ];
}
function applyAffine(matrix, point) {
  const [a, b, c, d, e, f] = matrix;
  return {
    x: a * point.x + b * point.y + c,
    y: d * point.x + e * point.y + f
  };
}
function warpAffine(image, matrix, width, height) {
  assertRgbImage(image);
  assertOutputSize(width, height);
  const [ia, ib, ic, id, ie, iff] = invertAffine(matrix);
  const srcW = image.width;
  const srcH = image.height;
  const src = image.data;
  const stride = srcW * 3;
  const out = new Uint8Array(width * height * 3);
  let o = 0;
  for (let y = 0; y < height; y++) {
    let sx = ib * y + ic;
    let sy = ie * y + iff;
    for (let x = 0; x < width; x++, sx += ia, sy += id, o += 3) {
      if (!(sx > -1 && sy > -1 && sx < srcW && sy < srcH)) continue;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const w00 = (1 - fx) * (1 - fy);
      const w10 = fx * (1 - fy);
      const w01 = (1 - fx) * fy;
      const w11 = fx * fy;
      const p = y0 * stride + x0 * 3;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < srcW && y0 + 1 < srcH) {
        const q = p + stride;
        out[o] = w00 * src[p] + w10 * src[p + 3] + w01 * src[q] + w11 * src[q + 3] + 0.5;
        out[o + 1] = w00 * src[p + 1] + w10 * src[p + 4] + w01 * src[q + 1] + w11 * src[q + 4] + 0.5;
        out[o + 2] = w00 * src[p + 2] + w10 * src[p + 5] + w01 * src[q + 2] + w11 * src[q + 5] + 0.5;
      } else {
        const left = x0 >= 0;
        const right = x0 + 1 < srcW;
        const top = y0 >= 0;
        const bottom = y0 + 1 < srcH;
        for (let ch = 0; ch < 3; ch++) {
          let v = 0;
          if (top && left) v += w00 * src[p + ch];
          if (top && right) v += w10 * src[p + 3 + ch];
          if (bottom && left) v += w01 * src[p + stride + ch];
          if (bottom && right) v += w11 * src[p + stride + 3 + ch];
          out[o + ch] = clampByte(v);
        }
      }
    }
  }
  return {
    width,
    height,
    data: out
  };
}
function toGrayscale(image) {
  assertRgbImage(image);
  const src = image.data;
  const n = image.width * image.height;
  const out = new Uint8Array(n);
  for (let i = 0, p = 0; i < n; i++, p += 3) {
    out[i] = (299 * src[p] + 587 * src[p + 1] + 114 * src[p + 2] + 500) / 1e3 | 0;
  }
  return out;
}

// packages/core/source.ts
function imageSource(image) {
  assertRgbImage(image);
  return {
    width: image.width,
    height: image.height,
    read(box, width, height, detail = 1) {
      if (!(detail >= 1 && Number.isFinite(detail))) {
        throw new RangeError(`detail must be a finite number \u2265 1, got ${detail}`);
      }
      const whole = box.x === 0 && box.y === 0 && box.width === image.width && box.height === image.height;
      return resizeImage(whole ? image : cropImage(image, box), width, height);
    }
  };
}

// packages/core/align.ts
var READ_DETAIL = 2;
var ARCFACE_TEMPLATE = Object.freeze([
  Object.freeze({
    x: 38.2946,
    y: 51.6963
  }),
  Object.freeze({
    x: 73.5318,
    y: 51.5014
  }),
  Object.freeze({
    x: 56.0252,
    y: 71.7366
  }),
  Object.freeze({
    x: 41.5493,
    y: 92.3655
  }),
  Object.freeze({
    x: 70.7299,
    y: 92.2041
  })
]);
function signedSvd2(m00, m01, m10, m11) {
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
    phi: (a2 + a1) / 2
  };
}
function estimateSimilarityTransform(from, to) {
  const n = from.length;
  if (n !== to.length) {
    throw new RangeError(`point lists differ in length: ${n} source, ${to.length} destination`);
  }
  if (n < 2) {
    throw new RangeError(`at least 2 point pairs are needed, got ${n}`);
  }
  let mx = 0, my = 0, mu = 0, mv = 0;
  for (let i = 0; i < n; i++) {
    const p = from[i], q = to[i];
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y) || !Number.isFinite(q.x) || !Number.isFinite(q.y)) {
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
    throw new RangeError("degenerate points: all source or all destination points coincide");
  }
  const svd = signedSvd2(c00 / n, c01 / n, c10 / n, c11 / n);
  const scale = (svd.s1 + svd.s2) / varFrom;
  if (!(scale > 1e-12 * Math.sqrt(varTo / varFrom))) {
    throw new RangeError("degenerate points: no rotation with a positive scale fits them");
  }
  const angle = svd.phi + svd.theta;
  const a = scale * Math.cos(angle);
  const d = scale * Math.sin(angle);
  return [
    a,
    -d,
    mu - (a * mx - d * my),
    d,
    a,
    mv - (d * mx + a * my)
  ];
}
function alignFace(image, landmarks, size = 112) {
  if (!Number.isInteger(size) || size <= 0) {
    throw new RangeError(`size must be a positive integer, got ${size}`);
  }
  if (landmarks.length !== ARCFACE_TEMPLATE.length) {
    throw new RangeError(`alignFace needs ${ARCFACE_TEMPLATE.length} landmarks, got ${landmarks.length}`);
  }
  const k = size / 112;
  const template = ARCFACE_TEMPLATE.map((p) => ({
    x: p.x * k,
    y: p.y * k
  }));
  const matrix = estimateSimilarityTransform(landmarks, template);
  const scale = Math.hypot(matrix[0], matrix[3]);
  if ("data" in image) {
    return scale >= 0.5 ? warpAffine(image, matrix, size, size) : warpRead(imageSource(image), matrix, scale, size);
  }
  return warpRead(image, matrix, scale, size);
}
function warpRead(source, matrix, scale, size) {
  const inverse = invertAffine(matrix);
  const corners = [
    [
      -1,
      -1
    ],
    [
      size,
      -1
    ],
    [
      -1,
      size
    ],
    [
      size,
      size
    ]
  ].map(([x, y]) => applyAffine(inverse, {
    x,
    y
  }));
  const left = Math.max(0, Math.floor(Math.min(...corners.map((p) => p.x))));
  const top = Math.max(0, Math.floor(Math.min(...corners.map((p) => p.y))));
  const right = Math.min(source.width, Math.ceil(Math.max(...corners.map((p) => p.x))) + 1);
  const bottom = Math.min(source.height, Math.ceil(Math.max(...corners.map((p) => p.y))) + 1);
  if (right - left < 2 || bottom - top < 2) {
    return {
      width: size,
      height: size,
      data: new Uint8Array(size * size * 3)
    };
  }
  const width = right - left, height = bottom - top;
  const whole = scale >= 0.5;
  const read = source.read({
    x: left,
    y: top,
    width,
    height
  }, whole ? width : Math.max(1, Math.round(width * scale)), whole ? height : Math.max(1, Math.round(height * scale)), READ_DETAIL);
  const sx = read.width / width;
  const sy = read.height / height;
  const [a, b, c, d, e, f] = matrix;
  const ox = left + 0.5 / sx - 0.5;
  const oy = top + 0.5 / sy - 0.5;
  return warpAffine(read, [
    a / sx,
    b / sy,
    a * ox + b * oy + c,
    d / sx,
    e / sy,
    d * ox + e * oy + f
  ], size, size);
}

// packages/core/tensor.ts
var NORMALISED = (() => {
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = (v - 127.5) / 128;
  return table;
})();
function facesToTensor(faces, options) {
  if (faces.length === 0) {
    throw new RangeError("facesToTensor needs at least one face");
  }
  const { channelOrder } = options;
  if (channelOrder !== "rgb" && channelOrder !== "bgr") {
    throw new RangeError(`channelOrder must be "rgb" or "bgr", got ${String(channelOrder)}`);
  }
  const { width, height } = faces[0];
  const plane = width * height;
  const out = new Float32Array(faces.length * 3 * plane);
  const first2 = channelOrder === "rgb" ? 0 : 2;
  const last = 2 - first2;
  for (let n = 0; n < faces.length; n++) {
    const face = faces[n];
    assertRgbImage(face, `faces[${n}]`);
    if (face.width !== width || face.height !== height) {
      throw new RangeError(`faces differ in size: faces[0] is ${width}x${height}, faces[${n}] is ${face.width}x${face.height}`);
    }
    const src = face.data;
    const base = n * 3 * plane;
    const p0 = base, p1 = base + plane, p2 = base + 2 * plane;
    for (let i = 0, s = 0; i < plane; i++, s += 3) {
      out[p0 + i] = NORMALISED[src[s + first2]];
      out[p1 + i] = NORMALISED[src[s + 1]];
      out[p2 + i] = NORMALISED[src[s + last]];
    }
  }
  return out;
}

// packages/core/similarity.ts
function norm(vector, name) {
  if (vector.length === 0) {
    throw new RangeError(`${name} is empty`);
  }
  let sum = 0;
  for (let i = 0; i < vector.length; i++) {
    const v = vector[i];
    if (!Number.isFinite(v)) {
      throw new RangeError(`${name}[${i}] is not finite (${v})`);
    }
    sum += v * v;
  }
  const n = Math.sqrt(sum);
  if (Number.isFinite(n) && n > 1e-150) return n;
  let max = 0;
  for (let i = 0; i < vector.length; i++) {
    max = Math.max(max, Math.abs(vector[i]));
  }
  if (max === 0) throw new RangeError(`${name} is a zero vector`);
  let scaled = 0;
  for (let i = 0; i < vector.length; i++) {
    const v = vector[i] / max;
    scaled += v * v;
  }
  return max * Math.sqrt(scaled);
}
function l2Normalize(vector) {
  const n = norm(vector, "vector");
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i] / n;
  return out;
}
function cosineSimilarity(a, b) {
  if (a.length !== b.length) {
    throw new RangeError(`vectors differ in length: ${a.length} and ${b.length}`);
  }
  const na = norm(a, "a");
  const nb = norm(b, "b");
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] / na * (b[i] / nb);
  return Math.min(1, Math.max(-1, dot));
}

// packages/core/_bytes.ts
function truncated(what) {
  return new ImageDecodeError("truncated_image", `image data ends early: ${what}`);
}
function corrupt(what) {
  return new ImageDecodeError("corrupt_image", `corrupt image: ${what}`);
}
function ascii(bytes, start2, length) {
  return String.fromCharCode(...bytes.subarray(start2, start2 + length));
}
function startsWith(bytes, prefix, at = 0) {
  if (bytes.length < at + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    if (bytes[at + i] !== prefix[i]) return false;
  }
  return true;
}
function hex(byte) {
  return byte.toString(16).toUpperCase().padStart(2, "0");
}
function u16be(bytes, pos) {
  return bytes[pos] << 8 | bytes[pos + 1];
}
function u32be(bytes, pos) {
  return (bytes[pos] << 24 | bytes[pos + 1] << 16 | bytes[pos + 2] << 8 | bytes[pos + 3]) >>> 0;
}
function u16le(bytes, pos) {
  return bytes[pos] | bytes[pos + 1] << 8;
}
function u24le(bytes, pos) {
  return bytes[pos] | bytes[pos + 1] << 8 | bytes[pos + 2] << 16;
}
function u32le(bytes, pos) {
  return (bytes[pos] | bytes[pos + 1] << 8 | bytes[pos + 2] << 16 | bytes[pos + 3] << 24) >>> 0;
}
function i32le(bytes, pos) {
  return bytes[pos] | bytes[pos + 1] << 8 | bytes[pos + 2] << 16 | bytes[pos + 3] << 24;
}

// packages/core/_exif.ts
var ORIENTATION_TAG = 274;
var TYPE_SHORT = 3;
function readExifOrientation(bytes, start2, end) {
  const length = end - start2;
  if (start2 < 0 || end > bytes.length || length < 8) return 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset + start2, length);
  const order = view.getUint16(0);
  let little;
  if (order === 18761) little = true;
  else if (order === 19789) little = false;
  else return 1;
  if (view.getUint16(2, little) !== 42) return 1;
  const ifd = view.getUint32(4, little);
  if (ifd < 8 || ifd + 2 > length) return 1;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > length) return 1;
    if (view.getUint16(entry, little) !== ORIENTATION_TAG) continue;
    if (view.getUint16(entry + 2, little) !== TYPE_SHORT || view.getUint32(entry + 4, little) < 1) {
      return 1;
    }
    const value = view.getUint16(entry + 8, little);
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

// packages/core/_jpeg_header.ts
var SOI = 216;
var EOI = 217;
var SOS = 218;
var DRI = 221;
var APP1 = 225;
function isSof(marker) {
  return marker >= 192 && marker <= 207 && marker !== 196 && marker !== 200 && marker !== 204;
}
function isRst(marker) {
  return marker >= 208 && marker <= 215;
}
function isSegment(marker) {
  return isSof(marker) || marker === 196 || marker === 204 || marker >= 218 && marker <= 221 || marker >= 224 && marker <= 239 || marker === 254;
}
function isStandalone(marker) {
  return marker === 1 || isRst(marker);
}
function nextMarker(bytes, pos) {
  let p = bytes.indexOf(255, pos);
  while (p >= 0 && p + 1 < bytes.length) {
    const code = bytes[p + 1];
    if (code !== 255) return p + 1;
    p++;
  }
  return -1;
}
function segmentLength(bytes, markerPos) {
  if (markerPos + 3 > bytes.length) {
    throw truncated(`JPEG segment 0xFF${hex(bytes[markerPos])} has no length`);
  }
  const length = u16be(bytes, markerPos + 1);
  if (length < 2) {
    throw corrupt(`JPEG segment 0xFF${hex(bytes[markerPos])} length ${length}`);
  }
  if (markerPos + 1 + length > bytes.length) {
    throw truncated(`JPEG segment 0xFF${hex(bytes[markerPos])} needs ${length} bytes, ${bytes.length - markerPos - 1} remain`);
  }
  return length;
}
function readRestartInterval(bytes, body, length) {
  if (length !== 4) throw corrupt(`JPEG DRI segment of length ${length}`);
  return u16be(bytes, body);
}
function unsupported(message) {
  return new ImageDecodeError("unsupported_format", message);
}
function parseJpegHeader(bytes) {
  let orientation = 0;
  let restartInterval = 0;
  let sof;
  let pos = 2;
  for (; ; ) {
    const m = nextMarker(bytes, pos);
    if (m < 0) throw truncated("the JPEG header is incomplete");
    const marker = bytes[m];
    if (marker === 0) {
      throw corrupt("stray 0xFF00 in the JPEG header");
    }
    if (isStandalone(marker)) {
      pos = m + 1;
      continue;
    }
    if (marker === SOI) throw corrupt("a second SOI marker in the JPEG header");
    if (marker === EOI) throw corrupt("the JPEG stream has no image data");
    if (!isSegment(marker)) {
      throw corrupt(`unknown JPEG marker 0xFF${hex(marker)} in the header`);
    }
    const length = segmentLength(bytes, m);
    const body = m + 3;
    const end = m + 1 + length;
    if (marker === SOS) {
      if (!sof) throw corrupt("JPEG scan before any frame header (SOF)");
      return {
        format: "jpeg",
        ...sof,
        orientation: orientation || 1,
        restartInterval,
        headerEnd: m - 1
      };
    }
    if (marker === APP1 && orientation === 0 && length >= 8 && ascii(bytes, body, 6) === "Exif\0\0") {
      orientation = readExifOrientation(bytes, body + 6, end);
    } else if (marker === DRI) {
      restartInterval = readRestartInterval(bytes, body, length);
    } else if (isSof(marker)) {
      if (sof) throw corrupt("more than one JPEG frame header (SOF)");
      sof = readFrame(bytes, marker, body, length);
    }
    pos = end;
  }
}
function readFrame(bytes, marker, body, length) {
  if (length < 8) throw corrupt("JPEG frame header too short");
  const p = bytes[body];
  const height = u16be(bytes, body + 1);
  const width = u16be(bytes, body + 3);
  const components = bytes[body + 5];
  if (length !== 8 + 3 * components) {
    throw corrupt(`JPEG frame header length ${length} does not fit ${components} components`);
  }
  if (marker === 195 || marker >= 197 && marker <= 199 || marker >= 203) {
    throw unsupported(`lossless or hierarchical JPEG (SOF 0xFF${hex(marker)}) is not supported`);
  }
  if (marker >= 201) {
    throw unsupported(`arithmetic-coded JPEG (SOF 0xFF${hex(marker)}) is not supported`);
  }
  if (p !== 8) {
    throw unsupported(`${p}-bit JPEG is not supported (only 8-bit samples)`);
  }
  if (width === 0 || height === 0) {
    throw corrupt(`JPEG frame size is ${width}x${height}`);
  }
  if (components !== 1 && components !== 3 && components !== 4) {
    throw unsupported(`JPEG with ${components} colour components is not supported`);
  }
  const frame = [];
  for (let c = 0; c < components; c++) {
    const at = body + 6 + 3 * c;
    const id = bytes[at];
    const h = bytes[at + 1] >> 4, v = bytes[at + 1] & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4) {
      throw corrupt(`JPEG component ${id} has sampling factors ${h}x${v}`);
    }
    if (frame.some((other) => other.id === id)) {
      throw corrupt(`JPEG component id ${id} appears twice`);
    }
    frame.push({
      id,
      h,
      v
    });
  }
  return {
    width,
    height,
    components,
    progressive: marker === 194,
    frame
  };
}
function readScan(bytes, header, body, length) {
  const count = bytes[body];
  if (count < 1 || count > 4 || length !== 6 + 2 * count) {
    throw corrupt(`JPEG scan header of ${count} components, length ${length}`);
  }
  const components = [];
  for (let i = 0; i < count; i++) {
    const id = bytes[body + 1 + 2 * i];
    const component = header.frame.find((c) => c.id === id);
    if (!component) throw corrupt(`JPEG scan names unknown component ${id}`);
    components.push(component);
  }
  const tail = body + 1 + 2 * count;
  const ss = bytes[tail], se = bytes[tail + 1];
  if (ss > se || se > 63) {
    throw corrupt(`JPEG scan of coefficients ${ss} to ${se}`);
  }
  return {
    components,
    ss,
    se,
    ah: bytes[tail + 2] >> 4
  };
}
function scanGeometry(header, scan) {
  const hMax = Math.max(...header.frame.map((c) => c.h));
  const vMax = Math.max(...header.frame.map((c) => c.v));
  if (scan.components.length === 1) {
    const c = scan.components[0];
    const w = Math.ceil(header.width * c.h / hMax);
    const h = Math.ceil(header.height * c.v / vMax);
    const mcus2 = Math.ceil(w / 8) * Math.ceil(h / 8);
    return {
      mcus: mcus2,
      blocks: mcus2
    };
  }
  const mcus = Math.ceil(header.width / (8 * hMax)) * Math.ceil(header.height / (8 * vMax));
  const perMcu = scan.components.reduce((n, c) => n + c.h * c.v, 0);
  return {
    mcus,
    blocks: mcus * perMcu
  };
}
function minimumBits(header, scan, blocks) {
  if (!header.progressive) return 2 * blocks;
  return scan.ss === 0 ? blocks : 0;
}
function walkScan(bytes, pos, expectedRestarts) {
  let restarts = 0;
  let dataBytes = 0;
  let start2 = pos;
  let p = bytes.indexOf(255, pos);
  while (p >= 0 && p + 1 < bytes.length) {
    const code = bytes[p + 1];
    if (code === 0) {
      p = bytes.indexOf(255, p + 2);
      continue;
    }
    if (code === 255) {
      p++;
      continue;
    }
    dataBytes += p - start2;
    if (!isRst(code)) {
      if (restarts < expectedRestarts) {
        throw corrupt(`JPEG scan has ${restarts} restart markers, ${expectedRestarts} expected`);
      }
      return {
        end: p + 1,
        dataBytes
      };
    }
    if (expectedRestarts === 0) {
      throw corrupt("JPEG restart marker in a scan without restart interval");
    }
    if (code !== 208 + (restarts & 7)) {
      throw corrupt(`JPEG restart marker RST${code - 208} where RST${restarts & 7} belongs`);
    }
    if (++restarts > expectedRestarts + 1) {
      throw corrupt(`JPEG scan has more than the ${expectedRestarts} restart markers expected`);
    }
    start2 = p + 2;
    p = bytes.indexOf(255, start2);
  }
  throw truncated("the JPEG scan data stops before EOI");
}
function checkJpegStructure(bytes, header) {
  let restartInterval = header.restartInterval;
  let scans = 0;
  const covered = new Map(header.frame.map((c) => [
    c.id,
    new Uint8Array(64)
  ]));
  let m = header.headerEnd + 1;
  for (; ; ) {
    const marker = bytes[m];
    if (marker === EOI) break;
    if (isStandalone(marker)) {
      m = nextMarker(bytes, m + 1);
      if (m < 0) throw truncated("the JPEG stream stops before EOI");
      continue;
    }
    if (marker === SOI || marker === 0) {
      throw corrupt(`unexpected JPEG marker 0xFF${hex(marker)}`);
    }
    if (isSof(marker)) throw corrupt("more than one JPEG frame header (SOF)");
    if (!isSegment(marker)) {
      throw corrupt(`unknown JPEG marker 0xFF${hex(marker)} after a scan`);
    }
    const length = segmentLength(bytes, m);
    const body = m + 3;
    const end = m + 1 + length;
    if (marker === DRI) {
      restartInterval = readRestartInterval(bytes, body, length);
    }
    if (marker !== SOS) {
      m = nextMarker(bytes, end);
      if (m < 0) throw truncated("the JPEG stream stops before EOI");
      continue;
    }
    const scan = readScan(bytes, header, body, length);
    scans++;
    const { mcus, blocks } = scanGeometry(header, scan);
    const restarts = restartInterval > 0 ? Math.ceil(mcus / restartInterval) - 1 : 0;
    const walked = walkScan(bytes, end, restarts);
    const needed = minimumBits(header, scan, blocks);
    if (walked.dataBytes * 8 < needed) {
      throw truncated(`a JPEG scan holds ${walked.dataBytes} bytes; ${blocks} blocks need at least ${Math.ceil(needed / 8)}`);
    }
    if (scan.ah === 0) {
      for (const c of scan.components) {
        covered.get(c.id)?.fill(1, scan.ss, scan.se + 1);
      }
    }
    m = walked.end;
  }
  for (const [id, coefficients] of covered) {
    const missing = coefficients.indexOf(0);
    if (missing >= 0) {
      throw truncated(`the JPEG stream ends before any scan of coefficient ${missing} of component ${id}`);
    }
  }
  return {
    scans
  };
}

// packages/core/_png_header.ts
var CRC_TABLES = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 3988292384 ^ c >>> 1 : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) {
      const prev = t[(k - 1) * 256 + n];
      t[k * 256 + n] = t[prev & 255] ^ prev >>> 8;
    }
  }
  return t;
})();
function crc32(bytes, start2 = 0, end = bytes.length) {
  const t = CRC_TABLES;
  let c = -1;
  let i = start2;
  for (; i + 8 <= end; i += 8) {
    const lo = c ^ (bytes[i] | bytes[i + 1] << 8 | bytes[i + 2] << 16 | bytes[i + 3] << 24);
    c = t[1792 + (lo & 255)] ^ t[1536 + (lo >>> 8 & 255)] ^ t[1280 + (lo >>> 16 & 255)] ^ t[1024 + (lo >>> 24)] ^ t[768 + bytes[i + 4]] ^ t[512 + bytes[i + 5]] ^ t[256 + bytes[i + 6]] ^ t[bytes[i + 7]];
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]) & 255] ^ c >>> 8;
  return (c ^ -1) >>> 0;
}
var VALID_DEPTHS = {
  0: [
    1,
    2,
    4,
    8,
    16
  ],
  2: [
    8,
    16
  ],
  3: [
    1,
    2,
    4,
    8
  ],
  4: [
    8,
    16
  ],
  6: [
    8,
    16
  ]
};
var CHANNELS = {
  0: 1,
  2: 3,
  3: 1,
  4: 2,
  6: 4
};
var MAX_DEFLATE_RATIO = 1100;
var IDAT = 1229209940;
var IEND = 1229278788;
var IHDR = 1229472850;
var PLTE = 1347179589;
var TRNS = 1951551059;
var EXIF = 1700284774;
function isLetter(byte) {
  return byte >= 65 && byte <= 90 || byte >= 97 && byte <= 122;
}
function readChunk(bytes, pos) {
  if (pos + 8 > bytes.length) throw truncated("a PNG chunk header is cut off");
  const length = u32be(bytes, pos);
  if (length > 2147483647) throw corrupt(`PNG chunk length ${length}`);
  if (!isLetter(bytes[pos + 4]) || !isLetter(bytes[pos + 5]) || !isLetter(bytes[pos + 6]) || !isLetter(bytes[pos + 7])) {
    const type = ascii(bytes, pos + 4, 4);
    throw corrupt(`invalid PNG chunk type ${JSON.stringify(type)}`);
  }
  const start2 = pos + 8;
  const end = start2 + length;
  if (end + 4 > bytes.length) {
    throw truncated(`PNG chunk ${ascii(bytes, pos + 4, 4)} is cut off`);
  }
  if (crc32(bytes, pos + 4, end) !== u32be(bytes, end)) {
    throw corrupt(`PNG chunk ${ascii(bytes, pos + 4, 4)} fails its CRC check`);
  }
  return {
    code: u32be(bytes, pos + 4),
    start: start2,
    end
  };
}
function parsePngHeader(bytes) {
  const ihdr = readChunk(bytes, 8);
  if (ihdr.code !== IHDR) throw corrupt("PNG does not start with IHDR");
  if (ihdr.end - ihdr.start !== 13) throw corrupt("PNG IHDR is not 13 bytes");
  const p = ihdr.start;
  const width = u32be(bytes, p);
  const height = u32be(bytes, p + 4);
  const bitDepth = bytes[p + 8];
  const colorType = bytes[p + 9];
  if (width === 0 || height === 0) {
    throw corrupt(`PNG size is ${width}x${height}`);
  }
  if (width > 2147483647 || height > 2147483647) {
    throw corrupt(`PNG size ${width}x${height} exceeds the format's limit`);
  }
  if (!VALID_DEPTHS[colorType]?.includes(bitDepth)) {
    throw corrupt(`PNG colour type ${colorType} with bit depth ${bitDepth}`);
  }
  if (bytes[p + 10] !== 0 || bytes[p + 11] !== 0 || bytes[p + 12] > 1) {
    throw corrupt("unknown PNG compression, filter or interlace method");
  }
  let orientation = 1;
  let palette = false;
  let pos = ihdr.end + 4;
  for (; ; ) {
    const chunk = readChunk(bytes, pos);
    if (chunk.code === IDAT) {
      if (colorType === 3 && !palette) {
        throw corrupt("palette PNG without a PLTE chunk before its data");
      }
      return {
        format: "png",
        width,
        height,
        orientation,
        bitDepth,
        colorType,
        headerEnd: pos
      };
    }
    if (chunk.code === IEND) throw corrupt("PNG has no image data (IDAT)");
    if (chunk.code === PLTE) {
      const size = chunk.end - chunk.start;
      if (size === 0 || size % 3 !== 0 || size > 768) {
        throw corrupt(`PNG PLTE chunk of ${size} bytes`);
      }
      palette = true;
    }
    if (chunk.code === EXIF) {
      orientation = readExifOrientation(bytes, chunk.start, chunk.end);
    }
    pos = chunk.end + 4;
  }
}
var PIXEL_CHUNKS = /* @__PURE__ */ new Set([
  IHDR,
  PLTE,
  TRNS
]);
function checkPngStructure(bytes, header) {
  const kept = [];
  let idatBytes = 0;
  let idatEnded = false;
  let pos = 8;
  for (; ; ) {
    const chunk = readChunk(bytes, pos);
    if (chunk.code === IEND) break;
    if (chunk.code === IDAT) {
      if (idatEnded) throw corrupt("PNG image data (IDAT) is not contiguous");
      idatBytes += chunk.end - chunk.start;
    } else {
      if (pos > header.headerEnd) idatEnded = true;
      if (PIXEL_CHUNKS.has(chunk.code)) kept.push(chunk);
    }
    pos = chunk.end + 4;
  }
  const bitsPerPixel = header.bitDepth * CHANNELS[header.colorType];
  const rawBytes = header.height * Math.ceil(header.width * bitsPerPixel / 8);
  if (idatBytes < rawBytes / MAX_DEFLATE_RATIO) {
    throw truncated(`${idatBytes} bytes of PNG image data cannot hold ${header.width}x${header.height} pixels`);
  }
  const size = kept.reduce((n, c) => n + c.end - c.start + 12, 0);
  const out = new Uint8Array(8 + size + 12 + idatBytes + 12);
  const view = new DataView(out.buffer);
  out.set(bytes.subarray(0, 8));
  let at = 8;
  const put = (code, length) => {
    view.setUint32(at, length);
    view.setUint32(at + 4, code);
    at += 8;
  };
  for (const chunk of kept) {
    put(chunk.code, chunk.end - chunk.start);
    out.set(bytes.subarray(chunk.start, chunk.end), at);
    at += chunk.end - chunk.start + 4;
  }
  put(IDAT, idatBytes);
  for (pos = header.headerEnd; ; ) {
    const length = u32be(bytes, pos);
    if (u32be(bytes, pos + 4) !== IDAT) break;
    out.set(bytes.subarray(pos + 8, pos + 8 + length), at);
    at += length;
    pos += 12 + length;
  }
  at += 4;
  put(IEND, 0);
  return out;
}

// packages/core/_webp_header.ts
function isWebp(bytes) {
  return ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WEBP";
}
function chunks(bytes, start2, end, strict) {
  const out = [];
  let pos = start2;
  while (pos < end) {
    if (pos + 8 > end) {
      if (strict) throw truncated("a WebP chunk header is cut off");
      break;
    }
    const type = ascii(bytes, pos, 4);
    const size = u32le(bytes, pos + 4);
    if (pos + 8 + size > end) {
      if (strict) throw truncated(`WebP chunk "${type}" is cut off`);
      out.push({
        type,
        start: pos + 8,
        end
      });
      break;
    }
    out.push({
      type,
      start: pos + 8,
      end: pos + 8 + size
    });
    pos += 8 + size + (size & 1);
  }
  return out;
}
function riffEnd(bytes, strict) {
  if (bytes.length < 12) throw truncated("the WebP header is incomplete");
  const size = u32le(bytes, 4);
  if (size < 4 || size & 1) throw corrupt(`WebP RIFF size ${size}`);
  if (8 + size > bytes.length) {
    if (strict) throw truncated(`the WebP file needs ${8 + size} bytes`);
    return bytes.length;
  }
  return 8 + size;
}
function bitstreamSize(bytes, chunk) {
  const p = chunk.start;
  const length = chunk.end - p;
  if (chunk.type === "VP8 ") {
    if (length < 10) throw truncated("the WebP VP8 frame header is cut off");
    const tag = u24le(bytes, p);
    if (tag & 1) throw corrupt("WebP VP8 data is not a key frame");
    if (bytes[p + 3] !== 157 || bytes[p + 4] !== 1 || bytes[p + 5] !== 42) {
      throw corrupt("WebP VP8 start code missing");
    }
    if (tag >>> 5 > length - 10) {
      throw truncated("the WebP VP8 first partition is cut off");
    }
    return {
      width: u16le(bytes, p + 6) & 16383,
      height: u16le(bytes, p + 8) & 16383
    };
  }
  if (length < 5) throw truncated("the WebP VP8L header is cut off");
  if (bytes[p] !== 47) throw corrupt("WebP VP8L signature missing");
  const bits = u32le(bytes, p + 1);
  if (bits >>> 29 !== 0) throw corrupt("unknown WebP VP8L version");
  return {
    width: (bits & 16383) + 1,
    height: (bits >>> 14 & 16383) + 1
  };
}
function isBitstream(type) {
  return type === "VP8 " || type === "VP8L";
}
function exifOrientation(bytes, chunk) {
  const start2 = ascii(bytes, chunk.start, 6) === "Exif\0\0" ? chunk.start + 6 : chunk.start;
  return readExifOrientation(bytes, start2, chunk.end);
}
function parseWebpHeader(bytes, strict = false) {
  const list = chunks(bytes, 12, riffEnd(bytes, strict), strict);
  const first2 = list[0];
  if (!first2) throw truncated("the WebP file has no chunks");
  if (isBitstream(first2.type)) {
    const { width: width2, height: height2 } = bitstreamSize(bytes, first2);
    if (width2 === 0 || height2 === 0) {
      throw corrupt(`WebP size is ${width2}x${height2}`);
    }
    return {
      format: "webp",
      width: width2,
      height: height2,
      orientation: 1
    };
  }
  if (first2.type !== "VP8X") {
    throw corrupt(`WebP starts with an unknown chunk "${first2.type}"`);
  }
  if (first2.end - first2.start < 10) throw corrupt("WebP VP8X chunk too short");
  const flags = bytes[first2.start];
  const width = u24le(bytes, first2.start + 4) + 1;
  const height = u24le(bytes, first2.start + 7) + 1;
  let orientation = 1;
  const exif = list.find((c) => c.type === "EXIF");
  if (exif && flags & 8) orientation = exifOrientation(bytes, exif);
  if (!(flags & 2)) {
    const image = list.find((c) => isBitstream(c.type));
    if (!image) {
      if (strict) throw corrupt("WebP file without image data");
    } else {
      const size = bitstreamSize(bytes, image);
      if (size.width !== width || size.height !== height) {
        throw corrupt(`WebP image is ${size.width}x${size.height} on a ${width}x${height} canvas`);
      }
    }
    return {
      format: "webp",
      width,
      height,
      orientation
    };
  }
  const anmf = list.find((c) => c.type === "ANMF");
  if (!anmf) {
    throw strict ? corrupt("animated WebP without frames") : truncated("the first WebP frame is missing");
  }
  return {
    format: "webp",
    width,
    height,
    orientation,
    frame: firstFrame(bytes, anmf, width, height, strict)
  };
}
function firstFrame(bytes, anmf, canvasWidth, canvasHeight, strict) {
  const p = anmf.start;
  if (anmf.end - p < 16) throw truncated("the WebP frame header is cut off");
  const x = u24le(bytes, p) * 2, y = u24le(bytes, p + 3) * 2;
  const width = u24le(bytes, p + 6) + 1, height = u24le(bytes, p + 9) + 1;
  if (x + width > canvasWidth || y + height > canvasHeight) {
    throw corrupt("the first WebP frame lies outside the canvas");
  }
  const parts = chunks(bytes, p + 16, anmf.end, strict);
  const image = parts.find((c) => isBitstream(c.type));
  if (!image) throw truncated("the first WebP frame has no image data");
  const size = bitstreamSize(bytes, image);
  if (size.width !== width || size.height !== height) {
    throw corrupt("the first WebP frame's image does not fit its frame");
  }
  const alpha = parts.find((c) => c.type === "ALPH");
  return {
    x,
    y,
    width,
    height,
    still: stillWebp(bytes, image, alpha)
  };
}
function stillWebp(bytes, image, alpha) {
  const parts = [];
  const chunk = (type, data2) => {
    const head = new Uint8Array(8);
    for (let i = 0; i < 4; i++) head[i] = type.charCodeAt(i);
    new DataView(head.buffer).setUint32(4, data2.length, true);
    parts.push(head, data2);
    if (data2.length & 1) parts.push(new Uint8Array(1));
  };
  const data = bytes.subarray(image.start, image.end);
  if (alpha && image.type === "VP8 ") {
    const { width, height } = bitstreamSize(bytes, image);
    const vp8x = new Uint8Array(10);
    vp8x[0] = 16;
    vp8x.set([
      width - 1 & 255,
      width - 1 >> 8,
      0
    ], 4);
    vp8x.set([
      height - 1 & 255,
      height - 1 >> 8,
      0
    ], 7);
    chunk("VP8X", vp8x);
    chunk("ALPH", bytes.subarray(alpha.start, alpha.end));
  }
  chunk(image.type, data);
  const size = parts.reduce((n, part) => n + part.length, 0);
  const out = new Uint8Array(12 + size);
  out.set([
    82,
    73,
    70,
    70
  ]);
  new DataView(out.buffer).setUint32(4, size + 4, true);
  out.set([
    87,
    69,
    66,
    80
  ], 8);
  let at = 12;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// packages/core/_heif_header.ts
function children(bytes, start2, end, clip = false) {
  const boxes = [];
  let pos = start2;
  while (pos < end) {
    if (pos + 8 > end) throw truncated("an ISOBMFF box header is cut off");
    let size = u32be(bytes, pos);
    const type = ascii(bytes, pos + 4, 4);
    let header = 8;
    if (size === 1) {
      if (pos + 16 > end) throw truncated(`ISOBMFF box ${type} is cut off`);
      const high = u32be(bytes, pos + 8);
      size = high * 2 ** 32 + u32be(bytes, pos + 12);
      header = 16;
    } else if (size === 0) {
      size = end - pos;
    }
    if (size < header) throw corrupt(`ISOBMFF box ${type} of size ${size}`);
    let clipped = false;
    if (pos + size > end) {
      if (!clip) throw truncated(`ISOBMFF box ${type} needs ${size} bytes`);
      size = end - pos;
      clipped = true;
    }
    boxes.push({
      type,
      start: pos + header,
      end: pos + size,
      clipped
    });
    pos += size;
  }
  return boxes;
}
function find(boxes, type) {
  return boxes.find((b) => b.type === type);
}
var Reader = class {
  bytes;
  end;
  pos;
  constructor(bytes, start2, end) {
    this.bytes = bytes;
    this.end = end;
    this.pos = start2;
  }
  need(n, what) {
    if (this.pos + n > this.end) throw corrupt(`ISOBMFF ${what} is too short`);
  }
  u8(what) {
    this.need(1, what);
    return this.bytes[this.pos++];
  }
  u16(what) {
    this.need(2, what);
    this.pos += 2;
    return u16be(this.bytes, this.pos - 2);
  }
  u32(what) {
    this.need(4, what);
    this.pos += 4;
    return u32be(this.bytes, this.pos - 4);
  }
  /** An unsigned integer of 0, 4 or 8 bytes (iloc field sizes). */
  uint(size, what) {
    if (size === 0) return 0;
    if (size === 4) return this.u32(what);
    if (size === 8) return this.u32(what) * 2 ** 32 + this.u32(what);
    throw corrupt(`ISOBMFF ${what} field of ${size} bytes`);
  }
  fourcc(what) {
    this.need(4, what);
    this.pos += 4;
    return ascii(this.bytes, this.pos - 4, 4);
  }
};
var BRANDS = /* @__PURE__ */ new Set([
  "heic",
  "heix",
  "heim",
  "heis",
  "hevc",
  "hevx",
  "mif1",
  "mif2",
  "msf1",
  "avif",
  "avis",
  "miaf"
]);
function isHeif(bytes) {
  if (bytes.length < 16 || ascii(bytes, 4, 4) !== "ftyp") return false;
  const size = u32be(bytes, 0);
  if (size < 16) return false;
  const end = Math.min(size, bytes.length);
  for (let pos = 8; pos + 4 <= end; pos += 4) {
    if (pos === 12) continue;
    if (BRANDS.has(ascii(bytes, pos, 4))) return true;
  }
  return false;
}
var TRANSFORMS = [
  [
    1,
    4,
    2
  ],
  [
    8,
    5,
    7
  ],
  [
    3,
    2,
    4
  ],
  [
    6,
    7,
    5
  ]
];
function unsupported2(message) {
  return new ImageDecodeError("unsupported_format", message);
}
function parseHeifHeader(bytes) {
  const top = children(bytes, 0, bytes.length, true);
  const meta = find(top, "meta");
  if (meta?.clipped) throw truncated("the HEIF meta box is cut off");
  if (!meta) return parseSequence(bytes, top);
  const items = readItems(bytes, meta);
  const primary = items.primary;
  const item = items.byId.get(primary);
  if (!item) throw corrupt(`HEIF primary item ${primary} is not described`);
  let coded = item.type;
  if (coded === "grid") {
    const tile = items.references.get(primary)?.[0];
    coded = tile === void 0 ? "" : items.byId.get(tile)?.type ?? "";
  }
  const format = coded === "av01" ? "avif" : coded === "hvc1" ? "heic" : "";
  if (!format) {
    throw unsupported2(`HEIF images coded as "${coded || item.type}" are not supported (only HEVC and AV1)`);
  }
  let width = 0, height = 0, angle = 0, mirror = 0;
  let transformed = false, cropped = false;
  for (const index of item.properties) {
    const property = items.properties[index - 1];
    if (!property) {
      throw corrupt(`HEIF item property ${index} does not exist`);
    }
    const r = new Reader(bytes, property.start, property.end);
    if (property.type === "ispe") {
      r.u32("ispe");
      width = r.u32("ispe");
      height = r.u32("ispe");
    } else if (property.type === "irot") {
      angle = r.u8("irot") & 3;
      transformed = true;
    } else if (property.type === "imir") {
      mirror = (r.u8("imir") & 1) + 1;
      transformed = true;
    } else if (property.type === "clap") {
      cropped = true;
    }
  }
  if (width === 0 || height === 0) {
    throw corrupt(`HEIF primary image size is ${width}x${height}`);
  }
  const orientation = transformed ? TRANSFORMS[angle][mirror] : exifOrientation2(bytes, items, primary);
  return {
    format,
    width,
    height,
    orientation,
    transformed,
    cropped
  };
}
function readItems(bytes, meta) {
  const boxes = children(bytes, meta.start + 4, meta.end);
  const pitm = find(boxes, "pitm");
  const iinf = find(boxes, "iinf");
  const iloc = find(boxes, "iloc");
  const iprp = find(boxes, "iprp");
  if (!pitm || !iinf || !iloc || !iprp) {
    throw corrupt("HEIF meta box lacks pitm, iinf, iloc or iprp");
  }
  const p = new Reader(bytes, pitm.start + 4, pitm.end);
  const primary = bytes[pitm.start] === 0 ? p.u16("pitm") : p.u32("pitm");
  const byId = /* @__PURE__ */ new Map();
  readInfo(bytes, iinf, byId);
  readLocations(bytes, iloc, byId);
  const props = children(bytes, iprp.start, iprp.end);
  const ipco = find(props, "ipco");
  if (!ipco) throw corrupt("HEIF iprp box lacks ipco");
  const properties = children(bytes, ipco.start, ipco.end);
  for (const ipma of props.filter((b) => b.type === "ipma")) {
    readAssociations(bytes, ipma, byId);
  }
  const references = /* @__PURE__ */ new Map();
  const iref = find(boxes, "iref");
  if (iref) readReferences(bytes, iref, references);
  const idat = find(boxes, "idat");
  return {
    primary,
    byId,
    properties,
    references,
    idat
  };
}
function readInfo(bytes, iinf, byId) {
  const r = new Reader(bytes, iinf.start, iinf.end);
  const version = r.u8("iinf");
  r.pos += 3;
  const count = version === 0 ? r.u16("iinf") : r.u32("iinf");
  const entries = children(bytes, r.pos, iinf.end).filter((b) => b.type === "infe");
  if (entries.length !== count) {
    throw corrupt(`HEIF iinf announces ${count} items, holds ${entries.length}`);
  }
  for (const infe of entries) {
    const e = new Reader(bytes, infe.start, infe.end);
    const v = e.u8("infe");
    e.pos += 3;
    if (v < 2) continue;
    const id = v === 2 ? e.u16("infe") : e.u32("infe");
    e.u16("infe");
    const type = e.fourcc("infe");
    byId.set(id, {
      type,
      method: 0,
      extents: [],
      properties: []
    });
  }
}
function readLocations(bytes, iloc, byId) {
  const r = new Reader(bytes, iloc.start, iloc.end);
  const version = r.u8("iloc");
  if (version > 2) throw corrupt(`HEIF iloc version ${version}`);
  r.pos += 3;
  const sizes = r.u16("iloc");
  const offsetSize = sizes >> 12, lengthSize = sizes >> 8 & 15;
  const baseSize = sizes >> 4 & 15;
  const indexSize = version > 0 ? sizes & 15 : 0;
  const count = version < 2 ? r.u16("iloc") : r.u32("iloc");
  for (let i = 0; i < count; i++) {
    const id = version < 2 ? r.u16("iloc") : r.u32("iloc");
    const method = version > 0 ? r.u16("iloc") & 15 : 0;
    r.u16("iloc");
    const base = r.uint(baseSize, "iloc");
    const extentCount = r.u16("iloc");
    if (extentCount > 1 && offsetSize + lengthSize + indexSize === 0) {
      throw corrupt(`HEIF item ${id} has ${extentCount} empty extents`);
    }
    const extents = [];
    for (let k = 0; k < extentCount; k++) {
      r.uint(indexSize, "iloc");
      const offset = base + r.uint(offsetSize, "iloc");
      const length = r.uint(lengthSize, "iloc");
      extents.push({
        offset,
        length
      });
    }
    const item = byId.get(id);
    if (item) {
      item.method = method;
      item.extents = extents;
    }
  }
}
function readAssociations(bytes, ipma, byId) {
  const r = new Reader(bytes, ipma.start, ipma.end);
  const version = r.u8("ipma");
  r.pos += 2;
  const wide = (r.u8("ipma") & 1) === 1;
  const count = r.u32("ipma");
  for (let i = 0; i < count; i++) {
    const id = version < 1 ? r.u16("ipma") : r.u32("ipma");
    const n = r.u8("ipma");
    const item = byId.get(id);
    for (let k = 0; k < n; k++) {
      const index = wide ? r.u16("ipma") & 32767 : r.u8("ipma") & 127;
      if (index > 0) item?.properties.push(index);
    }
  }
}
function readReferences(bytes, iref, references) {
  const version = bytes[iref.start];
  for (const ref of children(bytes, iref.start + 4, iref.end)) {
    if (ref.type !== "dimg" && ref.type !== "cdsc") continue;
    const r = new Reader(bytes, ref.start, ref.end);
    const from = version === 0 ? r.u16("iref") : r.u32("iref");
    const n = r.u16("iref");
    const to = [];
    for (let k = 0; k < n; k++) {
      to.push(version === 0 ? r.u16("iref") : r.u32("iref"));
    }
    const key = ref.type === "dimg" ? from : -from;
    references.set(key, to);
  }
}
function exifOrientation2(bytes, items, primary) {
  for (const [id, item] of items.byId) {
    if (item.type !== "Exif" || item.method !== 0) continue;
    if (!items.references.get(-id)?.includes(primary)) continue;
    const extent = item.extents[0];
    if (!extent || extent.offset + extent.length > bytes.length) return 1;
    const start2 = extent.offset + 4 + u32be(bytes, extent.offset);
    return readExifOrientation(bytes, start2, extent.offset + extent.length);
  }
  return 1;
}
function parseSequence(bytes, top) {
  const moov = find(top, "moov");
  if (!moov) throw corrupt("HEIF file has neither meta nor moov box");
  for (const trak of children(bytes, moov.start, moov.end)) {
    if (trak.type !== "trak") continue;
    const tkhd = find(children(bytes, trak.start, trak.end), "tkhd");
    if (!tkhd) continue;
    const version = bytes[tkhd.start];
    const at = tkhd.start + (version === 1 ? 88 : 76);
    if (at + 8 > tkhd.end) throw corrupt("ISOBMFF tkhd box is too short");
    const width = u32be(bytes, at) >>> 16;
    const height = u32be(bytes, at + 4) >>> 16;
    if (width === 0 || height === 0) continue;
    if (!ascii(bytes, moov.start, moov.end - moov.start).includes("av01")) {
      throw unsupported2("HEIF image sequences are supported only in AV1");
    }
    return {
      format: "avif",
      width,
      height,
      orientation: 1,
      transformed: false,
      cropped: false
    };
  }
  throw corrupt("HEIF sequence has no visual track");
}
function checkHeifStructure(bytes) {
  const top = children(bytes, 0, bytes.length);
  const meta = find(top, "meta");
  if (!meta) return;
  const { byId, idat } = readItems(bytes, meta);
  for (const [id, item] of byId) {
    const limit = item.method === 1 ? idat ? idat.end - idat.start : 0 : item.method === 0 ? bytes.length : Infinity;
    for (const { offset, length } of item.extents) {
      if (offset + length > limit) {
        throw truncated(`HEIF item ${id} lies past the end of its data`);
      }
    }
  }
}

// packages/core/_lzw.ts
function checkGifLzw(bytes, start2, codeSize, pixels) {
  const clear = 1 << codeSize, end = clear + 1;
  const lengths = new Uint16Array(4096);
  lengths.fill(1, 0, clear);
  let next = end + 1, size = codeSize + 1;
  let previous = -1;
  let produced = 0;
  let bits = 0, held = 0;
  let block = start2, left = bytes[start2], pos = start2 + 1;
  for (; ; ) {
    while (held < size && left > 0) {
      bits |= bytes[pos++] << held;
      held += 8;
      if (--left === 0) {
        block = pos;
        left = bytes[block];
        pos = block + 1;
      }
    }
    if (held < size) break;
    const code = bits & (1 << size) - 1;
    bits >>>= size;
    held -= size;
    if (code === clear) {
      next = end + 1;
      size = codeSize + 1;
      previous = -1;
      continue;
    }
    if (code === end) break;
    if (code > next || code === next && previous < 0 || code === end) {
      throw corrupt(`GIF LZW code ${code} where at most ${next} is defined`);
    }
    const length = code < next ? lengths[code] : lengths[previous] + 1;
    produced += length;
    if (produced > pixels) {
      throw corrupt("GIF frame data makes too many pixels");
    }
    if (previous >= 0 && next < 4096) {
      lengths[next] = lengths[previous] + 1;
      if (++next === 1 << size && size < 12) size++;
    }
    previous = code;
  }
  if (produced < pixels) {
    throw corrupt(`GIF frame data makes ${produced} of its ${pixels} pixels`);
  }
}
function checkTiffLzw(bytes, start2, length, needed) {
  if (length < 2 || bytes[start2] !== 128 || bytes[start2 + 1] & 128) {
    throw corrupt("a TIFF LZW strip does not start with a clear code");
  }
  const end = start2 + length;
  const lengths = new Uint16Array(4096);
  lengths.fill(1, 0, 256);
  let next = 258, size = 9, previous = -1;
  let produced = 0;
  let bits = 0, held = 0, pos = start2;
  for (; ; ) {
    while (held < size && pos < end) {
      bits = (bits << 8 | bytes[pos++]) & 16777215;
      held += 8;
    }
    if (held < size) break;
    const code = bits >>> held - size & (1 << size) - 1;
    held -= size;
    if (code === 256) {
      next = 258;
      size = 9;
      previous = -1;
      continue;
    }
    if (code === 257) break;
    if (code > next || code === next && previous < 0) {
      throw corrupt(`TIFF LZW code ${code} where at most ${next} is defined`);
    }
    produced += code < next ? lengths[code] : lengths[previous] + 1;
    if (previous >= 0 && next < 4096) {
      lengths[next] = lengths[previous] + 1;
      if (++next >= (1 << size) - 1 && size < 12) size++;
    }
    previous = code;
  }
  if (produced < needed) {
    throw corrupt(`a TIFF LZW strip makes ${produced} of its ${needed} bytes`);
  }
}

// packages/core/_gif_header.ts
function isGif(bytes) {
  const magic = ascii(bytes, 0, 6);
  return magic === "GIF87a" || magic === "GIF89a";
}
var MAX_PIXELS_PER_BYTE = 2730;
function parseGifHeader(bytes) {
  if (bytes.length < 13) throw truncated("the GIF header is incomplete");
  const width = u16le(bytes, 6), height = u16le(bytes, 8);
  if (width === 0 || height === 0) {
    throw corrupt(`GIF screen size is ${width}x${height}`);
  }
  return {
    format: "gif",
    width,
    height,
    orientation: 1
  };
}
function skipSubBlocks(bytes, pos) {
  let data = 0;
  for (; ; ) {
    if (pos >= bytes.length) throw truncated("a GIF data block is cut off");
    const size = bytes[pos];
    if (size === 0) return [
      pos + 1,
      data
    ];
    pos += 1 + size;
    data += size;
  }
}
function checkGifStructure(bytes, header) {
  const packed = bytes[10];
  let pos = 13 + (packed & 128 ? 3 << (packed & 7) + 1 : 0);
  let frames = 0;
  for (; ; ) {
    if (pos >= bytes.length) throw truncated("the GIF stops before its end");
    const block = bytes[pos];
    if (block === 59) break;
    if (block === 33) {
      if (pos + 2 > bytes.length) throw truncated("a GIF extension is cut off");
      pos = skipSubBlocks(bytes, pos + 2)[0];
      continue;
    }
    if (block !== 44) {
      throw corrupt(`unknown GIF block 0x${block.toString(16)}`);
    }
    if (pos + 10 > bytes.length) {
      throw truncated("a GIF image descriptor is cut off");
    }
    const x = u16le(bytes, pos + 1), y = u16le(bytes, pos + 3);
    const w = u16le(bytes, pos + 5), h = u16le(bytes, pos + 7);
    const flags = bytes[pos + 9];
    pos += 10 + (flags & 128 ? 3 << (flags & 7) + 1 : 0);
    if (!(flags & 128) && !(packed & 128)) {
      throw corrupt("GIF frame without a colour table");
    }
    if (pos >= bytes.length) throw truncated("a GIF frame is cut off");
    const codeSize = bytes[pos];
    if (codeSize < 2 || codeSize > 8) {
      throw corrupt(`GIF LZW code size ${codeSize}`);
    }
    const [next, data] = skipSubBlocks(bytes, pos + 1);
    if (frames++ === 0) {
      if (w === 0 || h === 0) throw corrupt(`GIF frame size is ${w}x${h}`);
      if (x + w > header.width || y + h > header.height) {
        throw corrupt("the first GIF frame lies outside the screen");
      }
      if (data < Math.floor(w * h / MAX_PIXELS_PER_BYTE)) {
        throw truncated(`${data} bytes cannot hold a ${w}x${h} GIF frame`);
      }
      checkGifLzw(bytes, pos + 1, codeSize, w * h);
    }
    pos = next;
  }
  if (frames === 0) throw corrupt("the GIF has no image");
}

// packages/core/_bmp.ts
function isBmp(bytes) {
  if (bytes[0] !== 66 || bytes[1] !== 77) return false;
  const dib = bytes.length >= 18 ? u32le(bytes, 14) : 40;
  return [
    12,
    16,
    40,
    52,
    56,
    64,
    108,
    124
  ].includes(dib);
}
var DEFAULT_MASKS = {
  16: [
    31744,
    992,
    31,
    0
  ],
  24: [
    16711680,
    65280,
    255,
    0
  ],
  32: [
    16711680,
    65280,
    255,
    0
  ]
};
function parseBmpHeader(bytes) {
  if (bytes.length < 26) throw truncated("the BMP header is incomplete");
  const dataOffset = u32le(bytes, 10);
  const dib = u32le(bytes, 14);
  if (bytes.length < 14 + dib) throw truncated("the BMP header is incomplete");
  let width, height, planes, bits;
  let compression = 0, colours = 0;
  if (dib === 12) {
    width = u16le(bytes, 18);
    height = u16le(bytes, 20);
    planes = u16le(bytes, 22);
    bits = u16le(bytes, 24);
  } else {
    width = i32le(bytes, 18);
    height = i32le(bytes, 22);
    planes = u16le(bytes, 26);
    bits = u16le(bytes, 28);
    if (dib >= 20) compression = u32le(bytes, 30);
    if (dib >= 36) colours = u32le(bytes, 46);
  }
  if (planes !== 1) throw corrupt(`BMP with ${planes} planes`);
  const topDown = height < 0;
  height = Math.abs(height);
  if (width <= 0 || height === 0) {
    throw corrupt(`BMP size is ${width}x${height}`);
  }
  if (compression === 6) compression = 3;
  if (compression > 3) {
    throw new ImageDecodeError("unsupported_format", `BMP compression ${compression} (embedded JPEG/PNG, Huffman) is not supported`);
  }
  const valid = compression === 1 ? bits === 8 : compression === 2 ? bits === 4 : compression === 3 ? bits === 16 || bits === 32 : [
    1,
    4,
    8,
    16,
    24,
    32
  ].includes(bits);
  if (!valid) {
    throw corrupt(`BMP of ${bits} bits with compression ${compression}`);
  }
  if (topDown && compression !== 0 && compression !== 3) {
    throw corrupt("a top-down BMP cannot be run-length coded");
  }
  let masks = DEFAULT_MASKS[bits] ?? [
    0,
    0,
    0,
    0
  ];
  if (compression === 3) {
    const at = 14 + 40;
    const count = dib >= 56 || dib === 40 ? 4 : 3;
    if (bytes.length < at + 4 * count) {
      throw truncated("the BMP colour masks are cut off");
    }
    const read = (i) => i < count ? u32le(bytes, at + 4 * i) : 0;
    masks = [
      read(0),
      read(1),
      read(2),
      dib === 40 ? 0 : read(3)
    ];
    if (!masks[0] && !masks[1] && !masks[2]) {
      throw corrupt("BMP bit-field masks are all zero");
    }
  } else if (dib >= 56 && bits === 32) {
    masks = [
      ...masks.slice(0, 3),
      u32le(bytes, 14 + 52)
    ];
  }
  const paletteEntry = dib === 12 ? 3 : 4;
  const paletteOffset = 14 + dib + (compression === 3 && dib === 40 ? 12 : 0);
  const paletteSize = bits <= 8 ? colours || 1 << bits : 0;
  if (paletteSize > 1 << bits && bits <= 8) {
    throw corrupt(`BMP palette of ${paletteSize} colours for ${bits} bits`);
  }
  if (paletteOffset + paletteSize * paletteEntry > bytes.length) {
    throw truncated("the BMP palette is cut off");
  }
  return {
    format: "bmp",
    width,
    height,
    orientation: 1,
    bitsPerPixel: bits,
    compression,
    topDown,
    dataOffset,
    paletteOffset,
    paletteEntry,
    paletteSize,
    masks
  };
}
function rowBytes(header) {
  return Math.ceil(header.width * header.bitsPerPixel / 32) * 4;
}
function checkBmpStructure(bytes, header) {
  if (header.dataOffset > bytes.length) {
    throw truncated("the BMP pixel data is missing");
  }
  const available = bytes.length - header.dataOffset;
  if (header.compression === 1 || header.compression === 2) {
    if (available < 2) throw truncated("the BMP RLE data is cut off");
    return;
  }
  const needed = rowBytes(header) * header.height;
  if (available < needed) {
    throw truncated(`the BMP pixel data needs ${needed} bytes, ${available} remain`);
  }
}
function over(c, a) {
  return (c * a + 255 * (255 - a) + 127) / 255 | 0;
}
function readPalette(bytes, header) {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < header.paletteSize; i++) {
    const at = header.paletteOffset + i * header.paletteEntry;
    lut[i * 3] = bytes[at + 2];
    lut[i * 3 + 1] = bytes[at + 1];
    lut[i * 3 + 2] = bytes[at];
  }
  return lut;
}
function field(mask) {
  if (mask === 0) return {
    shift: 0,
    scale: 0
  };
  let shift = 0;
  while ((mask >>> shift & 1) === 0) shift++;
  const max = mask >>> shift;
  return {
    shift,
    scale: 255 / max
  };
}
function decodeBmp(bytes, header) {
  const { width, height } = header;
  const out = new Uint8Array(width * height * 3);
  if (header.compression === 1 || header.compression === 2) {
    decodeRle(bytes, header, out);
  } else if (header.bitsPerPixel <= 8) {
    const lut = readPalette(bytes, header);
    const bits = header.bitsPerPixel, mask = (1 << bits) - 1;
    eachRow(header, (row, o) => {
      for (let x = 0; x < width; x++, o += 3) {
        const bit = x * bits;
        const v = bytes[row + (bit >> 3)] >> 8 - bits - (bit & 7) & mask;
        if (v >= header.paletteSize) {
          throw corrupt(`BMP palette index ${v} of ${header.paletteSize}`);
        }
        out[o] = lut[v * 3];
        out[o + 1] = lut[v * 3 + 1];
        out[o + 2] = lut[v * 3 + 2];
      }
    });
  } else if (header.bitsPerPixel === 24) {
    eachRow(header, (row, o) => {
      for (let x = 0; x < width; x++, o += 3, row += 3) {
        out[o] = bytes[row + 2];
        out[o + 1] = bytes[row + 1];
        out[o + 2] = bytes[row];
      }
    });
  } else {
    decodeFields(bytes, header, out);
  }
  return {
    width,
    height,
    data: out
  };
}
function eachRow(header, body) {
  const stride = rowBytes(header);
  for (let y = 0; y < header.height; y++) {
    const upright = header.topDown ? y : header.height - 1 - y;
    body(header.dataOffset + y * stride, upright * header.width * 3);
  }
}
function decodeFields(bytes, header, out) {
  const [r, g, b, a] = header.masks.map(field);
  const wide = header.bitsPerPixel === 32;
  let hasAlpha = false;
  if (a.scale > 0) {
    eachRow(header, (row) => {
      for (let x = 0; x < header.width && !hasAlpha; x++, row += 4) {
        if ((u32le(bytes, row) & header.masks[3]) !== 0) hasAlpha = true;
      }
    });
  }
  eachRow(header, (row, o) => {
    for (let x = 0; x < header.width; x++, o += 3) {
      const v = wide ? u32le(bytes, row) : u16le(bytes, row);
      row += wide ? 4 : 2;
      const rv = Math.round(((v & header.masks[0]) >>> r.shift) * r.scale);
      const gv = Math.round(((v & header.masks[1]) >>> g.shift) * g.scale);
      const bv = Math.round(((v & header.masks[2]) >>> b.shift) * b.scale);
      if (hasAlpha) {
        const av = Math.round(((v & header.masks[3]) >>> a.shift) * a.scale);
        out[o] = over(rv, av);
        out[o + 1] = over(gv, av);
        out[o + 2] = over(bv, av);
      } else {
        out[o] = rv;
        out[o + 1] = gv;
        out[o + 2] = bv;
      }
    }
  });
}
function decodeRle(bytes, header, out) {
  out.fill(255);
  const { width, height } = header;
  const lut = readPalette(bytes, header);
  const four = header.compression === 2;
  let x = 0, y = 0;
  let pos = header.dataOffset;
  const put = (v) => {
    if (x >= width) throw corrupt("a BMP RLE run passes the end of its row");
    if (v >= header.paletteSize) {
      throw corrupt(`BMP palette index ${v} of ${header.paletteSize}`);
    }
    const o = ((height - 1 - y) * width + x++) * 3;
    out[o] = lut[v * 3];
    out[o + 1] = lut[v * 3 + 1];
    out[o + 2] = lut[v * 3 + 2];
  };
  for (; ; ) {
    if (pos + 2 > bytes.length) throw truncated("the BMP RLE data is cut off");
    const count = bytes[pos], value = bytes[pos + 1];
    pos += 2;
    if (count > 0) {
      if (y >= height) throw corrupt("BMP RLE data past the last row");
      for (let i = 0; i < count; i++) {
        put(four ? i & 1 ? value & 15 : value >> 4 : value);
      }
      continue;
    }
    if (value === 0) {
      x = 0;
      y++;
    } else if (value === 1) {
      return;
    } else if (value === 2) {
      if (pos + 2 > bytes.length) {
        throw truncated("the BMP RLE data is cut off");
      }
      x += bytes[pos];
      y += bytes[pos + 1];
      pos += 2;
      if (x > width || y > height) {
        throw corrupt("a BMP RLE delta leaves the image");
      }
    } else {
      const length = four ? Math.ceil(value / 2) : value;
      if (pos + length > bytes.length) {
        throw truncated("the BMP RLE data is cut off");
      }
      if (y >= height) throw corrupt("BMP RLE data past the last row");
      for (let i = 0; i < value; i++) {
        const byte = bytes[pos + (four ? i >> 1 : i)];
        put(four ? i & 1 ? byte & 15 : byte >> 4 : byte);
      }
      pos += length + (length & 1);
    }
  }
}

// packages/core/_tiff_header.ts
function isTiff(bytes) {
  const magic = ascii(bytes, 0, 4);
  return magic === "II*\0" || magic === "MM\0*";
}
var TYPE_SIZES = [
  0,
  1,
  1,
  2,
  4,
  8,
  1,
  1,
  2,
  4,
  8,
  4,
  8,
  4
];
var COMPRESSIONS = /* @__PURE__ */ new Set([
  1,
  5,
  7,
  8,
  32946,
  32773
]);
function unsupported3(message) {
  return new ImageDecodeError("unsupported_format", message);
}
function parseTiffHeader(bytes) {
  if (bytes.length < 8) throw truncated("the TIFF header is incomplete");
  const little = bytes[0] === 73;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at) => view.getUint16(at, little);
  const u32 = (at) => view.getUint32(at, little);
  const ifd = u32(4);
  if (ifd < 8) throw corrupt(`TIFF directory at offset ${ifd}`);
  if (ifd + 2 > bytes.length) throw truncated("the TIFF directory is missing");
  const count = u16(ifd);
  if (ifd + 2 + count * 12 > bytes.length) {
    throw truncated("the TIFF directory is cut off");
  }
  const tags = {};
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    const tag = u16(entry), type = u16(entry + 2), n = u32(entry + 4);
    const size = TYPE_SIZES[type] ?? 0;
    if (size === 0) continue;
    const total = n * size;
    const at = total <= 4 ? entry + 8 : u32(entry + 8);
    if (at + total > bytes.length) {
      throw truncated(`TIFF tag ${tag} points past the end of the file`);
    }
    tags[`t${tag}`] = readValues(bytes, view, little, type, at, n);
  }
  const width = first(tags, 256), height = first(tags, 257);
  if (!width || !height) throw corrupt(`TIFF size is ${width}x${height}`);
  const orientation = first(tags, 274) ?? 1;
  return {
    format: "tiff",
    width,
    height,
    orientation: orientation >= 1 && orientation <= 8 ? orientation : 1,
    littleEndian: little,
    tags
  };
}
function readValues(bytes, view, little, type, at, n) {
  switch (type) {
    case 1:
    case 6:
    case 7:
      return bytes.subarray(at, at + n);
    case 2:
      return [
        ascii(bytes, at, Math.max(0, n - 1))
      ];
    case 3:
    case 8:
      return Array.from({
        length: n
      }, (_, k) => view.getUint16(at + 2 * k, little));
    case 4:
    case 9:
    case 13:
      return Array.from({
        length: n
      }, (_, k) => view.getUint32(at + 4 * k, little));
    default:
      return [];
  }
}
function first(tags, tag) {
  const values = tags[`t${tag}`];
  return values && typeof values[0] === "number" ? values[0] : void 0;
}
function numbers(tags, tag) {
  const values = tags[`t${tag}`];
  return Array.isArray(values) && typeof values[0] === "number" ? values : [];
}
var MAX_RATIO = {
  1: 1,
  5: 2730,
  8: 1100,
  32946: 1100,
  32773: 64
};
function checkTiffStructure(bytes, header) {
  const { tags, width, height } = header;
  const compression = first(tags, 259) ?? 1;
  const photometric = first(tags, 262) ?? 1;
  const bits = numbers(tags, 258).length ? numbers(tags, 258) : [
    1
  ];
  const samples = first(tags, 277) ?? 1;
  const depth = bits[0];
  if (!COMPRESSIONS.has(compression)) {
    throw unsupported3(`TIFF compression ${compression} is not supported`);
  }
  if ((first(tags, 284) ?? 1) !== 1) {
    throw unsupported3("planar (separate-plane) TIFF is not supported");
  }
  if ((first(tags, 339) ?? 1) !== 1) {
    throw unsupported3("TIFF with other than unsigned integer samples");
  }
  if (bits.some((b) => b !== depth) || ![
    1,
    2,
    4,
    8,
    16
  ].includes(depth)) {
    throw unsupported3(`TIFF with ${bits.join("/")} bits per sample`);
  }
  const colours = {
    0: 1,
    1: 1,
    2: 3,
    3: 1,
    5: 4
  };
  const base = compression === 7 && photometric === 6 ? 3 : colours[photometric];
  if (base === void 0) {
    throw unsupported3(`TIFF photometric interpretation ${photometric}`);
  }
  if (samples < base || samples > base + 1 || depth < 8 && samples !== 1) {
    throw unsupported3(`TIFF with ${samples} samples of ${depth} bits`);
  }
  if (photometric === 3) {
    if (depth > 8) throw corrupt(`TIFF palette image of ${depth} bits`);
    if (numbers(tags, 320).length !== 3 << depth) {
      throw corrupt("TIFF palette image without a full colour map");
    }
  }
  if (photometric === 5 && depth !== 8) {
    throw unsupported3(`CMYK TIFF of ${depth} bits`);
  }
  const tiled2 = tags.t322 !== void 0;
  const offsets = numbers(tags, tiled2 ? 324 : 273);
  const counts = numbers(tags, tiled2 ? 325 : 279);
  let pieces, pieceBytes;
  const rowBytes3 = (w) => Math.ceil(w * depth * samples / 8);
  if (tiled2) {
    const tw = first(tags, 322) ?? 0, th = first(tags, 323) ?? 0;
    if (!tw || !th || tw % 16 || th % 16) {
      throw corrupt(`TIFF tile size ${tw}x${th}`);
    }
    pieces = Math.ceil(width / tw) * Math.ceil(height / th);
    pieceBytes = rowBytes3(tw) * th;
  } else {
    const rows2 = Math.min(first(tags, 278) ?? height, height) || height;
    pieces = Math.ceil(height / rows2);
    pieceBytes = rowBytes3(width) * rows2;
  }
  if (offsets.length < pieces || counts.length !== offsets.length) {
    throw corrupt(`TIFF has ${offsets.length} data pieces and ${counts.length} sizes; ${pieces} needed`);
  }
  let total = 0;
  for (let i = 0; i < pieces; i++) {
    if (offsets[i] + counts[i] > bytes.length) {
      throw truncated(`TIFF data piece ${i} lies past the end of the file`);
    }
    if (compression === 1 && counts[i] < pieceBytes && i < pieces - 1) {
      throw truncated(`TIFF data piece ${i} is short`);
    }
    total += counts[i];
  }
  if (compression === 5) {
    for (let i = 0; i < pieces; i++) {
      const rows2 = tiled2 ? 0 : pieceBytes / rowBytes3(width);
      const needed = tiled2 || i < pieces - 1 ? pieceBytes : rowBytes3(width) * (height - rows2 * (pieces - 1));
      checkTiffLzw(bytes, offsets[i], counts[i], needed);
    }
  }
  const raw = rowBytes3(width) * height;
  const ratio = MAX_RATIO[compression];
  if (ratio && total < raw / ratio) {
    throw truncated(`${total} bytes of TIFF data cannot hold ${width}x${height} pixels`);
  }
  return {
    depth,
    samples,
    photometric
  };
}

// packages/core/_header.ts
var PNG_SIGNATURE = [
  137,
  80,
  78,
  71,
  13,
  10,
  26,
  10
];
var JPEG_SIGNATURE = [
  255,
  216,
  255
];
var PREFIXES = [
  JPEG_SIGNATURE,
  PNG_SIGNATURE,
  [
    71,
    73,
    70,
    56,
    57,
    97
  ],
  [
    66,
    77
  ],
  [
    82,
    73,
    70,
    70
  ],
  [
    73,
    73,
    42,
    0
  ],
  [
    77,
    77,
    0,
    42
  ]
];
function isPrefixOf(bytes, signature) {
  return bytes.length > 0 && bytes.length < signature.length && bytes.every((b, i) => b === signature[i]);
}
function otherFormat(bytes) {
  if (ascii(bytes, 4, 8) === "ftypjxl " || ascii(bytes, 4, 4) === "JXL ") {
    return "JPEG XL";
  }
  if (bytes[0] === 255 && bytes[1] === 10) return "JPEG XL";
  if (ascii(bytes, 4, 4) === "ftyp") return "this ISOBMFF brand";
  if (ascii(bytes, 0, 4) === "II+\0" || ascii(bytes, 0, 4) === "MM\0+") {
    return "BigTIFF";
  }
  if (ascii(bytes, 0, 4) === "%PDF") return "PDF";
  return void 0;
}
function sniffFormat(bytes) {
  if (startsWith(bytes, JPEG_SIGNATURE)) return "jpeg";
  if (startsWith(bytes, PNG_SIGNATURE)) return "png";
  if (isWebp(bytes)) return "webp";
  if (isGif(bytes)) return "gif";
  if (isTiff(bytes)) return "tiff";
  if (isBmp(bytes)) return "bmp";
  if (isHeif(bytes)) return "heic";
  if (PREFIXES.some((signature) => isPrefixOf(bytes, signature))) {
    throw new ImageDecodeError("truncated_image", `image data ends after ${bytes.length} byte(s), inside the file signature`);
  }
  if (bytes.length < 16 && (ascii(bytes, 0, 4) === "RIFF" || ascii(bytes, 4, 4) === "ftyp")) {
    throw truncated(`${bytes.length} bytes hold no complete image header`);
  }
  if (bytes.length === 0) {
    throw new ImageDecodeError("unsupported_format", "no image data: the input is empty");
  }
  const other = otherFormat(bytes);
  throw new ImageDecodeError("unsupported_format", other ? `${other} images are not supported` : "not an image format we decode (unrecognised file signature)");
}
function parseHeader(bytes) {
  switch (sniffFormat(bytes)) {
    case "jpeg":
      return parseJpegHeader(bytes);
    case "png":
      return parsePngHeader(bytes);
    case "webp":
      return parseWebpHeader(bytes);
    case "gif":
      return parseGifHeader(bytes);
    case "tiff":
      return parseTiffHeader(bytes);
    case "bmp":
      return parseBmpHeader(bytes);
    default:
      return parseHeifHeader(bytes);
  }
}
function checkStructure(bytes, header) {
  switch (header.format) {
    case "jpeg":
      checkJpegStructure(bytes, header);
      return {
        header
      };
    case "png":
      return {
        header,
        compact: checkPngStructure(bytes, header)
      };
    case "webp":
      return {
        header: parseWebpHeader(bytes, true)
      };
    case "gif":
      checkGifStructure(bytes, header);
      return {
        header
      };
    case "tiff":
      return {
        header,
        layout: checkTiffStructure(bytes, header)
      };
    case "bmp":
      checkBmpStructure(bytes, header);
      return {
        header
      };
    default:
      checkHeifStructure(bytes);
      return {
        header
      };
  }
}

// packages/core/_jpeg_huffman.ts
var LOOKUP_BITS = 9;
var FAST_AC_BITS = 10;
var SKIP_BITS = 12;
var SKIP = {
  /** Bits of the first symbol (code and value): `entry & 31`. */
  firstBits: 31,
  /** Shift of the bits of both symbols. */
  bothShift: 5,
  /** Shift of the first symbol's advance in coefficients (0 for EOB). */
  firstAdvanceShift: 10,
  /** Shift of the second symbol's advance. */
  secondAdvanceShift: 17,
  firstEob: 1 << 24,
  secondEob: 1 << 25,
  hasSecond: 1 << 26
};
function buildHuffmanTable(counts, values, isDc) {
  const lookup = new Int32Array(1 << LOOKUP_BITS);
  const maxCode = new Int32Array(18).fill(-1);
  const valueOffset = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    const n = counts[length - 1];
    valueOffset[length] = k - code;
    for (let i = 0; i < n; i++, code++, k++) {
      if (length <= LOOKUP_BITS) {
        const shift = LOOKUP_BITS - length;
        lookup.fill(length << 8 | values[k], code << shift, code + 1 << shift);
      }
    }
    if (n > 0) maxCode[length] = code - 1;
    if (code >= 1 << length) {
      throw corrupt(`a Huffman table's codes of ${length} bits overflow`);
    }
    code <<= 1;
  }
  maxCode[17] = 2147483647;
  if (isDc) {
    for (const symbol of values) {
      if (symbol > 15) {
        throw corrupt(`a DC Huffman table holds the symbol ${symbol}`);
      }
    }
  }
  return {
    lookup,
    maxCode,
    valueOffset,
    values
  };
}
function codeAt(table, bits, available) {
  for (let length = 1; length <= Math.min(16, available); length++) {
    const code = bits >>> available - length;
    if (code <= table.maxCode[length]) {
      return {
        length,
        symbol: table.values[code + table.valueOffset[length]]
      };
    }
  }
  return void 0;
}
function fastAcTable(table) {
  const out = new Int32Array(1 << FAST_AC_BITS);
  for (let window = 0; window < out.length; window++) {
    const found = codeAt(table, window, FAST_AC_BITS);
    if (!found) continue;
    const size = found.symbol & 15;
    const total = found.length + size;
    if (size === 0 || total > FAST_AC_BITS) continue;
    let value = window >>> FAST_AC_BITS - total & (1 << size) - 1;
    if (value < 1 << size - 1) value += 1 - (1 << size);
    out[window] = value << 16 | found.symbol >> 4 << 8 | total;
  }
  return out;
}
function skipOne(table, bits, available) {
  const found = codeAt(table, bits, available);
  if (!found) return void 0;
  const run = found.symbol >> 4, size = found.symbol & 15;
  const total = found.length + size;
  if (total > available) return void 0;
  if (size === 0) {
    return run === 15 ? {
      bits: total,
      advance: 16,
      eob: false
    } : {
      bits: total,
      advance: 0,
      eob: true
    };
  }
  return {
    bits: total,
    advance: run + 1,
    eob: false
  };
}
function skipTable(table) {
  const out = new Int32Array(1 << SKIP_BITS);
  const mask = (1 << SKIP_BITS) - 1;
  for (let window = 0; window <= mask; window++) {
    const first2 = skipOne(table, window, SKIP_BITS);
    if (!first2) continue;
    let entry = first2.bits | first2.advance << SKIP.firstAdvanceShift | (first2.eob ? SKIP.firstEob : 0);
    const rest = SKIP_BITS - first2.bits;
    const second = first2.eob || rest === 0 ? void 0 : skipOne(table, window & (1 << rest) - 1, rest);
    if (second) {
      entry |= first2.bits + second.bits << SKIP.bothShift | second.advance << SKIP.secondAdvanceShift | (second.eob ? SKIP.secondEob : 0) | SKIP.hasSecond;
    }
    out[window] = entry;
  }
  return out;
}

// packages/core/_jpeg_baseline.ts
var DQT = 219;
var DHT = 196;
var SOF0 = 192;
var SOF1 = 193;
var APP14 = 238;
var EOI2 = 217;
function readDqt(bytes, body, end, s) {
  let p = body;
  while (p < end) {
    const precision = bytes[p] >> 4, id = bytes[p] & 15;
    const size = precision ? 128 : 64;
    if (precision > 1 || id > 3 || p + 1 + size > end) {
      throw corrupt("a malformed JPEG quantisation table (DQT)");
    }
    const table = new Int32Array(64);
    for (let i = 0; i < 64; i++) {
      table[i] = precision ? u16be(bytes, p + 1 + 2 * i) : bytes[p + 1 + i];
    }
    s.quant[id] = table;
    p += 1 + size;
  }
}
function readDht(bytes, body, end, s) {
  let p = body;
  while (p < end) {
    const tableClass = bytes[p] >> 4, id = bytes[p] & 15;
    if (tableClass > 1 || id > 3 || p + 17 > end) {
      throw corrupt("a malformed JPEG Huffman table (DHT)");
    }
    const counts = bytes.subarray(p + 1, p + 17);
    const n = counts.reduce((sum, count) => sum + count, 0);
    if (n > 256 || p + 17 + n > end) {
      throw corrupt("a JPEG Huffman table (DHT) longer than its segment");
    }
    const values = bytes.slice(p + 17, p + 17 + n);
    (tableClass ? s.ac : s.dc)[id] = buildHuffmanTable(counts, values, tableClass === 0);
    p += 17 + n;
  }
}
function readSegments(bytes, header) {
  const s = {
    quant: [],
    dc: [],
    ac: [],
    frameQuant: [],
    frameIds: [],
    sofMarker: 0,
    adobeTransform: -1
  };
  let m = markerAt(bytes, 2);
  while (m - 1 < header.headerEnd) {
    const marker = bytes[m];
    if (isStandalone(marker)) {
      m = markerAt(bytes, m + 1);
      continue;
    }
    const length = u16be(bytes, m + 1);
    const body = m + 3, end = m + 1 + length;
    if (marker === DQT) readDqt(bytes, body, end, s);
    else if (marker === DHT) readDht(bytes, body, end, s);
    else if (marker === SOF0 || marker === SOF1 || marker === 194) {
      s.sofMarker = marker;
      for (let c = 0; c < bytes[body + 5]; c++) {
        s.frameIds.push(bytes[body + 6 + 3 * c]);
        s.frameQuant.push(bytes[body + 8 + 3 * c]);
      }
    } else if (marker === APP14 && length >= 14 && ascii(bytes, body, 5) === "Adobe") {
      s.adobeTransform = bytes[body + 11];
    }
    m = markerAt(bytes, end);
  }
  return s;
}
function markerAt(bytes, pos) {
  const m = nextMarker(bytes, pos);
  if (m < 0) throw truncated("the JPEG stream stops before EOI");
  if (bytes[pos] !== 255) {
    throw corrupt(`${m - 1 - pos} extraneous bytes before a JPEG marker`);
  }
  if (!known(bytes[m])) {
    throw corrupt(`unsupported JPEG marker 0xFF${hex(bytes[m])}`);
  }
  return m;
}
function known(marker) {
  return marker === 1 || marker >= SOF0 && marker <= 194 || marker === DHT || marker === 204 || marker >= 208 && marker <= 221 || marker >= 224 && marker <= 239 || marker === 254;
}
function checkTrailer(bytes, m) {
  while (bytes[m] !== EOI2) {
    if (isStandalone(bytes[m])) {
      m = markerAt(bytes, m + 1);
      continue;
    }
    m = markerAt(bytes, m + 1 + u16be(bytes, m + 1));
  }
}
function supportedSampling(header) {
  if (header.components === 1) return true;
  const [y, cb, cr] = header.frame;
  const chromaFull = cb.h === 1 && cb.v === 1 && cr.h === 1 && cr.v === 1;
  const lumaOk = y.h === 1 && y.v === 1 || y.h === 2 && y.v === 1 || y.h === 2 && y.v === 2;
  return chromaFull && lumaOk;
}
function planBaseline(bytes, header, scans) {
  if (header.progressive || scans !== 1) return void 0;
  if (header.components !== 1 && header.components !== 3) return void 0;
  if (!supportedSampling(header)) return void 0;
  const s = readSegments(bytes, header);
  if (s.sofMarker !== SOF0 && s.sofMarker !== SOF1) return void 0;
  const rgbIds = s.frameIds.join() === "82,71,66";
  if (header.components === 3 && (s.adobeTransform === 0 || rgbIds)) {
    return void 0;
  }
  const sos = header.headerEnd + 1;
  const length = u16be(bytes, sos + 1);
  const count = bytes[sos + 3];
  const tail = sos + 4 + 2 * count;
  if (count !== header.components || bytes[tail] !== 0 || bytes[tail + 1] !== 63 || bytes[tail + 2] !== 0) {
    return void 0;
  }
  const components = [];
  for (let i = 0; i < count; i++) {
    const id = bytes[sos + 4 + 2 * i];
    const tables = bytes[sos + 5 + 2 * i];
    if (id !== s.frameIds[i]) return void 0;
    const quant = s.quant[s.frameQuant[i]];
    const dc = s.dc[tables >> 4], ac = s.ac[tables & 15];
    if (!quant) {
      throw corrupt(`JPEG quantisation table ${s.frameQuant[i]} is missing`);
    }
    if (!dc || !ac) {
      throw corrupt(`a Huffman table of JPEG component ${id} is missing`);
    }
    const single = count === 1;
    components.push({
      h: single ? 1 : header.frame[i].h,
      v: single ? 1 : header.frame[i].v,
      quant,
      dc,
      ac
    });
  }
  const mcuWidth = 8 * components[0].h, mcuHeight = 8 * components[0].v;
  return {
    width: header.width,
    height: header.height,
    components,
    mcuWidth,
    mcuHeight,
    mcusX: Math.ceil(header.width / mcuWidth),
    mcusY: Math.ceil(header.height / mcuHeight),
    restartInterval: header.restartInterval,
    scanStart: sos + 1 + length
  };
}

// packages/core/_orient.ts
function steps(w, h, orientation) {
  const swap = orientation >= 5 && orientation <= 8;
  const outW = swap ? h : w;
  const outH = swap ? w : h;
  let base, stepX, stepY;
  switch (orientation) {
    case 2:
      base = w - 1, stepX = -1, stepY = outW;
      break;
    case 3:
      base = (h - 1) * outW + w - 1, stepX = -1, stepY = -outW;
      break;
    case 4:
      base = (h - 1) * outW, stepX = 1, stepY = -outW;
      break;
    case 5:
      base = 0, stepX = outW, stepY = 1;
      break;
    case 6:
      base = h - 1, stepX = outW, stepY = -1;
      break;
    case 7:
      base = (w - 1) * outW + h - 1, stepX = -outW, stepY = -1;
      break;
    case 8:
      base = (w - 1) * outW, stepX = -outW, stepY = 1;
      break;
    default:
      base = 0, stepX = 1, stepY = outW;
  }
  return {
    outW,
    outH,
    base,
    stepX,
    stepY
  };
}
function applyOrientation(stored, orientation) {
  if (orientation <= 1 || orientation > 8) return stored;
  const w = stored.width, h = stored.height, src = stored.data;
  const { outW, outH, base, stepX, stepY } = steps(w, h, orientation);
  const out = new Uint8Array(src.length);
  for (let y = 0, s = 0; y < h; y++) {
    let d = base + y * stepY;
    for (let x = 0; x < w; x++, s += 3, d += stepX) {
      const o = d * 3;
      out[o] = src[s];
      out[o + 1] = src[s + 1];
      out[o + 2] = src[s + 2];
    }
  }
  return {
    width: outW,
    height: outH,
    data: out
  };
}
function rgbaToUprightRgb(w, h, rgba, orientation) {
  const { outW, outH, base, stepX, stepY } = steps(w, h, orientation);
  const out = new Uint8Array(w * h * 3);
  for (let y = 0, s = 0; y < h; y++) {
    let d = base + y * stepY;
    for (let x = 0; x < w; x++, s += 4, d += stepX) {
      const o = d * 3;
      const a = rgba[s + 3];
      if (a === 255) {
        out[o] = rgba[s];
        out[o + 1] = rgba[s + 1];
        out[o + 2] = rgba[s + 2];
      } else {
        const white = 255 * (255 - a) + 127;
        out[o] = (rgba[s] * a + white) / 255 | 0;
        out[o + 1] = (rgba[s + 1] * a + white) / 255 | 0;
        out[o + 2] = (rgba[s + 2] * a + white) / 255 | 0;
      }
    }
  }
  return {
    width: outW,
    height: outH,
    data: out
  };
}

// packages/core/_jpeg_scan.ts
var SCAN_PADDING = 2048;
var RST0 = 208;
var RST7 = 215;
function readScanData(bytes, start2) {
  const out = new Uint8Array(bytes.length - start2 + SCAN_PADDING);
  const starts2 = [
    0
  ];
  let o = 0;
  let p = start2;
  for (; ; ) {
    const q = bytes.indexOf(255, p);
    if (q < 0 || q + 1 >= bytes.length) {
      throw corrupt("the JPEG scan has no end marker");
    }
    out.set(bytes.subarray(p, q), o);
    o += q - p;
    const next = bytes[q + 1];
    if (next === 0) {
      out[o++] = 255;
      p = q + 2;
    } else if (next === 255) {
      p = q + 1;
    } else if (next >= RST0 && next <= RST7) {
      starts2.push(o);
      p = q + 2;
    } else {
      p = q + 1;
      break;
    }
  }
  starts2.push(o);
  return {
    data: out.subarray(0, o + SCAN_PADDING),
    intervals: Int32Array.from(starts2),
    end: p
  };
}
function checkIntervals(jpeg, scan) {
  const mcus = jpeg.mcusX * jpeg.mcusY;
  const expected = jpeg.restartInterval > 0 ? Math.ceil(mcus / jpeg.restartInterval) : 1;
  const found = scan.intervals.length - 1;
  const extraEmpty = found === expected + 1 && scan.intervals[found] === scan.intervals[found - 1];
  if (found !== expected && !extraEmpty) {
    throw corrupt(`the JPEG scan has ${found} restart intervals, ${expected} expected`);
  }
  return expected;
}
function checkIntervalEnd(usedBits, endByte) {
  const endBits = endByte * 8;
  if (usedBits > endBits) {
    throw corrupt("the JPEG scan data end before its last MCU");
  }
  if (endBits - usedBits >= 8) {
    throw corrupt(`${Math.floor((endBits - usedBits) / 8)} extraneous bytes after the MCUs of a JPEG restart interval`);
  }
}
function mcuLayout(jpeg) {
  const { components, mcusX } = jpeg;
  const planeWidth = Int32Array.from(components, (c) => mcusX * c.h);
  const component = [], xs = [], ys = [];
  components.forEach((c, i) => {
    for (let y = 0; y < c.v; y++) {
      for (let x = 0; x < c.h; x++) {
        component.push(i);
        xs.push(x);
        ys.push(y);
      }
    }
  });
  const table = (pick) => component.map((c) => pick(components[c]));
  return {
    blocks: component.length,
    component: Int32Array.from(component),
    x: Int32Array.from(xs),
    y: Int32Array.from(ys),
    planeWidth,
    dcLookup: table((c) => c.dc.lookup),
    dcMax: table((c) => c.dc.maxCode),
    dcOffset: table((c) => c.dc.valueOffset),
    dcValues: table((c) => c.dc.values),
    acLookup: table((c) => c.ac.lookup),
    acMax: table((c) => c.ac.maxCode),
    acOffset: table((c) => c.ac.valueOffset),
    acValues: table((c) => c.ac.values)
  };
}
function readDc(jpeg, scan) {
  const { components, mcusX, mcusY } = jpeg;
  const intervalCount = checkIntervals(jpeg, scan);
  const layout = mcuLayout(jpeg);
  const planes = components.map((c, i) => new Uint8Array(layout.planeWidth[i] * mcusY * c.v));
  const skips = components.map((c) => skipTable(c.ac));
  const nc = components.length;
  const state = {
    jpeg,
    layout,
    data: scan.data,
    intervals: scan.intervals,
    skip: Array.from(layout.component, (c) => skips[c]),
    plane: Array.from(layout.component, (c) => planes[c]),
    quant0: Int32Array.from(components, (c) => c.quant[0]),
    prediction: new Int32Array(nc),
    at: new Int32Array(layout.blocks),
    step: Int32Array.from(layout.component, (c) => components[c].h),
    index: {
      bits: new Int32Array(mcusX * mcusY),
      predictors: new Int32Array(mcusX * mcusY * nc)
    },
    pos: 0,
    acc: 0,
    nbits: 0,
    interval: 0,
    left: jpeg.restartInterval
  };
  for (let my = 0; my < mcusY; my++) readDcRow(state, my);
  checkIntervalEnd(state.pos * 8 - state.nbits, scan.intervals[intervalCount]);
  return {
    planes,
    index: state.index
  };
}
function readDcRow(state, my) {
  const { jpeg, layout, data, intervals, skip, plane, quant0, prediction } = state;
  const { at, step } = state;
  const { mcusX, restartInterval } = jpeg;
  const nc = jpeg.components.length;
  const { blocks, component, dcLookup, dcMax, dcOffset, dcValues } = layout;
  const { acLookup, acMax, acOffset, acValues } = layout;
  const mcuBits = state.index.bits, predictors = state.index.predictors;
  for (let b = 0; b < blocks; b++) {
    const c = component[b];
    const width = layout.planeWidth[c];
    at[b] = (my * jpeg.components[c].v + layout.y[b]) * width + layout.x[b];
  }
  let { pos, acc, nbits, interval, left } = state;
  let endBits = intervals[interval + 1] * 8;
  for (let mx = 0; mx < mcusX; mx++) {
    if (restartInterval > 0) {
      if (left === 0) {
        checkIntervalEnd(pos * 8 - nbits, intervals[interval + 1]);
        interval++;
        pos = intervals[interval];
        endBits = intervals[interval + 1] * 8;
        acc = 0;
        nbits = 0;
        prediction.fill(0);
        left = restartInterval;
      }
      left--;
    }
    const mcu = my * mcusX + mx;
    mcuBits[mcu] = pos * 8 - nbits;
    for (let c = 0; c < nc; c++) predictors[mcu * nc + c] = prediction[c];
    for (let b = 0; b < blocks; b++) {
      const c = component[b];
      while (nbits <= 24) {
        acc = acc << 8 | data[pos++];
        nbits += 8;
      }
      let entry = dcLookup[b][acc >>> nbits - 9 & 511];
      let size;
      if (entry !== 0) {
        nbits -= entry >> 8;
        size = entry & 255;
      } else {
        const max = dcMax[b];
        let length = 10;
        let code = acc >>> nbits - length & (1 << length) - 1;
        while (code > max[length]) {
          length++;
          code = acc >>> nbits - length & (1 << length) - 1;
        }
        if (length > 16) throw corrupt("a bad Huffman code in the JPEG scan");
        nbits -= length;
        size = dcValues[b][code + dcOffset[b][length]];
      }
      if (size !== 0) {
        while (nbits < size) {
          acc = acc << 8 | data[pos++];
          nbits += 8;
        }
        let diff = acc >>> nbits - size & (1 << size) - 1;
        nbits -= size;
        if (diff < 1 << size - 1) diff += 1 - (1 << size);
        prediction[c] += diff;
      }
      const sample = (prediction[c] * quant0[c] + 4 >> 3) + 128;
      plane[b][at[b]] = sample < 0 ? 0 : sample > 255 ? 255 : sample;
      at[b] += step[b];
      const table = skip[b];
      let k = 1;
      while (k < 64) {
        while (nbits <= 24) {
          acc = acc << 8 | data[pos++];
          nbits += 8;
        }
        const f = table[acc >>> nbits - 12 & 4095];
        if (f !== 0) {
          if ((f & 16777216) !== 0) {
            nbits -= f & 31;
            break;
          }
          const advance = f >> 10 & 127;
          if ((f & 67108864) !== 0 && k + advance < 64) {
            nbits -= f >> 5 & 31;
            k += advance;
            if ((f & 33554432) !== 0) break;
            k += f >> 17 & 127;
          } else {
            nbits -= f & 31;
            k += advance;
          }
          continue;
        }
        entry = acLookup[b][acc >>> nbits - 9 & 511];
        let symbol;
        if (entry !== 0) {
          nbits -= entry >> 8;
          symbol = entry & 255;
        } else {
          const max = acMax[b];
          let length = 10;
          let code = acc >>> nbits - length & (1 << length) - 1;
          while (code > max[length]) {
            length++;
            code = acc >>> nbits - length & (1 << length) - 1;
          }
          if (length > 16) {
            throw corrupt("a bad Huffman code in the JPEG scan");
          }
          nbits -= length;
          symbol = acValues[b][code + acOffset[b][length]];
        }
        const run = symbol >> 4, bits = symbol & 15;
        if (bits !== 0) {
          while (nbits < bits) {
            acc = acc << 8 | data[pos++];
            nbits += 8;
          }
          nbits -= bits;
          k += run + 1;
        } else if (run === 15) {
          k += 16;
        } else {
          break;
        }
      }
      if (k > 64) {
        throw corrupt("a run of JPEG coefficients past the end of a block");
      }
    }
    if (pos * 8 - nbits > endBits) {
      throw corrupt("the JPEG scan data end before its last MCU");
    }
  }
  state.pos = pos;
  state.acc = acc;
  state.nbits = nbits;
  state.interval = interval;
  state.left = left;
}

// packages/core/_jpeg_idct.ts
var F0298 = 2446;
var F0390 = 3196;
var F0541 = 4433;
var F0765 = 6270;
var F0899 = 7373;
var F1175 = 9633;
var F1501 = 12299;
var F1847 = 15137;
var F1961 = 16069;
var F2053 = 16819;
var F2562 = 20995;
var F3072 = 25172;
function idctScratch() {
  return {
    columns: new Int32Array(64),
    block: new Uint8Array(64)
  };
}
function clamp(value) {
  return value < 0 ? 0 : value > 255 ? 255 : value;
}
function columns(coef, ws) {
  for (let col = 0; col < 8; col++) {
    if (coef[8 + col] === 0 && coef[16 + col] === 0 && coef[24 + col] === 0 && coef[32 + col] === 0 && coef[40 + col] === 0 && coef[48 + col] === 0 && coef[56 + col] === 0) {
      const dc = coef[col] * 4;
      for (let r = 0; r < 64; r += 8) ws[r + col] = dc;
      continue;
    }
    let z2 = coef[16 + col], z3 = coef[48 + col];
    let z1 = (z2 + z3) * F0541;
    let t2 = z1 - z3 * F1847;
    let t3 = z1 + z2 * F0765;
    z2 = coef[col];
    z3 = coef[32 + col];
    let t0 = (z2 + z3) * 8192;
    let t1 = (z2 - z3) * 8192;
    const e10 = t0 + t3, e13 = t0 - t3, e11 = t1 + t2, e12 = t1 - t2;
    t0 = coef[56 + col];
    t1 = coef[40 + col];
    t2 = coef[24 + col];
    t3 = coef[8 + col];
    z1 = t0 + t3;
    z2 = t1 + t2;
    z3 = t0 + t2;
    let z4 = t1 + t3;
    const z5 = (z3 + z4) * F1175;
    t0 *= F0298;
    t1 *= F2053;
    t2 *= F3072;
    t3 *= F1501;
    z1 *= -F0899;
    z2 *= -F2562;
    z3 = z3 * -F1961 + z5;
    z4 = z4 * -F0390 + z5;
    t0 += z1 + z3;
    t1 += z2 + z4;
    t2 += z2 + z3;
    t3 += z1 + z4;
    ws[col] = e10 + t3 + 1024 >> 11;
    ws[56 + col] = e10 - t3 + 1024 >> 11;
    ws[8 + col] = e11 + t2 + 1024 >> 11;
    ws[48 + col] = e11 - t2 + 1024 >> 11;
    ws[16 + col] = e12 + t1 + 1024 >> 11;
    ws[40 + col] = e12 - t1 + 1024 >> 11;
    ws[24 + col] = e13 + t0 + 1024 >> 11;
    ws[32 + col] = e13 - t0 + 1024 >> 11;
  }
}
function rows(ws, out, at, stride) {
  for (let r = 0; r < 64; r += 8, at += stride) {
    if (ws[r + 1] === 0 && ws[r + 2] === 0 && ws[r + 3] === 0 && ws[r + 4] === 0 && ws[r + 5] === 0 && ws[r + 6] === 0 && ws[r + 7] === 0) {
      out.fill(clamp((ws[r] + 16 >> 5) + 128), at, at + 8);
      continue;
    }
    let z2 = ws[r + 2], z3 = ws[r + 6];
    let z1 = (z2 + z3) * F0541;
    let t2 = z1 - z3 * F1847;
    let t3 = z1 + z2 * F0765;
    let t0 = (ws[r] + ws[r + 4]) * 8192;
    let t1 = (ws[r] - ws[r + 4]) * 8192;
    const e10 = t0 + t3, e13 = t0 - t3, e11 = t1 + t2, e12 = t1 - t2;
    t0 = ws[r + 7];
    t1 = ws[r + 5];
    t2 = ws[r + 3];
    t3 = ws[r + 1];
    z1 = t0 + t3;
    z2 = t1 + t2;
    z3 = t0 + t2;
    let z4 = t1 + t3;
    const z5 = (z3 + z4) * F1175;
    t0 *= F0298;
    t1 *= F2053;
    t2 *= F3072;
    t3 *= F1501;
    z1 *= -F0899;
    z2 *= -F2562;
    z3 = z3 * -F1961 + z5;
    z4 = z4 * -F0390 + z5;
    t0 += z1 + z3;
    t1 += z2 + z4;
    t2 += z2 + z3;
    t3 += z1 + z4;
    out[at] = clamp((e10 + t3 + 131072 >> 18) + 128);
    out[at + 7] = clamp((e10 - t3 + 131072 >> 18) + 128);
    out[at + 1] = clamp((e11 + t2 + 131072 >> 18) + 128);
    out[at + 6] = clamp((e11 - t2 + 131072 >> 18) + 128);
    out[at + 2] = clamp((e12 + t1 + 131072 >> 18) + 128);
    out[at + 5] = clamp((e12 - t1 + 131072 >> 18) + 128);
    out[at + 3] = clamp((e13 + t0 + 131072 >> 18) + 128);
    out[at + 4] = clamp((e13 - t0 + 131072 >> 18) + 128);
  }
}
function idctBlock(coef, dcOnly, reduce, out, at, stride, scratch2) {
  if (dcOnly) {
    const side = 8 / reduce;
    const value = clamp((coef[0] + 4 >> 3) + 128);
    for (let y = 0; y < side; y++, at += stride) {
      out.fill(value, at, at + side);
    }
    return;
  }
  columns(coef, scratch2.columns);
  if (reduce === 1) {
    rows(scratch2.columns, out, at, stride);
    return;
  }
  const b = scratch2.block;
  rows(scratch2.columns, b, 0, 8);
  if (reduce === 2) {
    for (let p = 0; p < 64; p += 16, at += stride) {
      out[at] = b[p] + b[p + 1] + b[p + 8] + b[p + 9] + 2 >> 2;
      out[at + 1] = b[p + 2] + b[p + 3] + b[p + 10] + b[p + 11] + 2 >> 2;
      out[at + 2] = b[p + 4] + b[p + 5] + b[p + 12] + b[p + 13] + 2 >> 2;
      out[at + 3] = b[p + 6] + b[p + 7] + b[p + 14] + b[p + 15] + 2 >> 2;
    }
    return;
  }
  for (let p = 0; p < 64; p += 32, at += stride) {
    for (let x = 0; x < 2; x++) {
      let sum = 0;
      for (let q = p + 4 * x; q < p + 32; q += 8) {
        sum += b[q] + b[q + 1] + b[q + 2] + b[q + 3];
      }
      out[at + x] = sum + 8 >> 4;
    }
  }
}

// packages/core/_jpeg_blocks.ts
var ZIGZAG = Int32Array.from([
  0,
  1,
  8,
  16,
  9,
  2,
  3,
  10,
  17,
  24,
  32,
  25,
  18,
  11,
  4,
  5,
  12,
  19,
  26,
  33,
  40,
  48,
  41,
  34,
  27,
  20,
  13,
  6,
  7,
  14,
  21,
  28,
  35,
  42,
  49,
  56,
  57,
  50,
  43,
  36,
  29,
  22,
  15,
  23,
  30,
  37,
  44,
  51,
  58,
  59,
  52,
  45,
  38,
  31,
  39,
  46,
  53,
  60,
  61,
  54,
  47,
  55,
  62,
  63
]);
function decodeMcus(jpeg, layout, scan, index, rect, reduce) {
  const side = 8 / reduce;
  const { components } = jpeg;
  const widths = components.map((c) => (rect.x1 - rect.x0) * c.h * side);
  const heights = components.map((c) => (rect.y1 - rect.y0) * c.v * side);
  const planes = components.map((_, i) => new Uint8Array(widths[i] * heights[i]));
  const fast = components.map((c) => fastAcTable(c.ac));
  const state = {
    jpeg,
    layout,
    index,
    data: scan.data,
    fastAc: Array.from(layout.component, (c) => fast[c]),
    quant: Array.from(layout.component, (c) => components[c].quant),
    plane: Array.from(layout.component, (c) => planes[c]),
    stride: Int32Array.from(layout.component, (c) => widths[c]),
    reduce,
    rect,
    prediction: new Int32Array(components.length),
    coef: new Int32Array(64),
    scratch: idctScratch()
  };
  for (let my = rect.y0; my < rect.y1; my++) decodeRow(state, my);
  return {
    planes,
    widths,
    heights
  };
}
function pastTheEnd() {
  return corrupt("a run of JPEG coefficients past the end of a block");
}
function decodeRow(state, my) {
  const { jpeg, layout, index, data, fastAc, quant, plane, stride } = state;
  const { reduce, rect, prediction, coef, scratch: scratch2 } = state;
  const { mcusX, restartInterval, components } = jpeg;
  const nc = components.length;
  const { blocks, component, dcLookup, dcMax, dcOffset, dcValues } = layout;
  const { acLookup, acMax, acOffset, acValues } = layout;
  const side = 8 / reduce;
  let pos = 0, acc = 0, nbits = 0;
  for (let mx = rect.x0; mx < rect.x1; mx++) {
    const mcu = my * mcusX + mx;
    if (mx === rect.x0 || restartInterval > 0 && mcu % restartInterval === 0) {
      const bit = index.bits[mcu];
      pos = bit >> 3;
      nbits = 8 - (bit & 7);
      acc = data[pos++] & (1 << nbits) - 1;
      for (let c = 0; c < nc; c++) {
        prediction[c] = index.predictors[mcu * nc + c];
      }
    }
    for (let b = 0; b < blocks; b++) {
      const c = component[b];
      const q = quant[b];
      while (nbits <= 24) {
        acc = acc << 8 | data[pos++];
        nbits += 8;
      }
      let entry = dcLookup[b][acc >>> nbits - 9 & 511];
      let size;
      if (entry !== 0) {
        nbits -= entry >> 8;
        size = entry & 255;
      } else {
        const max = dcMax[b];
        let length = 10;
        let code = acc >>> nbits - length & (1 << length) - 1;
        while (code > max[length]) {
          length++;
          code = acc >>> nbits - length & (1 << length) - 1;
        }
        if (length > 16) throw corrupt("a bad Huffman code in the JPEG scan");
        nbits -= length;
        size = dcValues[b][code + dcOffset[b][length]];
      }
      if (size !== 0) {
        while (nbits < size) {
          acc = acc << 8 | data[pos++];
          nbits += 8;
        }
        let diff = acc >>> nbits - size & (1 << size) - 1;
        nbits -= size;
        if (diff < 1 << size - 1) diff += 1 - (1 << size);
        prediction[c] += diff;
      }
      coef[0] = prediction[c] * q[0];
      const fast = fastAc[b];
      let k = 1;
      let dcOnly = true;
      while (k < 64) {
        while (nbits <= 24) {
          acc = acc << 8 | data[pos++];
          nbits += 8;
        }
        const f = fast[acc >>> nbits - 10 & 1023];
        if (f !== 0) {
          nbits -= f & 255;
          k += f >> 8 & 255;
          if (k > 63) throw pastTheEnd();
          coef[ZIGZAG[k]] = (f >> 16) * q[k];
          dcOnly = false;
          k++;
          continue;
        }
        entry = acLookup[b][acc >>> nbits - 9 & 511];
        let symbol;
        if (entry !== 0) {
          nbits -= entry >> 8;
          symbol = entry & 255;
        } else {
          const max = acMax[b];
          let length = 10;
          let code = acc >>> nbits - length & (1 << length) - 1;
          while (code > max[length]) {
            length++;
            code = acc >>> nbits - length & (1 << length) - 1;
          }
          if (length > 16) {
            throw corrupt("a bad Huffman code in the JPEG scan");
          }
          nbits -= length;
          symbol = acValues[b][code + acOffset[b][length]];
        }
        const run = symbol >> 4, bits = symbol & 15;
        if (bits !== 0) {
          while (nbits < bits) {
            acc = acc << 8 | data[pos++];
            nbits += 8;
          }
          let value = acc >>> nbits - bits & (1 << bits) - 1;
          nbits -= bits;
          if (value < 1 << bits - 1) value += 1 - (1 << bits);
          k += run;
          if (k > 63) throw pastTheEnd();
          coef[ZIGZAG[k]] = value * q[k];
          dcOnly = false;
          k++;
        } else if (run === 15) {
          k += 16;
        } else {
          break;
        }
      }
      if (k > 64) throw pastTheEnd();
      const w = stride[b];
      const blockX = (mx - rect.x0) * components[c].h + layout.x[b];
      const blockY = (my - rect.y0) * components[c].v + layout.y[b];
      idctBlock(coef, dcOnly, reduce, plane[b], blockY * side * w + blockX * side, w, scratch2);
      coef.fill(0);
    }
  }
}

// packages/core/_jpeg_color.ts
var HALF = 1 << 15;
var fix = (x) => Math.round(x * 65536);
var CR_R = new Int32Array(256);
var CB_B = new Int32Array(256);
var CR_G = new Int32Array(256);
var CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = fix(1.402) * x + HALF >> 16;
  CB_B[i] = fix(1.772) * x + HALF >> 16;
  CR_G[i] = -fix(0.71414) * x;
  CB_G[i] = -fix(0.34414) * x + HALF;
}
function clamp2(value) {
  return value < 0 ? 0 : value > 255 ? 255 : value;
}
function upsampleRow(plane, stride, width, height, y, h, v, out) {
  const cy = Math.min(v === 2 ? y >> 1 : y, height - 1);
  const row = cy * stride;
  const last = width - 1;
  if (h === 1) {
    for (let i = 0; i < stride; i++) out[i] = plane[row + Math.min(i, last)];
    return;
  }
  if (v === 1) {
    if (width === 1) {
      out.fill(plane[row], 0, 2 * stride);
      return;
    }
    out[0] = plane[row];
    out[1] = plane[row] * 3 + plane[row + 1] + 2 >> 2;
    for (let i = 1; i < last; i++) {
      const centre = plane[row + i] * 3;
      out[2 * i] = centre + plane[row + i - 1] + 1 >> 2;
      out[2 * i + 1] = centre + plane[row + i + 1] + 2 >> 2;
    }
    out[2 * last] = plane[row + last] * 3 + plane[row + last - 1] + 1 >> 2;
    out.fill(plane[row + last], 2 * last + 1, 2 * stride);
    return;
  }
  const ny = y & 1 ? Math.min(cy + 1, height - 1) : Math.max(cy - 1, 0);
  const near = ny * stride;
  const sum = (i) => plane[row + i] * 3 + plane[near + i];
  let previous = sum(0), current = previous;
  for (let i = 0; i < width; i++) {
    const next = i < last ? sum(i + 1) : current;
    out[2 * i] = current * 3 + previous + 8 >> 4;
    out[2 * i + 1] = current * 3 + next + 7 >> 4;
    previous = current;
    current = next;
  }
  out.fill(out[2 * last + 1], 2 * width, 2 * stride);
}
function planesToRgb(decoded, h, v, chromaWidth, chromaHeight) {
  const { planes, widths, heights } = decoded;
  const width = widths[0], height = heights[0];
  const luma = planes[0];
  const out = new Uint8Array(width * height * 3);
  if (planes.length === 1) {
    for (let i = 0, o = 0; i < luma.length; i++, o += 3) {
      out[o] = out[o + 1] = out[o + 2] = luma[i];
    }
    return {
      width,
      height,
      data: out
    };
  }
  const cw = Math.min(chromaWidth, widths[1]);
  const ch = Math.min(chromaHeight, heights[1]);
  const cb = new Int32Array(widths[1] * h), cr = new Int32Array(widths[2] * h);
  for (let y = 0, o = 0; y < height; y++) {
    upsampleRow(planes[1], widths[1], cw, ch, y, h, v, cb);
    upsampleRow(planes[2], widths[2], cw, ch, y, h, v, cr);
    for (let x = 0, i = y * width; x < width; x++, i++, o += 3) {
      const l = luma[i], b = cb[x], r = cr[x];
      out[o] = clamp2(l + CR_R[r]);
      out[o + 1] = clamp2(l + (CB_G[b] + CR_G[r] >> 16));
      out[o + 2] = clamp2(l + CB_B[b]);
    }
  }
  return {
    width,
    height,
    data: out
  };
}

// packages/core/_jpeg_source.ts
var REDUCTIONS = [
  8,
  4,
  2
];
var WHOLE_SHARE = 0.5;
function storedBox(box, orientation, width, height) {
  const { x, y, width: w, height: h } = box;
  switch (orientation) {
    case 2:
      return {
        x: width - x - w,
        y,
        width: w,
        height: h
      };
    case 3:
      return {
        x: width - x - w,
        y: height - y - h,
        width: w,
        height: h
      };
    case 4:
      return {
        x,
        y: height - y - h,
        width: w,
        height: h
      };
    case 5:
      return {
        x: y,
        y: x,
        width: h,
        height: w
      };
    case 6:
      return {
        x: y,
        y: height - x - w,
        width: h,
        height: w
      };
    case 7:
      return {
        x: width - y - h,
        y: height - x - w,
        width: h,
        height: w
      };
    case 8:
      return {
        x: width - y - h,
        y: x,
        width: h,
        height: w
      };
    default:
      return box;
  }
}
function reductionFor(box, width, height, detail) {
  for (const reduce of REDUCTIONS) {
    if (box.width / reduce >= detail * width && box.height / reduce >= detail * height) {
      return reduce;
    }
  }
  return 1;
}
var JpegSource = class {
  width;
  height;
  #jpeg;
  #orientation;
  #layout;
  #scan;
  #index;
  /** Whole-image decodes by reduction; 8 is the first pass's DC image. */
  #whole = /* @__PURE__ */ new Map();
  /**
   * Runs the first pass: every code of the scan is decoded here, so a
   * damaged file fails now, with the same errors as a full decode.
   */
  constructor(bytes, jpeg, orientation) {
    this.#jpeg = jpeg;
    this.#orientation = orientation;
    const swap = orientation >= 5 && orientation <= 8;
    this.width = swap ? jpeg.height : jpeg.width;
    this.height = swap ? jpeg.width : jpeg.height;
    this.#layout = mcuLayout(jpeg);
    this.#scan = readScanData(bytes, jpeg.scanStart);
    checkTrailer(bytes, this.#scan.end);
    const { planes, index } = readDc(jpeg, this.#scan);
    this.#index = index;
    this.#whole.set(8, this.#rgb({
      planes,
      widths: jpeg.components.map((c) => jpeg.mcusX * c.h),
      heights: jpeg.components.map((c) => jpeg.mcusY * c.v)
    }, {
      x0: 0,
      y0: 0,
      x1: jpeg.mcusX,
      y1: jpeg.mcusY
    }, 8));
  }
  /**
   * The upright `box` (rounded and clipped as `cropImage` does) resampled
   * to `width` × `height`, from the coarsest decode with at least
   * `detail` decoded pixels per output pixel.
   */
  read(box, width, height, detail = 1) {
    assertOutputSize(width, height);
    if (!(detail >= 1 && Number.isFinite(detail))) {
      throw new RangeError(`detail must be a finite number \u2265 1, got ${detail}`);
    }
    const clipped = clipBox(box, this.width, this.height);
    const stored = storedBox(clipped, this.#orientation, this.#jpeg.width, this.#jpeg.height);
    const swap = this.#orientation >= 5 && this.#orientation <= 8;
    const outW = swap ? height : width, outH = swap ? width : height;
    const decoded = this.#decoded(stored, reductionFor(stored, outW, outH, detail));
    const { reduce } = decoded;
    let image;
    if (reduce === 1) {
      const all = stored.width === this.#jpeg.width && stored.height === this.#jpeg.height && decoded.x === 0 && decoded.y === 0 && decoded.image.width === stored.width && decoded.image.height === stored.height;
      const region = all ? decoded.image : cropImage(decoded.image, {
        x: stored.x - decoded.x,
        y: stored.y - decoded.y,
        width: stored.width,
        height: stored.height
      });
      image = resizeImage(region, outW, outH);
    } else {
      const from = decoded.image;
      image = resample(from, areaTable((stored.x - decoded.x) / reduce, stored.width / reduce, from.width, outW), areaTable((stored.y - decoded.y) / reduce, stored.height / reduce, from.height, outH), outW, outH);
    }
    return applyOrientation(image, this.#orientation);
  }
  /**
   * Decoded pixels covering the stored box `box` at 1/`reduce` scale, or
   * finer where a finer whole image is kept.
   */
  #decoded(box, reduce) {
    for (let finer = reduce; finer >= 1; finer >>= 1) {
      const whole = this.#whole.get(finer);
      if (whole) return {
        image: whole,
        reduce: finer,
        x: 0,
        y: 0
      };
    }
    const { mcuWidth, mcuHeight, mcusX, mcusY } = this.#jpeg;
    const rect = {
      x0: Math.max(0, Math.floor(box.x / mcuWidth) - 1),
      y0: Math.max(0, Math.floor(box.y / mcuHeight) - 1),
      x1: Math.min(mcusX, Math.ceil((box.x + box.width) / mcuWidth) + 1),
      y1: Math.min(mcusY, Math.ceil((box.y + box.height) / mcuHeight) + 1)
    };
    const share = (rect.x1 - rect.x0) * (rect.y1 - rect.y0) / (mcusX * mcusY);
    if (share > WHOLE_SHARE) {
      const scale = reduce <= 2 ? 1 : reduce;
      const image = this.#decode({
        x0: 0,
        y0: 0,
        x1: mcusX,
        y1: mcusY
      }, scale);
      this.#whole.set(scale, image);
      return {
        image,
        reduce: scale,
        x: 0,
        y: 0
      };
    }
    return {
      image: this.#decode(rect, reduce),
      reduce,
      x: rect.x0 * mcuWidth,
      y: rect.y0 * mcuHeight
    };
  }
  #decode(rect, reduce) {
    return this.#rgb(decodeMcus(this.#jpeg, this.#layout, this.#scan, this.#index, rect, reduce), rect, reduce);
  }
  /** RGB of the planes of `rect` at 1/`reduce` scale. */
  #rgb(planes, rect, reduce) {
    const { width, height, components } = this.#jpeg;
    const luma = components[0];
    const side = 8 / reduce;
    const inside = (size, sampling, first2) => Math.ceil(Math.ceil(size / sampling) / reduce) - first2 * side;
    return planesToRgb(planes, luma.h, luma.v, inside(width, luma.h, rect.x0), inside(height, luma.v, rect.y0));
  }
};
function clipBox(box, width, height) {
  const { x, y } = box;
  if (![
    x,
    y,
    box.width,
    box.height
  ].every(Number.isFinite)) {
    throw new RangeError(`box must be finite, got ${JSON.stringify(box)}`);
  }
  const x0 = Math.max(0, Math.round(x));
  const y0 = Math.max(0, Math.round(y));
  const x1 = Math.min(width, Math.round(x + box.width));
  const y1 = Math.min(height, Math.round(y + box.height));
  if (x1 <= x0 || y1 <= y0) {
    throw new RangeError(`box ${JSON.stringify(box)} leaves no pixels inside the ${width}x${height} image`);
  }
  return {
    x: x0,
    y: y0,
    width: x1 - x0,
    height: y1 - y0
  };
}

// packages/core/limits.ts
var DECODE_MEMORY_BUDGET = 384 * 2 ** 20;
var DECODE_BYTES_PER_PIXEL = Object.freeze({
  jpeg: 13,
  "jpeg-progressive": 19,
  "jpeg-cmyk": 64,
  png: 15,
  webp: 12,
  avif: 32,
  heic: 16,
  gif: 8,
  bmp: 4,
  tiff: 8
});
var DEFAULT_MAX_PIXELS = 24 * 2 ** 20;
function defaultMaxPixels(kind) {
  return Math.min(DEFAULT_MAX_PIXELS, Math.floor(DECODE_MEMORY_BUDGET / DECODE_BYTES_PER_PIXEL[kind]));
}

// packages/core/_wasm.ts
var CodecError = class extends Error {
  /** Creates the error from the decoder's message. */
  constructor(message, options) {
    super(message, options);
    this.name = "CodecError";
  }
};
function describe(error) {
  if (error instanceof Error) return error.message;
  if (error && typeof error === "object" && "message" in error) {
    return String(error.message);
  }
  return String(error);
}
async function loadWasm(specifier) {
  let url;
  try {
    url = new URL(import.meta.resolve(specifier));
  } catch {
    return void 0;
  }
  if (![
    "file:",
    "http:",
    "https:"
  ].includes(url.protocol)) return void 0;
  let bytes;
  try {
    const response = await fetch(url);
    if (response.ok) bytes = await response.arrayBuffer();
  } catch {
    bytes = void 0;
  }
  if (!bytes && url.protocol === "file:") {
    const getBuiltin = globalThis.process?.getBuiltinModule;
    const fs = getBuiltin?.("node:fs");
    try {
      bytes = fs?.readFileSync(url);
    } catch {
      bytes = void 0;
    }
  }
  if (!bytes) return void 0;
  return await WebAssembly.compile(bytes);
}
var LARGE_IMAGE_PIXELS = 1e6;
var WasmCodec = class {
  #create;
  #reuseUpTo;
  #instance;
  #queue = Promise.resolve();
  /**
   * `create` makes a fresh, initialised instance; one is kept for the next
   * decode after images of at most `reuseUpTo` pixels.
   */
  constructor(create, reuseUpTo = LARGE_IMAGE_PIXELS) {
    this.#create = create;
    this.#reuseUpTo = reuseUpTo;
  }
  /**
   * Runs `decode` on the instance once the decodes before it are done.
   * `pixels` is the image's size, to know whether to replace the instance
   * afterwards.
   */
  run(pixels, decode) {
    const task = async () => {
      this.#instance ??= this.#create();
      let instance;
      try {
        instance = await this.#instance;
      } catch (cause) {
        this.#instance = void 0;
        throw cause;
      }
      let ok = false;
      try {
        const result2 = await decode(instance);
        ok = true;
        return result2;
      } finally {
        if (!ok || pixels > this.#reuseUpTo) this.#instance = void 0;
      }
    };
    const result = this.#queue.then(task, task);
    this.#queue = result.catch(() => void 0);
    return result;
  }
};
function exactBuffer(bytes) {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes.buffer : bytes.slice().buffer;
}

// packages/core/_codec_jpeg.ts
var messages = [];
var compiled;
var mozjpeg = new WasmCodec(async () => {
  const module = await import("@jsquash/jpeg/decode.js");
  compiled ??= loadWasm("@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm");
  const wasm = await compiled;
  const overrides = {
    print: (text) => messages.push(text),
    printErr: (text) => messages.push(text)
  };
  const init = module.init;
  if (wasm) await init(wasm, overrides);
  else await init(overrides);
  return module;
});
function isHarmless(message) {
  return /JFIF revision|Adobe color transform|thumbnail/i.test(message);
}
function decodeJpegMozjpeg(bytes, pixels, orientation) {
  return mozjpeg.run(pixels, async (module) => {
    messages = [];
    let image;
    try {
      image = await module.default(exactBuffer(bytes), {
        preserveOrientation: false
      });
    } catch (cause) {
      throw new CodecError(messages.join("; ") || describe(cause), {
        cause
      });
    }
    const damage = messages.filter((m) => !isHarmless(m));
    if (damage.length > 0) throw new CodecError(damage.join("; "));
    const rgba = image.data;
    return rgbaToUprightRgb(image.width, image.height, rgba, orientation);
  });
}
async function decodeJpegCmyk(bytes, orientation) {
  const { default: jpeg } = await import("jpeg-js");
  let image;
  try {
    const decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: Infinity,
      maxMemoryUsageInMB: Infinity
    });
    image = {
      width: decoded.width,
      height: decoded.height,
      data: decoded.data
    };
  } catch (cause) {
    throw new CodecError(describe(cause), {
      cause
    });
  }
  return applyOrientation(image, orientation);
}

// packages/core/_png.ts
var PngSampleError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "PngSampleError";
  }
};
function over8(c, a) {
  return (c * a + 255 * (255 - a) + 127) / 255 | 0;
}
function over16(c, a) {
  return Math.round((c * a + 65535 * (65535 - a)) / 65535 / 257);
}
function pngSamplesToRgb(png) {
  const { width, height, depth, channels, data, palette } = png;
  const n = width * height;
  const out = new Uint8Array(n * 3);
  const key = png.transparency && png.transparency.length > 0 ? png.transparency : void 0;
  if (depth < 8) {
    if (channels !== 1) {
      throw new PngSampleError(`${depth}-bit samples with ${channels} channels`);
    }
    const rowBytes3 = Math.ceil(width * depth / 8);
    if (data.length < rowBytes3 * height) {
      throw new PngSampleError("too few samples for the image size");
    }
    const mask = (1 << depth) - 1;
    const lut = new Uint8Array(3 << depth);
    const valid = new Uint8Array(1 << depth);
    for (let v = 0; v <= mask; v++) {
      let rgb;
      if (palette) {
        const entry = palette[v];
        if (!entry) continue;
        const a = entry.length > 3 ? entry[3] : 255;
        rgb = [
          over8(entry[0], a),
          over8(entry[1], a),
          over8(entry[2], a)
        ];
      } else {
        const g = v * 255 / mask;
        rgb = key && key[0] === v ? [
          255,
          255,
          255
        ] : [
          g,
          g,
          g
        ];
      }
      lut.set(rgb, v * 3);
      valid[v] = 1;
    }
    for (let y = 0, o = 0; y < height; y++) {
      const row = y * rowBytes3;
      for (let x = 0; x < width; x++, o += 3) {
        const bit = x * depth;
        const v = data[row + (bit >> 3)] >> 8 - depth - (bit & 7) & mask;
        if (!valid[v]) throw new PngSampleError(`palette index ${v} missing`);
        out[o] = lut[v * 3];
        out[o + 1] = lut[v * 3 + 1];
        out[o + 2] = lut[v * 3 + 2];
      }
    }
    return {
      width,
      height,
      data: out
    };
  }
  if (data.length < n * channels) {
    throw new PngSampleError("too few samples for the image size");
  }
  if (palette) {
    if (channels !== 1 || depth !== 8) {
      throw new PngSampleError("palette image with unexpected sample layout");
    }
    const lut = new Uint8Array(256 * 3);
    const valid = new Uint8Array(256);
    palette.forEach((entry, i) => {
      if (i > 255) return;
      const a = entry.length > 3 ? entry[3] : 255;
      lut.set([
        over8(entry[0], a),
        over8(entry[1], a),
        over8(entry[2], a)
      ], i * 3);
      valid[i] = 1;
    });
    for (let i = 0, o = 0; i < n; i++, o += 3) {
      const v = data[i];
      if (!valid[v]) throw new PngSampleError(`palette index ${v} missing`);
      out[o] = lut[v * 3];
      out[o + 1] = lut[v * 3 + 1];
      out[o + 2] = lut[v * 3 + 2];
    }
    return {
      width,
      height,
      data: out
    };
  }
  if (depth === 16) {
    convert16(data, n, channels, key, out);
  } else if (channels === 3 && !key && data instanceof Uint8Array) {
    return {
      width,
      height,
      data: data.length === n * 3 ? data : out
    };
  } else {
    convert8(data, n, channels, key, out);
  }
  return {
    width,
    height,
    data: out
  };
}
function convert8(data, n, channels, key, out) {
  switch (channels) {
    case 1: {
      const k = key ? key[0] : -1;
      for (let i = 0, o = 0; i < n; i++, o += 3) {
        const v = data[i];
        const g = v === k ? 255 : v;
        out[o] = g;
        out[o + 1] = g;
        out[o + 2] = g;
      }
      return;
    }
    case 2:
      for (let i = 0, s = 0, o = 0; i < n; i++, s += 2, o += 3) {
        const a = data[s + 1];
        const g = a === 255 ? data[s] : over8(data[s], a);
        out[o] = g;
        out[o + 1] = g;
        out[o + 2] = g;
      }
      return;
    case 3: {
      const kr = key ? key[0] : -1, kg = key ? key[1] : -1;
      const kb = key ? key[2] : -1;
      for (let i = 0, s = 0, o = 0; i < n; i++, s += 3, o += 3) {
        const r = data[s], g = data[s + 1], b = data[s + 2];
        const hit = r === kr && g === kg && b === kb;
        out[o] = hit ? 255 : r;
        out[o + 1] = hit ? 255 : g;
        out[o + 2] = hit ? 255 : b;
      }
      return;
    }
    case 4:
      for (let i = 0, s = 0, o = 0; i < n; i++, s += 4, o += 3) {
        const a = data[s + 3];
        if (a === 255) {
          out[o] = data[s];
          out[o + 1] = data[s + 1];
          out[o + 2] = data[s + 2];
        } else {
          out[o] = over8(data[s], a);
          out[o + 1] = over8(data[s + 1], a);
          out[o + 2] = over8(data[s + 2], a);
        }
      }
      return;
    default:
      throw new PngSampleError(`unexpected channel count ${channels}`);
  }
}
function convert16(data, n, channels, key, out) {
  const to8 = (v) => Math.round(v / 257);
  switch (channels) {
    case 1:
      for (let i = 0, o = 0; i < n; i++, o += 3) {
        const v = data[i];
        out[o] = out[o + 1] = out[o + 2] = key && key[0] === v ? 255 : to8(v);
      }
      return;
    case 2:
      for (let i = 0, s = 0, o = 0; i < n; i++, s += 2, o += 3) {
        const a = data[s + 1];
        out[o] = out[o + 1] = out[o + 2] = over16(data[s], a);
      }
      return;
    case 3:
      for (let i = 0, s = 0, o = 0; i < n; i++, s += 3, o += 3) {
        const r = data[s], g = data[s + 1], b = data[s + 2];
        const hit = key !== void 0 && key[0] === r && key[1] === g && key[2] === b;
        out[o] = hit ? 255 : to8(r);
        out[o + 1] = hit ? 255 : to8(g);
        out[o + 2] = hit ? 255 : to8(b);
      }
      return;
    case 4:
      for (let i = 0, s = 0, o = 0; i < n; i++, s += 4, o += 3) {
        const a = data[s + 3];
        out[o] = over16(data[s], a);
        out[o + 1] = over16(data[s + 1], a);
        out[o + 2] = over16(data[s + 2], a);
      }
      return;
    default:
      throw new PngSampleError(`unexpected channel count ${channels}`);
  }
}

// packages/core/_codec_png.ts
async function decodePng(bytes, orientation) {
  const { decode } = await import("fast-png");
  let image;
  try {
    image = pngSamplesToRgb(decode(bytes, {
      checkCrc: false
    }));
  } catch (cause) {
    throw new CodecError(describe(cause), {
      cause
    });
  }
  return applyOrientation(image, orientation);
}

// packages/core/_codec_webp.ts
var libwebp = new WasmCodec(async () => {
  const module = await import("@jsquash/webp/decode.js");
  const wasm = await loadWasm("@jsquash/webp/codec/dec/webp_dec.wasm");
  if (wasm) await module.init(wasm);
  return module;
});
function decodeWebp(bytes, header) {
  const { width, height, frame } = header;
  return libwebp.run(width * height, async (module) => {
    let image;
    try {
      image = await module.default(exactBuffer(frame?.still ?? bytes));
    } catch (cause) {
      throw new CodecError(describe(cause), {
        cause
      });
    }
    let rgba = image.data;
    if (frame && (frame.width !== width || frame.height !== height)) {
      rgba = new Uint8ClampedArray(width * height * 4);
      for (let y = 0; y < frame.height; y++) {
        const row = image.data.subarray(y * frame.width * 4, (y + 1) * frame.width * 4);
        rgba.set(row, ((frame.y + y) * width + frame.x) * 4);
      }
    } else if (image.width !== width || image.height !== height) {
      throw new CodecError(`libwebp produced ${image.width}x${image.height} for a ${width}x${height} header`);
    }
    return rgbaToUprightRgb(width, height, rgba, header.orientation);
  });
}

// packages/core/_codec_avif.ts
var libavif = new WasmCodec(async () => {
  const module = await import("@jsquash/avif/decode.js");
  const wasm = await loadWasm("@jsquash/avif/codec/dec/avif_dec.wasm");
  if (wasm) await module.init(wasm);
  return module;
});
function decodeAvif(bytes, header) {
  return libavif.run(header.width * header.height, async (module) => {
    let image;
    try {
      image = await module.default(exactBuffer(bytes), {
        bitDepth: 8
      });
    } catch (cause) {
      throw new CodecError(describe(cause), {
        cause
      });
    }
    if (!image) throw new CodecError("libavif decoded no image");
    return rgbaToUprightRgb(image.width, image.height, image.data, header.orientation);
  });
}

// packages/core/_codec_heif.ts
var libheif = new WasmCodec(async () => {
  const { default: factory } = await import("libheif-js/libheif-wasm/libheif.js");
  const wasm = await loadWasm("libheif-js/libheif-wasm/libheif.wasm");
  return await factory({
    // Instantiate from the module compiled here, so the package never
    // looks for its .wasm through `require("fs")` or the network.
    instantiateWasm: wasm ? (imports, done) => {
      const instance = new WebAssembly.Instance(wasm, imports);
      done(instance);
      return instance.exports;
    } : void 0,
    print: () => {
    },
    printErr: () => {
    }
  });
}, 0);
function decodeHeic(bytes, header) {
  return libheif.run(header.width * header.height, (lh) => {
    const context = lh.heif_context_alloc();
    let handle;
    try {
      const read = lh.heif_context_read_from_memory(context, bytes);
      if (read.code !== lh.heif_error_code.heif_error_Ok) {
        throw new CodecError(read.message);
      }
      handle = lh.heif_js_context_get_primary_image_handle(context);
      const alpha = lh.heif_image_handle_has_alpha_channel(handle) !== 0;
      const decoded = lh.heif_js_decode_image2(handle, lh.heif_colorspace.heif_colorspace_RGB, alpha ? lh.heif_chroma.heif_chroma_interleaved_RGBA : lh.heif_chroma.heif_chroma_interleaved_RGB);
      const plane = decoded.channels?.[0];
      if (!plane) {
        throw new CodecError(decoded.message ?? "libheif decoded no image");
      }
      try {
        const orientation = header.transformed ? 1 : header.orientation;
        return copyPlane(plane, alpha ? 4 : 3, orientation);
      } finally {
        lh.heif_image_release(decoded.image);
      }
    } finally {
      if (handle) lh.heif_image_handle_release(handle);
      lh.heif_context_free(context);
    }
  });
}
function copyPlane(plane, channels, orientation) {
  const { width, height, stride, data } = plane;
  const row = width * channels;
  if (stride < row || data.length < stride * (height - 1) + row) {
    throw new CodecError("libheif returned a plane smaller than its size");
  }
  if (channels === 4) {
    const rgba = stride === row ? data.subarray(0, row * height) : new Uint8Array(row * height);
    if (stride !== row) {
      for (let y = 0; y < height; y++) {
        rgba.set(data.subarray(y * stride, y * stride + row), y * row);
      }
    }
    return rgbaToUprightRgb(width, height, rgba, orientation);
  }
  const rgb = new Uint8Array(row * height);
  for (let y = 0; y < height; y++) {
    rgb.set(data.subarray(y * stride, y * stride + row), y * row);
  }
  return applyOrientation({
    width,
    height,
    data: rgb
  }, orientation);
}

// packages/core/_quiet.ts
function quietly(run) {
  const logged = [];
  const keep = {
    log: console.log,
    warn: console.warn,
    error: console.error
  };
  const collect = (...parts) => {
    logged.push(parts.map(String).join(" "));
  };
  console.log = console.warn = console.error = collect;
  try {
    return {
      result: run(),
      logged
    };
  } finally {
    console.log = keep.log;
    console.warn = keep.warn;
    console.error = keep.error;
  }
}

// packages/core/_codec_gif.ts
async function decodeGif(bytes, header) {
  const { GifReader } = await import("omggif");
  const { width, height } = header;
  const { result, logged } = quietly(() => {
    try {
      const reader = new GifReader(bytes);
      const rgba = new Uint8Array(width * height * 4);
      reader.decodeAndBlitFrameRGBA(0, rgba);
      return rgba;
    } catch (cause) {
      return new CodecError(describe(cause), {
        cause
      });
    }
  });
  if (result instanceof CodecError) throw result;
  if (logged.length > 0) throw new CodecError(logged.join("; "));
  return rgbaToUprightRgb(width, height, result, 1);
}

// packages/core/_codec_tiff.ts
async function checkDeflate(bytes, header, layout) {
  const { tags, width, height } = header;
  const tiled2 = tags.t322 !== void 0;
  const offsets = tags[tiled2 ? "t324" : "t273"];
  const counts = tags[tiled2 ? "t325" : "t279"];
  const rowBytes3 = (w) => Math.ceil(w * layout.depth * layout.samples / 8);
  const rows2 = tiled2 ? first(tags, 323) ?? 0 : first(tags, 278) ?? height;
  const pieceWidth = tiled2 ? first(tags, 322) ?? 0 : width;
  for (let i = 0; i < counts.length; i++) {
    const expected = rowBytes3(pieceWidth) * (tiled2 ? rows2 : Math.min(rows2, height - i * rows2));
    if (expected <= 0) break;
    const piece = bytes.slice(offsets[i], offsets[i] + counts[i]);
    let produced = 0;
    try {
      const stream = new Blob([
        piece
      ]).stream().pipeThrough(new DecompressionStream("deflate"));
      for await (const chunk of stream) produced += chunk.length;
    } catch (cause) {
      throw new CodecError(`TIFF Deflate strip ${i}: ${describe(cause)}`, {
        cause
      });
    }
    if (produced < expected) {
      throw new CodecError(`TIFF Deflate strip ${i} holds ${produced} of its ${expected} bytes`);
    }
  }
}
async function decodeTiff(bytes, header, layout) {
  const compression = first(header.tags, 259);
  if (compression === 8 || compression === 32946) {
    await checkDeflate(bytes, header, layout);
  }
  const { default: utif } = await import("utif2");
  const ifd = {
    ...header.tags
  };
  const { result, logged } = quietly(() => {
    try {
      utif.decodeImage(exactBuffer(bytes), ifd, [
        ifd
      ]);
      return void 0;
    } catch (cause) {
      return new CodecError(describe(cause), {
        cause
      });
    }
  });
  if (result) throw result;
  const data = ifd.data;
  const rows2 = Math.ceil(header.width * layout.depth * layout.samples / 8);
  if (!(data instanceof Uint8Array) || data.length < rows2 * header.height) {
    throw new CodecError(logged.join("; ") || "the TIFF data decoded to too few samples");
  }
  const plain = layout.photometric === 2 && layout.depth === 8 && layout.samples === 3;
  const rgb = plain ? {
    width: header.width,
    height: header.height,
    data: data.subarray(0, rows2 * header.height)
  } : samplesToRgb(data, header, layout, rows2);
  return applyOrientation(rgb, header.orientation);
}
function over2(c, a) {
  return (c * a + 255 * (255 - a) + 127) / 255 | 0;
}
function samplesToRgb(data, header, layout, rowBytes3) {
  const { width, height, tags } = header;
  const { depth, samples, photometric } = layout;
  const out = new Uint8Array(width * height * 3);
  const colours = photometric === 2 || photometric === 6 ? 3 : photometric === 5 ? 4 : 1;
  const extra = first(tags, 338) ?? 0;
  const alpha = samples > colours && (extra === 1 || extra === 2);
  const premultiplied = extra === 1;
  const map = tags.t320;
  const levels = (1 << Math.min(depth, 8)) - 1;
  const sample = (row, index) => {
    if (depth === 16) {
      const at = row + index * 2;
      return Math.round((data[at] | data[at + 1] << 8) / 257);
    }
    if (depth === 8) return data[row + index];
    const bit = index * depth;
    const v = data[row + (bit >> 3)] >> 8 - depth - (bit & 7) & levels;
    return photometric === 3 ? v : Math.round(v * 255 / levels);
  };
  for (let y = 0, o = 0; y < height; y++) {
    const row = y * rowBytes3;
    for (let x = 0; x < width; x++, o += 3) {
      const s = x * samples;
      let r, g, b;
      if (photometric === 3 && map) {
        const v = sample(row, s);
        const n = 1 << depth;
        r = Math.round(map[v] / 257);
        g = Math.round(map[n + v] / 257);
        b = Math.round(map[2 * n + v] / 257);
      } else if (colours === 3) {
        r = sample(row, s);
        g = sample(row, s + 1);
        b = sample(row, s + 2);
      } else if (colours === 4) {
        const k = 255 - sample(row, s + 3);
        r = Math.round((255 - sample(row, s)) * k / 255);
        g = Math.round((255 - sample(row, s + 1)) * k / 255);
        b = Math.round((255 - sample(row, s + 2)) * k / 255);
      } else {
        const v = sample(row, s);
        r = g = b = photometric === 0 ? 255 - v : v;
      }
      if (alpha) {
        const a = sample(row, s + colours);
        if (premultiplied) {
          r = Math.min(255, r + 255 - a);
          g = Math.min(255, g + 255 - a);
          b = Math.min(255, b + 255 - a);
        } else {
          r = over2(r, a);
          g = over2(g, a);
          b = over2(b, a);
        }
      }
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
    }
  }
  return {
    width,
    height,
    data: out
  };
}

// packages/core/_codecs.ts
function decodePixels(bytes, checked) {
  if ("compact" in checked) {
    return decodePng(checked.compact, checked.header.orientation);
  }
  if ("layout" in checked) {
    return decodeTiff(bytes, checked.header, checked.layout);
  }
  const header = checked.header;
  switch (header.format) {
    case "jpeg":
      return header.components === 4 ? decodeJpegCmyk(bytes, header.orientation) : decodeJpegMozjpeg(bytes, header.width * header.height, header.orientation);
    case "webp":
      return decodeWebp(bytes, header);
    case "avif":
      return decodeAvif(bytes, header);
    case "heic":
      return decodeHeic(bytes, header);
    case "gif":
      return decodeGif(bytes, header);
    case "bmp":
      return Promise.resolve(applyOrientation(decodeBmp(bytes, header), header.orientation));
  }
}

// packages/core/decode.ts
function readImageInfo(bytes) {
  assertBytes(bytes);
  const { format, width, height, orientation } = parseHeader(bytes);
  return {
    format,
    width,
    height,
    orientation
  };
}
async function decodeImage(bytes, options = {}) {
  const header = parseWithinLimit(bytes, options);
  return await decodeChecked(bytes, checkStructure(bytes, header));
}
var OPEN_REDUCED_PIXELS = 4e6;
async function openImage(bytes, options = {}) {
  const header = parseWithinLimit(bytes, options);
  if (header.format !== "jpeg") {
    return imageSource(await decodeChecked(bytes, checkStructure(bytes, header)));
  }
  const { scans } = checkJpegStructure(bytes, header);
  const plan = header.width * header.height > OPEN_REDUCED_PIXELS ? planBaseline(bytes, header, scans) : void 0;
  return plan ? new JpegSource(bytes, plan, header.orientation) : imageSource(await decodeChecked(bytes, {
    header
  }));
}
function parseWithinLimit(bytes, options) {
  assertBytes(bytes);
  const { maxPixels: given } = options;
  if (given !== void 0 && (typeof given !== "number" || !(given > 0))) {
    throw new RangeError(`maxPixels must be a positive number, got ${given}`);
  }
  const header = parseHeader(bytes);
  const maxPixels = given ?? defaultMaxPixels(decodeKind(header));
  if (header.width * header.height > maxPixels) {
    throw new ImageTooLargeError(header.width, header.height, maxPixels);
  }
  return header;
}
function decodeKind(header) {
  if (header.format !== "jpeg") return header.format;
  if (header.components === 4) return "jpeg-cmyk";
  return header.progressive ? "jpeg-progressive" : "jpeg";
}
async function decodeChecked(bytes, checked) {
  const { header } = checked;
  let image;
  try {
    image = await decodePixels(bytes, checked);
  } catch (cause) {
    if (cause instanceof FaceError) throw cause;
    const detail = cause instanceof CodecError ? cause.message : String(cause);
    throw new ImageDecodeError("corrupt_image", `the ${header.format.toUpperCase()} data cannot be decoded${detail ? `: ${detail}` : ""}`, {
      cause
    });
  }
  assertSize(image, header);
  return image;
}
function assertSize(image, header) {
  const swap = header.orientation >= 5;
  const width = swap ? header.height : header.width;
  const height = swap ? header.width : header.height;
  const cropped = header.format === "heic" && header.cropped;
  const fits = cropped ? image.width <= width && image.height <= height : image.width === width && image.height === height;
  if (!fits) {
    throw new ImageDecodeError("corrupt_image", `the decoder produced ${image.width}x${image.height} pixels for a ${width}x${height} image`);
  }
  const expected = image.width * image.height * 3;
  if (image.data.length !== expected) {
    throw new ImageDecodeError("corrupt_image", `the decoder produced ${image.data.length} samples, expected ${expected}`);
  }
}
function assertBytes(bytes) {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError("image bytes must be a Uint8Array");
  }
}

// packages/core/quality.ts
var NOSE_DEPTH = 1;
function noseOffsets(landmarks) {
  if (landmarks.length !== 5 || !landmarks.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y))) {
    throw new RangeError("the pose needs five landmarks with finite x and y");
  }
  const [leftEye, rightEye, nose, leftMouth, rightMouth] = landmarks;
  const dx = rightEye.x - leftEye.x;
  const dy = rightEye.y - leftEye.y;
  const eyeDistance = Math.hypot(dx, dy);
  if (eyeDistance === 0) {
    throw new RangeError("the pose needs two distinct eye points");
  }
  const roll = Math.atan2(dy, dx);
  const cos = Math.cos(roll), sin = Math.sin(roll);
  const eyesX = (leftEye.x + rightEye.x) / 2;
  const eyesY = (leftEye.y + rightEye.y) / 2;
  const level = (x, y) => ({
    x: cos * (x - eyesX) + sin * (y - eyesY),
    y: -sin * (x - eyesX) + cos * (y - eyesY)
  });
  const n = level(nose.x, nose.y);
  const m = level((leftMouth.x + rightMouth.x) / 2, (leftMouth.y + rightMouth.y) / 2);
  return {
    side: n.x / (eyeDistance / 2),
    height: m.y > 0 ? n.y / m.y : 0,
    roll
  };
}
var FRONTAL = noseOffsets(ARCFACE_TEMPLATE);
function estimatePose(landmarks) {
  const { side, height, roll } = noseOffsets(landmarks);
  const yaw = Math.atan((side - FRONTAL.side) / NOSE_DEPTH);
  const pitch = Math.asin(Math.max(-1, Math.min(1, 2 * (height - FRONTAL.height))));
  return {
    yaw: degrees(yaw),
    pitch: degrees(pitch),
    roll: degrees(roll - FRONTAL.roll)
  };
}
function degrees(radians) {
  return radians * 180 / Math.PI;
}
function laplacianVariance(image) {
  const { width, height } = image;
  if (width < 3 || height < 3) {
    throw new RangeError(`the Laplacian needs an image of at least 3x3, got ${width}x${height}`);
  }
  const grey = toGrayscale(image);
  let sum = 0, sumOfSquares = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const at = y * width + x;
      const value = grey[at - width] + grey[at + width] + grey[at - 1] + grey[at + 1] - 4 * grey[at];
      sum += value;
      sumOfSquares += value * value;
    }
  }
  const count = (width - 2) * (height - 2);
  const mean = sum / count;
  return sumOfSquares / count - mean * mean;
}

// packages/model/_session.ts
function ortSession(backend, session, tensor) {
  return {
    backend,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds) {
      const inputs = {};
      for (const [name, { data, dims }] of Object.entries(feeds)) {
        inputs[name] = tensor(data, dims);
      }
      const results = await session.run(inputs);
      const outputs = {};
      for (const [name, result] of Object.entries(results)) {
        outputs[name] = {
          data: result.data,
          dims: result.dims
        };
        result.dispose();
      }
      return outputs;
    }
  };
}

// packages/model/_wasm.ts
var runtime;
var configuredThreads;
var WebWorker = globalThis.Worker;
function importRuntime() {
  runtime ??= (async () => {
    const own = Object.getOwnPropertyDescriptor(globalThis, "location");
    const hide = own?.configurable === true && globalThis.location?.origin === "null";
    if (hide) {
      Object.defineProperty(globalThis, "location", {
        value: void 0,
        configurable: true
      });
    }
    try {
      return await import("onnxruntime-web/wasm");
    } finally {
      if (hide) Object.defineProperty(globalThis, "location", own);
    }
  })();
  return runtime;
}
function configureThreads(ort, threads) {
  if (threads > 1 && "Deno" in globalThis) {
    throw new RangeError(`threads must be 1 under Deno on the wasm backend (onnxruntime-web cannot start wasm threads there), got ${threads}; use the native backend, or a FacePool of several workers, to use more cores`);
  }
  if (configuredThreads === void 0) {
    ort.env.wasm.numThreads = threads;
    configuredThreads = threads;
  } else if (configuredThreads !== threads) {
    throw new RangeError(`onnxruntime-web already runs with ${configuredThreads} thread(s) in this process; cannot switch to ${threads}`);
  }
}
async function createWasmSession(bytes, threads) {
  const ort = await importRuntime();
  configureThreads(ort, threads);
  let session;
  try {
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: [
        "wasm"
      ],
      graphOptimizationLevel: "all"
    });
  } finally {
    globalThis.Worker = WebWorker;
  }
  return ortSession("wasm", session, (data, dims) => new ort.Tensor("float32", data, dims));
}

// packages/model/_native.ts
var runtime2;
function ffiPermission() {
  try {
    return Deno.permissions.querySync({
      name: "ffi"
    }).state;
  } catch {
    return void 0;
  }
}
function importNative() {
  runtime2 ??= import("onnxruntime-node");
  return runtime2;
}
async function createNativeSession(bytes, threads) {
  const ort = await importNative();
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: [
      "cpu"
    ],
    executionMode: "sequential",
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all"
  });
  return ortSession("native", session, (data, dims) => new ort.Tensor("float32", data, dims));
}

// packages/model/runner.ts
var BACKENDS = [
  "auto",
  "wasm",
  "native"
];
var loaded = /* @__PURE__ */ new Map();
async function resolveBackend(backend = "auto") {
  if (!BACKENDS.includes(backend)) {
    throw new RangeError(`backend must be "auto", "wasm" or "native", got ${JSON.stringify(backend)}`);
  }
  if (backend === "wasm") return "wasm";
  if (backend === "auto" && ffiPermission() !== "granted") return "wasm";
  try {
    await importNative();
    return "native";
  } catch (cause) {
    if (backend === "auto") return "wasm";
    throw new FaceError("model_load_failed", `backend "native" is unavailable: onnxruntime-node cannot load here (${cause.message}); it needs a runtime that loads Node-API addons and --allow-ffi, --allow-read and --allow-env; use backend "auto" to fall back to wasm, or "wasm"`, {
      cause
    });
  }
}
async function loadModelBytes(source) {
  if (source instanceof Uint8Array) return source;
  const url = source instanceof URL ? source : void 0;
  try {
    if (url && url.protocol !== "file:") {
      const response = await fetch(url);
      if (!response.ok) {
        throw new Error(`HTTP ${response.status} ${response.statusText}`);
      }
      return new Uint8Array(await response.arrayBuffer());
    }
    return await Deno.readFile(url ?? source);
  } catch (cause) {
    throw new FaceError("model_load_failed", `cannot read model from ${String(source)}: ${cause.message}`, {
      cause
    });
  }
}
var OnnxModel = class _OnnxModel {
  #session;
  constructor(session) {
    this.#session = session;
  }
  /**
   * Loads and initialises a model. A path or URL is loaded once per process
   * and backend: later calls share the session, so every engine in a
   * process pays the start-up once.
   *
   * @throws {FaceError} `model_load_failed` when the model cannot be read
   * or initialised, or `backend` is `"native"` and onnxruntime-node cannot
   * load.
   * @throws {RangeError} When `backend` or `threads` is invalid.
   *
   * @example
   * ```ts
   * import { OnnxModel } from "@facever/model";
   * import { LANDMARKER_URL } from "@facever/weights";
   * const model = await OnnxModel.load(LANDMARKER_URL, { backend: "auto" });
   * console.log(model.inputNames); // ["input"]
   * ```
   */
  static async load(source, options = {}) {
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) {
      throw new RangeError(`threads must be a whole number of at least 1, got ${threads}`);
    }
    const backend = await resolveBackend(options.backend);
    if (source instanceof Uint8Array) {
      return await _OnnxModel.#create(source, backend, threads);
    }
    const key = `${backend} ${threads} ${String(source)}`;
    let loading = loaded.get(key);
    if (!loading) {
      loading = _OnnxModel.#create(source, backend, threads);
      loading.catch(() => loaded.delete(key));
      loaded.set(key, loading);
    }
    return await loading;
  }
  static async #create(source, backend, threads) {
    const bytes = await loadModelBytes(source);
    try {
      return new _OnnxModel(backend === "native" ? await createNativeSession(bytes, threads) : await createWasmSession(bytes, threads));
    } catch (cause) {
      if (cause instanceof RangeError) throw cause;
      throw new FaceError("model_load_failed", `cannot initialise model from ${source instanceof Uint8Array ? "bytes" : String(source)} on ${backend}: ${cause.message}`, {
        cause
      });
    }
  }
  /** The ONNX Runtime this model runs on. */
  get backend() {
    return this.#session.backend;
  }
  /** Names of the model's inputs, in graph order. */
  get inputNames() {
    return this.#session.inputNames;
  }
  /** Names of the model's outputs, in graph order. */
  get outputNames() {
    return this.#session.outputNames;
  }
  /** Runs the model on float32 inputs and returns every output by name. */
  run(feeds) {
    return this.#session.run(feeds);
  }
};

// weights/operating_points.json
var operating_points_default = {
  date: "2026-12-04",
  pipeline: {
    channelOrder: "bgr",
    mirror: false,
    pick: "central"
  },
  models: {
    "face_detector.onnx": "69b8e05cdf18cf253f3f8bcf904cb65e8491d1c7940e7f4c77ffef9b87e68c09",
    "face_detector_128x128.wasm": "c4ea0f4d6fa4b98a06120b196aa469fa8380f9763c0154dc5795803f1ebed2d2",
    "face_detector_320x240.wasm": "7136745ddd585267eba99d3998fc10483f34d388c99e27951772c2072af7f960",
    "face_landmark68.onnx": "24cf76f38b54498a50d81ba4d4d583da4f7cbf15081ab83ca7547e9f9b43e3bf",
    "face_landmark68.wasm": "380f7f9f1117a5ac7eb16903b47dbe3038285066ec5e33d837a553d92637e886",
    "mobilefacenet.onnx": "a14ec5129fdf4b300ff8329e1c5ed0ce2a628c1ffd3487d352e145747f4cd2eb",
    "mobilefacenet.wasm": "f512b7739fb78ae41ccc42d1ef45779c65752dae7c3a4d6549d3dd8c911b641b"
  },
  train: {
    pairList: "pairsDevTrain.txt",
    people: 2132,
    images: 6685,
    noFace: 0
  },
  heldOut: {
    pairList: "pairsDevTest.txt",
    people: 963,
    images: 2741,
    noFace: 0
  },
  points: [
    {
      name: "accuracy",
      threshold: 0.282,
      targetFar: null,
      train: {
        far: 0.005037668784221428,
        tar: 0.9989797554328024,
        falseAccepts: 111511,
        impostorPairs: 22135437,
        trueAccepts: 205623,
        genuinePairs: 205833
      },
      heldOut: {
        far: 0.004779392257464936,
        tar: 0.9956640027206257,
        falseAccepts: 17835,
        impostorPairs: 3731646,
        trueAccepts: 23422,
        genuinePairs: 23524
      },
      pairLists: {
        train: {
          accuracy: 0.9954545454545455,
          far: 0.0018181818181818182,
          tar: 0.9927272727272727,
          pairs: 2200
        },
        heldOut: {
          accuracy: 0.992,
          far: 6e-3,
          tar: 0.99,
          pairs: 1e3
        }
      }
    },
    {
      name: "far-1e-3",
      threshold: 0.3502,
      targetFar: 1e-3,
      train: {
        far: 9990315528896042e-19,
        tar: 0.9977651785670908,
        falseAccepts: 22114,
        impostorPairs: 22135437,
        trueAccepts: 205373,
        genuinePairs: 205833
      },
      heldOut: {
        far: 7433716917413924e-19,
        tar: 0.9927733378677096,
        falseAccepts: 2774,
        impostorPairs: 3731646,
        trueAccepts: 23354,
        genuinePairs: 23524
      },
      pairLists: {
        train: {
          accuracy: 0.9940909090909091,
          far: 9090909090909091e-19,
          tar: 0.9890909090909091,
          pairs: 2200
        },
        heldOut: {
          accuracy: 0.992,
          far: 0,
          tar: 0.984,
          pairs: 1e3
        }
      }
    },
    {
      name: "far-1e-4",
      threshold: 0.4358,
      targetFar: 1e-4,
      train: {
        far: 9993026114641423e-20,
        tar: 0.9923238742087032,
        falseAccepts: 2212,
        impostorPairs: 22135437,
        trueAccepts: 204253,
        genuinePairs: 205833
      },
      heldOut: {
        far: 42340564994643116e-21,
        tar: 0.9794252678115967,
        falseAccepts: 158,
        impostorPairs: 3731646,
        trueAccepts: 23040,
        genuinePairs: 23524
      },
      pairLists: {
        train: {
          accuracy: 0.985909090909091,
          far: 0,
          tar: 0.9718181818181818,
          pairs: 2200
        },
        heldOut: {
          accuracy: 0.984,
          far: 0,
          tar: 0.968,
          pairs: 1e3
        }
      }
    }
  ]
};

// weights/mod.ts
var EMBEDDER_URL = new URL("./mobilefacenet.onnx", import.meta.url);
var DETECTOR_URL = new URL("./face_detector.onnx", import.meta.url);
var LANDMARKER_URL = new URL("./face_landmark68.onnx", import.meta.url);
var EMBEDDER_WASM_URL = new URL("./mobilefacenet.wasm", import.meta.url);
var DETECTOR_WASM_URL = new URL("./face_detector_320x240.wasm", import.meta.url);
var DETECTOR_SMALL_WASM_URLS = [
  new URL("./face_detector_128x128.wasm", import.meta.url)
];
var LANDMARKER_WASM_URL = new URL("./face_landmark68.wasm", import.meta.url);
var LIVENESS_URL = new URL("./face_liveness.onnx", import.meta.url);
var LIVENESS_WASM_URL = new URL("./face_liveness.wasm", import.meta.url);
var EYE_STATE_URL = new URL("./eye_state.onnx", import.meta.url);
var EYE_STATE_WASM_URL = new URL("./eye_state.wasm", import.meta.url);
var MANIFEST_URL = new URL("./manifest.json", import.meta.url);
var CALIBRATION = operating_points_default;

// packages/model/_compiled_interface.ts
var INTERFACE_SECTION = "facever.interface";

// packages/model/_compiled.ts
var WasmModelError = class extends Error {
  /** What went wrong, for code that reacts to it. */
  code;
  /** Creates the error; `message` says what and where. */
  constructor(code, message, options) {
    super(message, options);
    this.name = "WasmModelError";
    this.code = code;
  }
};
function isPort(value) {
  if (typeof value !== "object" || value === null) return false;
  const { name, dims, offset, layout, pixelStride } = value;
  return typeof name === "string" && Number.isSafeInteger(offset) && Array.isArray(dims) && dims.every((dim) => Number.isSafeInteger(dim) && dim > 0) && (layout === void 0 || layout === "nhwc" && dims.length === 3) && (pixelStride === void 0 || Number.isSafeInteger(pixelStride) && layout === "nhwc" && pixelStride >= dims[2]);
}
function readPort(heap, port, out, at) {
  const from = port.offset / 4;
  const size = port.dims.reduce((n, dim) => n * dim, 1);
  const stride = port.pixelStride ?? port.dims[port.dims.length - 1];
  const channels = port.dims[port.dims.length - 1];
  if (port.layout !== "nhwc" || stride === channels) {
    out.set(heap.subarray(from, from + size), at);
    return;
  }
  for (let p = 0; p < size / channels; p++) {
    out.set(heap.subarray(from + p * stride, from + p * stride + channels), at + p * channels);
  }
}
var WasmModel = class _WasmModel {
  #input;
  #outputs;
  #memory;
  #run;
  constructor(input, outputs, memory, run) {
    this.#input = input;
    this.#outputs = outputs;
    this.#memory = memory;
    this.#run = run;
  }
  /**
   * Compiles and instantiates a module from its bytes or a `file:`,
   * `http:` or `https:` URL.
   *
   * @throws {WasmModelError} `load_failed` when the file cannot be read,
   * `unsupported_runtime` when this runtime cannot compile SIMD or relaxed
   * SIMD, `invalid_module` when the bytes are not a compiled model.
   *
   * @example
   * ```ts
   * import { WasmModel, WasmModelError } from "./_compiled.ts";
   * import { EMBEDDER_WASM_URL } from "@facever/weights";
   * try {
   *   const model = await WasmModel.load(EMBEDDER_WASM_URL);
   *   console.log(model.inputNames); // ["input"]
   * } catch (error) {
   *   if (!(error instanceof WasmModelError && error.code === "unsupported_runtime")) throw error;
   *   // fall back to mobilefacenet.onnx on onnxruntime-web
   * }
   * ```
   */
  static async load(source) {
    const bytes = source instanceof Uint8Array ? source : await readSource(source);
    let module;
    try {
      module = await WebAssembly.compile(bytes);
    } catch (cause) {
      const wasm = bytes[0] === 0 && bytes[1] === 97 && bytes[2] === 115 && bytes[3] === 109;
      throw new WasmModelError(wasm ? "unsupported_runtime" : "invalid_module", wasm ? `this runtime cannot compile the model (it needs WebAssembly SIMD and relaxed SIMD): ${cause.message}` : "the bytes are not a WebAssembly module", {
        cause
      });
    }
    const [section] = WebAssembly.Module.customSections(module, INTERFACE_SECTION);
    let described;
    try {
      described = section && JSON.parse(new TextDecoder().decode(section));
    } catch (cause) {
      throw new WasmModelError("invalid_module", `the module's ${INTERFACE_SECTION} section is not JSON`, {
        cause
      });
    }
    const { input, outputs } = described ?? {};
    if (!isPort(input) || input.layout !== void 0 || !Array.isArray(outputs) || outputs.length === 0 || !outputs.every(isPort)) {
      throw new WasmModelError("invalid_module", `the module has no valid ${INTERFACE_SECTION} section: not a compiled model`);
    }
    const instance = await WebAssembly.instantiate(module, {});
    const { memory, run } = instance.exports;
    if (!(memory instanceof WebAssembly.Memory) || typeof run !== "function") {
      throw new WasmModelError("invalid_module", "the module does not export memory and run");
    }
    return new _WasmModel(input, outputs, memory, run);
  }
  /** The input's name, as in the ONNX graph the module was compiled from. */
  get inputNames() {
    return [
      this.#input.name
    ];
  }
  /** The dimensions of one input item, e.g. `[3, 112, 112]`. */
  get inputDims() {
    return this.#input.dims;
  }
  /** The outputs' names, in the order the module was compiled with. */
  get outputNames() {
    return this.#outputs.map((port) => port.name);
  }
  /**
   * Runs a batch. The work is synchronous; the result comes as a promise so
   * that the model can stand in for an onnxruntime session.
   *
   * @throws {WasmModelError} `invalid_input` when the feed is not the one
   * input with dimensions `[batch, ...item]` and matching data.
   */
  run(feeds) {
    try {
      return Promise.resolve(this.#runSync(feeds));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  #runSync(feeds) {
    const input = this.#input;
    const names = Object.keys(feeds);
    const feed = feeds[input.name];
    if (names.length !== 1 || !feed) {
      throw new WasmModelError("invalid_input", `expected exactly the input "${input.name}", got ${names.map((name) => `"${name}"`).join(", ") || "none"}`);
    }
    const [batch, ...item] = feed.dims;
    const itemSize = input.dims.reduce((n, dim) => n * dim, 1);
    if (!Number.isSafeInteger(batch) || batch < 0 || item.length !== input.dims.length || item.some((dim, i) => dim !== input.dims[i]) || feed.data.length !== batch * itemSize) {
      throw new WasmModelError("invalid_input", `input "${input.name}" must be [batch, ${input.dims.join(", ")}] with matching data, got dims [${feed.dims.join(", ")}] and ${feed.data.length} values`);
    }
    const sizes = this.#outputs.map((port) => port.dims.reduce((n, dim) => n * dim, 1));
    const outs = sizes.map((size) => new Float32Array(batch * size));
    const heap = new Float32Array(this.#memory.buffer);
    const inAt = input.offset / 4;
    for (let i = 0; i < batch; i++) {
      heap.set(feed.data.subarray(i * itemSize, (i + 1) * itemSize), inAt);
      this.#run();
      this.#outputs.forEach((port, o) => readPort(heap, port, outs[o], i * sizes[o]));
    }
    return Object.fromEntries(this.#outputs.map((port, o) => [
      port.name,
      {
        data: outs[o],
        dims: [
          batch,
          ...port.dims
        ]
      }
    ]));
  }
};
async function readSource(url) {
  try {
    if (url.protocol === "file:") return await Deno.readFile(url);
    const response = await fetch(url);
    if (!response.ok) {
      throw new Error(`HTTP ${response.status} ${response.statusText}`);
    }
    return new Uint8Array(await response.arrayBuffer());
  } catch (cause) {
    throw new WasmModelError("load_failed", `cannot read the model from ${url.href}: ${cause.message}`, {
      cause
    });
  }
}

// packages/model/_bundled.ts
var loaded2 = /* @__PURE__ */ new Map();
function loadBundledWasm(url) {
  let model = loaded2.get(url.href);
  if (!model) {
    model = load(url);
    loaded2.set(url.href, model);
  }
  return model;
}
async function load(url) {
  try {
    return await WasmModel.load(url);
  } catch (cause) {
    if (cause instanceof WasmModelError && cause.code === "unsupported_runtime") {
      return void 0;
    }
    loaded2.delete(url.href);
    throw new FaceError("model_load_failed", `cannot load the compiled model ${url.href}: ${cause.message}`, {
      cause
    });
  }
}

// packages/model/_landmarks68.ts
var LANDMARK_INPUT_SIZE = 64;
var LANDMARK_OUTPUT_SIZE = 136;
var LANDMARK_DETAIL = 2;
function landmarkRegion(image, box) {
  const x0 = Math.min(Math.max(Math.round(box.x), 0), image.width - 1);
  const y0 = Math.min(Math.max(Math.round(box.y), 0), image.height - 1);
  const x1 = Math.max(Math.min(Math.round(box.x + box.width), image.width), x0 + 1);
  const y1 = Math.max(Math.min(Math.round(box.y + box.height), image.height), y0 + 1);
  return {
    x: x0,
    y: y0,
    width: x1 - x0,
    height: y1 - y0
  };
}
function writeLandmarkInput(image, region, out, offset) {
  const face = image.read(region, LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE, LANDMARK_DETAIL);
  const luma = toGrayscale(face);
  for (let i = 0; i < luma.length; i++) out[offset + i] = luma[i] / 256;
}
function fivePoints(output, offset, region) {
  const mean = (...indices) => {
    let x = 0;
    let y = 0;
    for (const i of indices) {
      x += output[offset + 2 * i];
      y += output[offset + 2 * i + 1];
    }
    return {
      x: region.x + x / indices.length * region.width - 0.5,
      y: region.y + y / indices.length * region.height - 0.5
    };
  };
  return [
    mean(37, 38, 40, 41),
    mean(43, 44, 46, 47),
    mean(30),
    mean(48, 60),
    mean(54, 64)
  ];
}

// packages/model/_tiles.ts
var DETECTOR_WIDTH = 320;
var DETECTOR_HEIGHT = 240;
var MAX_PASSES = 64;
var MAX_LEVEL_STEP = 3;
function planLevels(width, height, minFaceSize, minDetectable, edgeMargin, smaller = []) {
  const bySize = [
    ...smaller
  ].sort((a, b) => a.width * a.height - b.width * b.height);
  for (const input of bySize) {
    const scale = Math.min(input.width / width, input.height / height);
    if (minFaceSize * scale >= minDetectable) {
      return [
        wholeImage(width, height, scale, input)
      ];
    }
  }
  const maxFaceWidth = MAX_LEVEL_STEP * minDetectable;
  const overlap = Math.ceil(maxFaceWidth * 4 / 3) + 2 * edgeMargin;
  const base = Math.min(DETECTOR_WIDTH / width, DETECTOR_HEIGHT / height);
  let finest = minDetectable / minFaceSize;
  for (; ; ) {
    const levels = [
      wholeImage(width, height, base, FULL_INPUT)
    ];
    const steps2 = finest > base ? Math.ceil(Math.log(finest / base) / Math.log(MAX_LEVEL_STEP) - 1e-9) : 0;
    for (let k = 1; k <= steps2; k++) {
      const scale = base * (finest / base) ** (k / steps2);
      levels.push(tiled(width, height, scale, overlap, maxFaceWidth));
    }
    const passes = levels.reduce((n, level) => n + level.windows.length, 0);
    if (passes <= MAX_PASSES) return levels;
    finest *= 0.9;
  }
}
var FULL_INPUT = {
  width: DETECTOR_WIDTH,
  height: DETECTOR_HEIGHT
};
function wholeImage(width, height, scale, input) {
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  return {
    width: w,
    height: h,
    windows: [
      {
        x: 0,
        y: 0,
        width: w,
        height: h
      }
    ],
    maxFaceWidth: Infinity,
    input
  };
}
function tiled(width, height, scale, overlap, maxFaceWidth) {
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const windows = [];
  for (const y of starts(h, DETECTOR_HEIGHT, overlap)) {
    for (const x of starts(w, DETECTOR_WIDTH, overlap)) {
      windows.push({
        x,
        y,
        width: Math.min(DETECTOR_WIDTH, w),
        height: Math.min(DETECTOR_HEIGHT, h)
      });
    }
  }
  return {
    width: w,
    height: h,
    windows,
    maxFaceWidth,
    input: FULL_INPUT
  };
}
function starts(length, window, overlap) {
  if (length <= window) return [
    0
  ];
  const count = Math.ceil((length - window) / (window - overlap)) + 1;
  return Array.from({
    length: count
  }, (_, i) => Math.round(i * (length - window) / (count - 1)));
}

// packages/model/_detector_heads.ts
var STRIDES = [
  8,
  16,
  32,
  64
];
var MIN_BOXES = [
  [
    10,
    16,
    24
  ],
  [
    32,
    48
  ],
  [
    64,
    96
  ],
  [
    128,
    192,
    256
  ]
];
var CENTER_VARIANCE = 0.1;
var SIZE_VARIANCE = 0.2;
function priorBoxes(width, height) {
  const priors = [];
  STRIDES.forEach((stride, head) => {
    const rows2 = Math.ceil(height / stride);
    const columns2 = Math.ceil(width / stride);
    for (let y = 0; y < rows2; y++) {
      for (let x = 0; x < columns2; x++) {
        for (const size of MIN_BOXES[head]) {
          priors.push((x + 0.5) / columns2, (y + 0.5) / rows2, size / width, size / height);
        }
      }
    }
  });
  return Float32Array.from(priors, (v) => Math.min(Math.max(v, 0), 1));
}
var ANCHORS_PER_CELL = MIN_BOXES.map((m) => m.length);
function decodeHeads(classes, offsets, priors, minScore) {
  const count = priors.length / 4;
  const margin = Math.log(minScore / (1 - minScore));
  const found = [];
  let i = 0;
  classes.forEach((logits, head) => {
    const deltas = offsets[head];
    for (let a = 0; a < logits.length / 2; a++, i++) {
      const difference = logits[2 * a + 1] - logits[2 * a];
      if (!(difference >= margin)) continue;
      const p = 4 * i;
      const cx = priors[p] + deltas[4 * a] * CENTER_VARIANCE * priors[p + 2];
      const cy = priors[p + 1] + deltas[4 * a + 1] * CENTER_VARIANCE * priors[p + 3];
      const w = Math.exp(deltas[4 * a + 2] * SIZE_VARIANCE) * priors[p + 2];
      const h = Math.exp(deltas[4 * a + 3] * SIZE_VARIANCE) * priors[p + 3];
      found.push({
        score: 1 / (1 + Math.exp(-difference)),
        x1: cx - w / 2,
        y1: cy - h / 2,
        x2: cx + w / 2,
        y2: cy + h / 2
      });
    }
  });
  if (i !== count) {
    throw new RangeError(`the heads hold ${i} anchors, the priors ${count}`);
  }
  return found;
}

// packages/model/_detector_net.ts
function onnxDetector(model, compiled2) {
  return {
    smaller: compiled2?.smaller ?? [],
    async run(input, batch, size, minScore) {
      if (compiled2 && (size.width !== DETECTOR_WIDTH || size.height !== DETECTOR_HEIGHT)) {
        return await compiled2.run(input, batch, size, minScore);
      }
      const { scores, boxes } = await model.run({
        input: {
          data: input,
          dims: [
            batch,
            3,
            size.height,
            size.width
          ]
        }
      });
      const priors = scores.dims[1];
      return Array.from({
        length: batch
      }, (_, n) => {
        const found = [];
        for (let i = n * priors; i < (n + 1) * priors; i++) {
          const score = scores.data[2 * i + 1];
          if (score < minScore) continue;
          const [x1, y1, x2, y2] = boxes.data.subarray(4 * i, 4 * i + 4);
          found.push({
            score,
            x1,
            y1,
            x2,
            y2
          });
        }
        return found;
      });
    }
  };
}
async function loadCompiledDetector(full) {
  const urls = full ? [
    DETECTOR_WASM_URL,
    ...DETECTOR_SMALL_WASM_URLS
  ] : DETECTOR_SMALL_WASM_URLS;
  const modules = await Promise.all(urls.map(loadBundledWasm));
  if (modules.some((m) => m === void 0)) return void 0;
  const bySize = /* @__PURE__ */ new Map();
  const sizes = [];
  for (const model of modules) {
    const [, height, width] = model.inputDims;
    sizes.push({
      width,
      height
    });
    bySize.set(`${width}x${height}`, {
      model,
      priors: priorBoxes(width, height)
    });
  }
  return {
    smaller: sizes.filter((s) => s.width * s.height < DETECTOR_WIDTH * DETECTOR_HEIGHT),
    async run(input, batch, size, minScore) {
      const found = bySize.get(`${size.width}x${size.height}`);
      if (!found) {
        throw new RangeError(`no detector for ${size.width}x${size.height}`);
      }
      const { model, priors } = found;
      const candidates = [];
      const itemSize = input.length / batch;
      const names = model.outputNames;
      for (let n = 0; n < batch; n++) {
        const heads = await model.run({
          input: {
            data: input.subarray(n * itemSize, (n + 1) * itemSize),
            dims: [
              1,
              3,
              size.height,
              size.width
            ]
          }
        });
        candidates.push(decodeHeads(names.slice(0, 4).map((name) => heads[name].data), names.slice(4).map((name) => heads[name].data), priors, minScore));
      }
      return candidates;
    }
  };
}

// packages/model/_nms.ts
function intersection(a, b) {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return width > 0 && height > 0 ? width * height : 0;
}
function intersectionOverUnion(a, b) {
  const shared = intersection(a, b);
  return shared === 0 ? 0 : shared / (a.width * a.height + b.width * b.height - shared);
}
function nonMaxSuppression(candidates, limits) {
  const sorted = [
    ...candidates
  ].sort((a, b) => b.score - a.score);
  const kept = [];
  for (const candidate of sorted) {
    const { box } = candidate;
    const area2 = box.width * box.height;
    const duplicate = kept.some((k) => intersectionOverUnion(k.box, box) > limits.maxIou || intersection(k.box, box) > limits.maxCovered * area2);
    if (!duplicate) kept.push(candidate);
  }
  return kept;
}

// packages/model/_pyramid.ts
var SUPPRESSION = {
  maxIou: 0.4,
  maxCovered: 0.8
};
var MIN_DETECTABLE = 20;
var FINE_LEVEL_DETAIL = 2;
var EDGE_MARGIN = 2;
var DETECTOR_BATCH = 4;
async function findFaces(net, source, { minScore, minFaceSize, maxFaces }) {
  const whole = {
    x: 0,
    y: 0,
    width: source.width,
    height: source.height
  };
  const candidates = [];
  const levels = planLevels(source.width, source.height, minFaceSize, MIN_DETECTABLE, EDGE_MARGIN, net.smaller);
  for (const [k, level] of levels.entries()) {
    if (k > 0 && enoughFound(candidates, level, source, maxFaces)) break;
    const scaled = source.read(whole, level.width, level.height, k === 0 ? 1 : FINE_LEVEL_DETAIL);
    for (let i = 0; i < level.windows.length; i += DETECTOR_BATCH) {
      const windows = level.windows.slice(i, i + DETECTOR_BATCH);
      for (const found of await detectWindows(net, scaled, level.input, level.maxFaceWidth, windows, source, minScore)) {
        if (found.box.width >= minFaceSize) candidates.push(found);
      }
    }
  }
  return nonMaxSuppression(candidates, SUPPRESSION).map(({ box, score }) => ({
    box: clipBox2(box, source),
    score
  })).sort((a, b) => area(b.box) - area(a.box)).slice(0, maxFaces);
}
async function detectWindows(net, scaled, size, maxFaceWidth, windows, image, minScore) {
  const plane = size.width * size.height;
  const input = new Float32Array(windows.length * 3 * plane);
  windows.forEach((window, n) => writeDetectorInput(scaled, window, size, input, n * 3 * plane));
  const candidates = await net.run(input, windows.length, size, minScore);
  const toImageX = image.width / scaled.width;
  const toImageY = image.height / scaled.height;
  const found = [];
  windows.forEach((window, n) => {
    const cutLeft = window.x > 0;
    const cutTop = window.y > 0;
    const cutRight = window.x + window.width < scaled.width;
    const cutBottom = window.y + window.height < scaled.height;
    for (const candidate of candidates[n]) {
      const { score } = candidate;
      const x1 = candidate.x1 * size.width;
      const y1 = candidate.y1 * size.height;
      const x2 = candidate.x2 * size.width;
      const y2 = candidate.y2 * size.height;
      if (x2 - x1 > maxFaceWidth) continue;
      if (cutLeft && x1 < EDGE_MARGIN || cutTop && y1 < EDGE_MARGIN || cutRight && x2 > window.width - EDGE_MARGIN || cutBottom && y2 > window.height - EDGE_MARGIN) continue;
      found.push({
        score,
        box: {
          x: (window.x + x1) * toImageX,
          y: (window.y + y1) * toImageY,
          width: (x2 - x1) * toImageX,
          height: (y2 - y1) * toImageY
        }
      });
    }
  });
  return found;
}
function writeDetectorInput(image, window, size, out, offset) {
  const plane = size.width * size.height;
  const src = image.data;
  for (let y = 0; y < window.height; y++) {
    let p = ((window.y + y) * image.width + window.x) * 3;
    let o = offset + y * size.width;
    for (let x = 0; x < window.width; x++, p += 3, o++) {
      out[o] = (src[p] - 127) / 128;
      out[o + plane] = (src[p + 1] - 127) / 128;
      out[o + 2 * plane] = (src[p + 2] - 127) / 128;
    }
  }
}
function enoughFound(candidates, level, image, maxFaces) {
  if (!Number.isFinite(maxFaces)) return false;
  const widest = level.maxFaceWidth * image.width / level.width;
  const bound = widest * widest * 4 / 3;
  const larger = nonMaxSuppression(candidates, SUPPRESSION).filter(({ box }) => area(clipBox2(box, image)) > bound);
  return larger.length >= maxFaces;
}
function area(box) {
  return box.width * box.height;
}
function clipBox2(box, image) {
  const x1 = Math.min(Math.max(box.x, 0), image.width);
  const y1 = Math.min(Math.max(box.y, 0), image.height);
  const x2 = Math.min(Math.max(box.x + box.width, 0), image.width);
  const y2 = Math.min(Math.max(box.y + box.height, 0), image.height);
  return {
    x: x1,
    y: y1,
    width: x2 - x1,
    height: y2 - y1
  };
}

// packages/model/detector.ts
var DEFAULT_MIN_SCORE = 0.7;
var DEFAULT_MIN_FACE_SIZE = 40;
var LANDMARK_BATCH = 16;
var FaceDetector = class _FaceDetector {
  #detector;
  #landmarker;
  constructor(detector, landmarker) {
    this.#detector = detector;
    this.#landmarker = landmarker;
  }
  /**
   * Loads both models; a model already loaded in this process is shared
   * (see {@linkcode OnnxModel.load}). The bundled models' compiled modules
   * need relaxed SIMD (every Deno 2); without it the ONNX files run on
   * onnxruntime instead.
   *
   * @throws {FaceError} `model_load_failed` when either model cannot be
   * loaded.
   * @throws {RangeError} When `threads` is invalid.
   *
   * @example
   * ```ts
   * import { FaceDetector } from "@facever/model";
   * const detector = await FaceDetector.load({ threads: 1 });
   * ```
   */
  static async load(options = {}) {
    const runner = {
      backend: options.backend,
      threads: options.threads
    };
    const wasm = await resolveBackend(options.backend) === "wasm";
    const [compiled2, compiledLandmarker] = await Promise.all([
      options.detector === void 0 ? loadCompiledDetector(wasm) : void 0,
      wasm && options.landmarks === void 0 ? loadBundledWasm(LANDMARKER_WASM_URL) : void 0
    ]);
    const [detector, landmarker] = await Promise.all([
      wasm && compiled2 ? compiled2 : OnnxModel.load(options.detector ?? DETECTOR_URL, runner).then((model) => onnxDetector(model, compiled2)),
      compiledLandmarker ?? OnnxModel.load(options.landmarks ?? LANDMARKER_URL, runner)
    ]);
    return new _FaceDetector(detector, landmarker);
  }
  /**
   * Finds every face at least `minFaceSize` pixels wide, largest box first.
   *
   * The image is letterboxed whole, at its own aspect ratio, into the
   * detector's 320×240 input, where faces from about 20 pixels up to the
   * whole input are found. When `minFaceSize` comes out smaller than 20
   * pixels there, finer pyramid levels (each at most 3× the one before, the
   * finest bringing `minFaceSize` to 20 pixels) are run on 320×240 windows
   * that overlap by 84 pixels, so that every face too small for the level
   * before fits whole in one of them. **At most 64 detector passes run per
   * image**: a 250×250 image takes 1, a 1920×1080 frame 13 and a 3840×2160
   * one 52 at the default `minFaceSize`. When an image would need more, the
   * finest level is made coarser until 64 suffice, so faces close to
   * `minFaceSize` in very large images may be missed.
   *
   * Two shortcuts give the same faces for less work. The compiled detector
   * also runs a 128×128 input (on both backends), used instead when the image
   * fits it with `minFaceSize` still 20 pixels or more (photos of up to 256
   * pixels a side at the default `minFaceSize`). With `maxFaces`,
   * finer levels are skipped once that many faces are found that are larger
   * than any those levels report: a 1920×1080 frame with someone close to
   * the camera takes one pass on a 320×180 copy, and the face is then cut
   * from the full-resolution image for the landmarks and alignment.
   *
   * @param image The image, any size and aspect ratio: decoded pixels, or
   * an `ImageSource` (see `openImage`), from which each pyramid level and
   * each face's landmark input is read at the resolution it needs (a large
   * JPEG's first level from its 1/8-scale image, finer levels and faces
   * from at least twice their resolution).
   * @param options Thresholds; see {@linkcode DetectOptions}.
   * @returns The faces, boxes clipped to the image, largest box first.
   * @throws {RangeError} When an option is out of range.
   *
   * @example
   * ```ts
   * import { decodeImage } from "@facever/core";
   * import { FaceDetector } from "@facever/model";
   * const detector = await FaceDetector.load();
   * const image = await decodeImage(await Deno.readFile("group.jpg"));
   * for (const { box, score } of await detector.detectFaces(image)) {
   *   console.log(box, score.toFixed(2));
   * }
   * ```
   */
  async detectFaces(image, options = {}) {
    const settings = validateOptions(options);
    const source = "data" in image ? imageSource(image) : image;
    const faces = await findFaces(this.#detector, source, settings);
    const detected = [];
    for (let i = 0; i < faces.length; i += LANDMARK_BATCH) {
      const batch = faces.slice(i, i + LANDMARK_BATCH);
      const landmarks = await this.#landmarks(source, batch.map((f) => f.box));
      batch.forEach((face, k) => detected.push({
        ...face,
        landmarks: landmarks[k]
      }));
    }
    return detected;
  }
  async #landmarks(image, boxes) {
    const size = LANDMARK_INPUT_SIZE * LANDMARK_INPUT_SIZE;
    const input = new Float32Array(boxes.length * size);
    const regions = boxes.map((box, n) => {
      const region = landmarkRegion(image, box);
      writeLandmarkInput(image, region, input, n * size);
      return region;
    });
    const { output } = await this.#landmarker.run({
      input: {
        data: input,
        dims: [
          boxes.length,
          1,
          LANDMARK_INPUT_SIZE,
          LANDMARK_INPUT_SIZE
        ]
      }
    });
    return regions.map((region, n) => fivePoints(output.data, n * LANDMARK_OUTPUT_SIZE, region));
  }
};
function validateOptions(options) {
  const { minScore = DEFAULT_MIN_SCORE, minFaceSize = DEFAULT_MIN_FACE_SIZE, maxFaces = Infinity } = options;
  if (!(minScore > 0 && minScore <= 1)) {
    throw new RangeError(`minScore must be in (0, 1], got ${minScore}`);
  }
  if (!(minFaceSize >= 1 && Number.isFinite(minFaceSize))) {
    throw new RangeError(`minFaceSize must be a finite number of pixels, at least 1, got ${minFaceSize}`);
  }
  if (!(maxFaces === Infinity || Number.isInteger(maxFaces) && maxFaces >= 1)) {
    throw new RangeError(`maxFaces must be a whole number of at least 1 (or Infinity), got ${maxFaces}`);
  }
  return {
    minScore,
    minFaceSize,
    maxFaces
  };
}

// packages/model/_area_planes.ts
var scratch = new Float32Array(0);

// packages/model/operating_points.ts
var OPERATING_POINT_NAMES = Object.freeze([
  "accuracy",
  "far-1e-3",
  "far-1e-4"
]);
var OPERATING_POINTS = Object.freeze(Object.fromEntries(OPERATING_POINT_NAMES.map((name) => [
  name,
  shipped(name)
])));
function shipped(name) {
  const point = CALIBRATION.points.find((point2) => point2.name === name);
  if (!point) {
    throw new Error(`weights/operating_points.json has no "${name}" point: run deno task calibrate`);
  }
  return point;
}

// packages/model/engine.ts
var DEFAULT_THRESHOLD = OPERATING_POINTS.accuracy.threshold;

// packages/model/pool.ts
var ERRORS = Object.values(mod_exports).filter((value) => typeof value === "function" && value.prototype instanceof Error);

// packages/gallery/_codec.ts
var IV_BYTES = 12;
var TAG_BYTES = 16;
var KEY_CHECK = new TextEncoder().encode("facever gallery key check");
var SEAL_BYTES = IV_BYTES + TAG_BYTES;

// packages/gallery/_store.ts
var LOG_RETAIN = 1e4;

// packages/gallery/_wasm.ts
var V128_CONST = 12;
function uleb(value) {
  const bytes = [];
  do {
    let byte = value & 127;
    value >>>= 7;
    if (value !== 0) byte |= 128;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}
function simd(opcode, ...immediates) {
  return [
    253,
    ...uleb(opcode),
    ...immediates
  ];
}

// packages/gallery/_kernel.ts
var ZERO = simd(V128_CONST, ...new Array(16).fill(0));

// packages/gallery/_vector_blocks.ts
var BLOCK_BITS = 14;
var BLOCK_MASK = (1 << BLOCK_BITS) - 1;

// packages/gallery/_face_rows.ts
var MAX_BATCH = 16;
var SLOTS = 2 * MAX_BATCH;

// packages/gallery/_snapshot_format.ts
var CHUNK_BYTES = 65536;
var CHUNK_PAYLOAD = CHUNK_BYTES - Math.max(SEAL_BYTES, 20);

// packages/gallery/_snapshot.ts
var USABLE_LAG = LOG_RETAIN / 2;

// packages/gallery/_snapshot_writer.ts
var REFRESH_LAG = LOG_RETAIN / 4;

// packages/gallery/_scan_protocol.ts
var CHUNK_BITS = 6;
var CHUNK_MASK = (1 << CHUNK_BITS) - 1;
var JOB_MASK = (1 << 31 - CHUNK_BITS) - 1;
var LANES = 2;
var FIELDS = [
  "rows",
  "count",
  "rowBytes",
  "queries",
  "size",
  "params",
  "out",
  "stride"
];
var LANE_WORDS = 2 + FIELDS.length;
var WORDS = LANES + 2 * LANE_WORDS;

// packages/gallery/_search.ts
var NORM_BOUND = 1 + 1e-6;

// packages/gallery/gates.ts
var DEFAULT_GATES = Object.freeze({
  face: "only",
  minFaceSize: 60,
  minScore: 0.9,
  minSharpness: 20,
  maxYaw: 45,
  maxPitch: 45,
  maxDuplicateSimilarity: 0.95
});
var SECOND_PERSON_SHARE = 0.75;
var REFUSAL_REASONS = [
  "no_face",
  "multiple_faces",
  "face_too_small",
  "low_score",
  "blurry",
  "pose",
  "spoof",
  "duplicate"
];
function checkFaces(faces, gates) {
  if (faces.length === 0) {
    return {
      reason: "no_face",
      message: "no face found in the photo"
    };
  }
  const side = ({ box }) => Math.min(box.width, box.height);
  const face = faces.reduce((a, b) => side(b) > side(a) ? b : a);
  const size = side(face);
  const rivals = faces.filter((other) => other !== face && side(other) >= SECOND_PERSON_SHARE * size);
  if (rivals.length > 0 && gates.face === "only") {
    return {
      reason: "multiple_faces",
      message: `the photo holds ${rivals.length + 1} faces of similar size; send a photo of one person, or pass face=largest`,
      measured: rivals.length + 1,
      limit: 1
    };
  }
  const { sharpness, pose } = face.quality ?? {
    sharpness: Infinity,
    pose: {
      yaw: 0,
      pitch: 0,
      roll: 0
    }
  };
  const refusals = [
    size < gates.minFaceSize && {
      reason: "face_too_small",
      message: `the face is ${Math.round(size)} px; come closer (at least ${gates.minFaceSize} px)`,
      measured: size,
      limit: gates.minFaceSize
    },
    face.score < gates.minScore && {
      reason: "low_score",
      message: `the detector is not sure this is a face (score ${face.score.toFixed(3)}, at least ${gates.minScore})`,
      measured: face.score,
      limit: gates.minScore
    },
    sharpness < gates.minSharpness && {
      reason: "blurry",
      message: `the face is blurred (sharpness ${sharpness.toFixed(1)}, at least ${gates.minSharpness}); hold still`,
      measured: sharpness,
      limit: gates.minSharpness
    },
    Math.abs(pose.yaw) > gates.maxYaw && {
      reason: "pose",
      message: `the face is turned ${Math.round(Math.abs(pose.yaw))}\xB0 sideways (at most ${gates.maxYaw}\xB0); face the camera`,
      measured: pose.yaw,
      limit: gates.maxYaw
    },
    Math.abs(pose.pitch) > gates.maxPitch && {
      reason: "pose",
      message: `the face is tilted ${Math.round(Math.abs(pose.pitch))}\xB0 up or down (at most ${gates.maxPitch}\xB0); face the camera`,
      measured: pose.pitch,
      limit: gates.maxPitch
    },
    face.liveness?.live === false && {
      reason: "spoof",
      message: `the face looks like a photo or a screen held up to the camera (liveness ${face.liveness.score.toFixed(3)}); step in front of the camera yourself`,
      measured: face.liveness.score
    }
  ];
  return refusals.find((refusal) => refusal !== false) ?? {
    face
  };
}

// packages/gallery/enrol.ts
var REJECTION_CODES = [
  ...REFUSAL_REASONS,
  "decode_error",
  "too_large",
  "limit_exceeded"
];
var DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

// packages/gallery/challenge.ts
var CHALLENGE_LIMITS = Object.freeze({
  /** A blink needs an open, a closed and an open frame. */
  minFramesPerStep: 3,
  /** 12 frames of 640×480 JPEG are about half a megabyte per step. */
  maxFramesPerStep: 12,
  /**
   * Least time from the challenge to its answer, per step, in ms: a
   * deliberate blink or turn takes a person at least this long, and an
   * answer sooner was not filmed after the challenge was issued.
   */
  minMsPerStep: 400,
  /**
   * Yaw, in degrees, that counts as a turn: people asked to turn reach
   * 25–45°; on George W. Bush's 530 LFW photos 94 % are within 20° of
   * frontal (`estimatePose` is good to about ten degrees there).
   */
  turnYaw: 20,
  /**
   * An eye is open at or above this openness (the eye net's probability,
   * the more open eye of the two): the median LFW face scores 0.99.
   */
  openEyes: 0.7,
  /**
   * Both eyes are closed at or below this: 15 of George W. Bush's 530 LFW
   * photos, all with the eyes shut or nearly, score under 0.2.
   */
  closedEyes: 0.25
});
var FRAME_GATES = {
  ...DEFAULT_GATES,
  face: "only",
  minSharpness: 0,
  maxYaw: 180,
  maxPitch: 180
};

// apps/kiosk/page/_analysis.ts
async function analyzeFrame(detector, image, gates = DEFAULT_GATES) {
  const faces = (await detector.detectFaces(image)).map((face) => {
    const aligned = alignFace(image, face.landmarks);
    const quality = {
      sharpness: laplacianVariance(aligned),
      pose: estimatePose(face.landmarks)
    };
    return {
      ...face,
      quality,
      aligned
    };
  });
  return {
    width: image.width,
    height: image.height,
    faces,
    verdict: checkFaces(faces, gates)
  };
}

// apps/kiosk/page/_api.ts
var ApiFailure = class extends Error {
  status;
  code;
  details;
  /** Creates the failure from the envelope's fields. */
  constructor(status, code, message, details) {
    super(message);
    this.name = "ApiFailure";
    this.status = status;
    this.code = code;
    this.details = details;
  }
};
var IDENTIFY_QUERY = "faces=largest&far=far-1e-3";
var KioskApi = class {
  #fetch;
  #liveness;
  /**
   * A client sending through `fetcher` (default: the global `fetch`).
   * `liveness` (default `true`): the server runs the passive liveness
   * check on every enrolment photo and identified face, refusing a spoof
   * and reporting it; `false` where the check refuses too many people
   * (it is a deterrent, not proof).
   */
  constructor(fetcher = (url, init) => fetch(url, init), options = {}) {
    this.#fetch = fetcher;
    this.#liveness = `liveness=${options.liveness ?? true}`;
  }
  /**
   * Creates the subject `id`: `true`, or `false` when it already exists
   * (enrolling again adds faces to it).
   *
   * @throws {ApiFailure} When the API refuses the id or fails.
   */
  async createSubject(id) {
    const response = await this.#fetch("/v1/subjects", {
      method: "POST",
      headers: {
        "content-type": "application/json"
      },
      body: JSON.stringify({
        id
      })
    });
    if (response.status === 201) {
      await response.arrayBuffer();
      return true;
    }
    const failure = await failureOf(response);
    if (failure.code === "already_exists") return false;
    throw failure;
  }
  /**
   * Enrols the largest face of `image` (an encoded frame) as a face of
   * subject `id`, through the server's gates and its passive liveness
   * check (refused as `spoof`).
   *
   * @throws {ApiFailure} For any answer but a kept face or a refusal.
   */
  async enrolFace(id, image) {
    const response = await this.#fetch(`/v1/subjects/${encodeURIComponent(id)}/faces?${this.#liveness}`, {
      method: "POST",
      headers: {
        "content-type": image.type
      },
      body: image
    });
    if (response.status === 201) {
      const { faceId } = await response.json();
      return {
        faceId
      };
    }
    const failure = await failureOf(response);
    if (failure.code === "enrolment_refused") {
      return {
        refusal: failure.details
      };
    }
    throw failure;
  }
  /**
   * Who the largest face of `image` is; `undefined` when the server finds
   * no face in it.
   *
   * @throws {ApiFailure} When the API refuses the image or fails.
   */
  async identify(image) {
    const query = `${IDENTIFY_QUERY}&${this.#liveness}`;
    const response = await this.#fetch(`/v1/identify?${query}`, {
      method: "POST",
      headers: {
        "content-type": image.type
      },
      body: image
    });
    if (response.status !== 200) throw await failureOf(response);
    const { threshold, results } = await response.json();
    const [best] = results;
    return best && {
      subjectId: best.subjectId,
      similarity: best.similarity,
      threshold,
      live: best.face.liveness?.live ?? true
    };
  }
  /**
   * A new liveness challenge.
   *
   * @throws {ApiFailure} When the API fails.
   */
  async challenge() {
    const response = await this.#fetch("/v1/liveness/challenges", {
      method: "POST"
    });
    if (response.status !== 201) throw await failureOf(response);
    const { id, steps: steps2 } = await response.json();
    return {
      id,
      steps: steps2
    };
  }
  /**
   * Sends the burst of `frames` (each step's frames in turn) as the
   * answer to challenge `id`.
   *
   * @throws {ApiFailure} When the API refuses the answer or fails.
   */
  async answer(id, frames) {
    const form = new FormData();
    for (const frame of frames) form.append("frame", frame, "frame.jpg");
    const response = await this.#fetch(`/v1/liveness/challenges/${encodeURIComponent(id)}`, {
      method: "POST",
      body: form
    });
    if (response.status !== 200) throw await failureOf(response);
    const { passed, reason, message } = await response.json();
    return {
      passed,
      reason,
      message
    };
  }
};
async function failureOf(response) {
  const text = await response.text();
  try {
    const { error } = JSON.parse(text);
    return new ApiFailure(response.status, error.code, error.message, error.details);
  } catch {
    return new ApiFailure(response.status, "unexpected_answer", `HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
}

// apps/kiosk/page/_pixels.ts
function rgbaToRgb(rgba, width, height) {
  const pixels = width * height;
  if (!(Number.isInteger(width) && Number.isInteger(height) && pixels >= 0 && rgba.length === pixels * 4)) {
    throw new RangeError(`expected ${width}x${height} RGBA pixels (${pixels * 4} bytes), got ${rgba.length} bytes`);
  }
  const data = new Uint8Array(pixels * 3);
  for (let i = 0, o = 0; o < data.length; i += 4, o += 3) {
    data[o] = rgba[i];
    data[o + 1] = rgba[i + 1];
    data[o + 2] = rgba[i + 2];
  }
  return {
    width,
    height,
    data
  };
}
function rgbToRgba(image) {
  const rgba = new Uint8ClampedArray(image.width * image.height * 4);
  for (let i = 0, o = 0; i < image.data.length; i += 3, o += 4) {
    rgba[o] = image.data[i];
    rgba[o + 1] = image.data[i + 1];
    rgba[o + 2] = image.data[i + 2];
    rgba[o + 3] = 255;
  }
  return rgba;
}

// apps/kiosk/page/_camera.ts
var JPEG_QUALITY = 0.92;
async function startCamera(video2) {
  video2.srcObject = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: {
      facingMode: "user",
      width: {
        ideal: 640
      },
      height: {
        ideal: 480
      }
    }
  });
  await video2.play();
}
var FrameGrabber = class {
  #canvas = document.createElement("canvas");
  #context = this.#canvas.getContext("2d", {
    willReadFrequently: true
  });
  /** The video's current frame as RGB pixels. */
  grab(video2) {
    const { videoWidth: width, videoHeight: height } = video2;
    if (this.#canvas.width !== width || this.#canvas.height !== height) {
      this.#canvas.width = width;
      this.#canvas.height = height;
    }
    this.#context.drawImage(video2, 0, 0, width, height);
    const { data } = this.#context.getImageData(0, 0, width, height);
    return rgbaToRgb(data, width, height);
  }
  /**
   * The last frame taken, as a JPEG. The canvas is copied when this is
   * called, so a frame taken meanwhile does not change it.
   */
  encode() {
    return new Promise((resolve, reject) => this.#canvas.toBlob((blob) => blob ? resolve(blob) : reject(new Error("the frame cannot be encoded")), "image/jpeg", JPEG_QUALITY));
  }
};

// apps/kiosk/page/_guidance.ts
var INSTRUCTIONS = {
  no_face: "Step in front of the camera",
  multiple_faces: "One person at a time",
  face_too_small: "Come closer",
  // A doubtful face is mostly a turned, hidden or badly lit one.
  low_score: "Face the camera",
  blurry: "Hold still",
  pose: "Face the camera",
  // The passive check found a print or a screen, as far as it can tell.
  spoof: "Show your own face, not a photo or a screen",
  duplicate: "Turn your head a little"
};
function guidanceFor(verdict) {
  if ("face" in verdict) return {
    tone: "good",
    text: "Good, stay there"
  };
  const { reason } = verdict;
  return {
    tone: reason === "no_face" ? "waiting" : "adjust",
    text: INSTRUCTIONS[reason],
    reason
  };
}

// apps/kiosk/page/_kiosk.ts
var CHALLENGE_FRAMES = 8;
var CHALLENGE_FRAME_MS = 175;
var SPOOF_GUIDANCE = guidanceFor({
  reason: "spoof",
  message: ""
});
var MOVES = {
  blink: "Blink",
  turn_left: "Turn your head to your left",
  turn_right: "Turn your head to your right"
};
var ENROL_FACES = 3;
var Kiosk = class {
  /** Called after every change of {@linkcode Kiosk.view}. */
  onChange;
  #api;
  #target;
  #interval;
  #ttl;
  #now;
  #guidance = {
    tone: "waiting",
    text: "Starting the camera"
  };
  #enrolment;
  #identity;
  #error;
  #filming;
  /** When the server last found the face not live. */
  #spoofAt = -Infinity;
  #challenge;
  #pending;
  #lastRequest = -Infinity;
  /**
   * A kiosk talking to `api`.
   *
   * @throws {RangeError} For an option out of range.
   */
  constructor(api, options = {}) {
    const { enrolFaces = ENROL_FACES, requestIntervalMs = 250, identityTtlMs = 2e3, now = () => performance.now() } = options;
    if (!(Number.isInteger(enrolFaces) && enrolFaces >= 1)) {
      throw new RangeError(`enrolFaces must be a whole number of at least 1, got ${enrolFaces}`);
    }
    for (const [name, value] of Object.entries({
      requestIntervalMs,
      identityTtlMs
    })) {
      if (!(Number.isFinite(value) && value >= 0)) {
        throw new RangeError(`${name} must be a number of ms, at least 0, got ${value}`);
      }
    }
    this.#api = api;
    this.#target = enrolFaces;
    this.#interval = requestIntervalMs;
    this.#ttl = identityTtlMs;
    this.#now = now;
  }
  /** What the page shows now. */
  get view() {
    const identity = this.#identity && this.#now() - this.#identity.at <= this.#ttl ? this.#identity.view : void 0;
    const enrolment = this.#enrolment && {
      name: this.#enrolment.name,
      accepted: this.#enrolment.accepted,
      target: this.#target,
      done: this.#enrolment.accepted >= this.#target,
      note: this.#enrolment.note
    };
    return {
      mode: enrolment && !enrolment.done ? "enrol" : "identify",
      guidance: this.#guidance,
      ...enrolment && {
        enrolment
      },
      ...identity && {
        identity
      },
      ...this.#challenge && {
        challenge: this.#challenge
      },
      ...this.#error !== void 0 && {
        error: this.#error
      }
    };
  }
  /**
   * Starts enrolling `name` (trimmed; the subject's id): creates the
   * subject, or adds to it when it exists. The next frames that pass the
   * gates are sent as its photos until the server has kept
   * {@linkcode KioskOptions.enrolFaces} of them.
   */
  async enrol(name) {
    const id = name.trim();
    if (id === "") {
      this.#error = "Type a name to enrol";
    } else {
      try {
        const created = await this.#api.createSubject(id);
        this.#enrolment = {
          name: id,
          accepted: 0,
          note: created ? `Enrolling ${id}` : `Adding faces to ${id}`
        };
        this.#identity = void 0;
        this.#error = void 0;
      } catch (error) {
        this.#error = messageOf(error);
      }
    }
    this.#changed();
  }
  /**
   * Starts a liveness challenge: asks the server for the moves, then
   * films {@linkcode CHALLENGE_FRAMES} frames of each as the page says it,
   * and sends them; the view's `challenge` follows it. Enrolment and
   * identification wait meanwhile.
   */
  async startChallenge() {
    if (this.#filming || this.#challenge?.state === "judging") return;
    try {
      const { id, steps: steps2 } = await this.#api.challenge();
      this.#filming = {
        id,
        steps: steps2,
        frames: [],
        lastFrame: -Infinity
      };
      this.#challenge = {
        state: "filming",
        text: MOVES[steps2[0]]
      };
      this.#error = void 0;
    } catch (error) {
      this.#error = messageOf(error);
    }
    this.#changed();
  }
  /**
   * Takes the analysis of a new frame: the guidance follows it at once;
   * when the frame passes the gates, no request is waiting and the last
   * one is old enough, `encode` is called at once (the frame must still be
   * the one analysed) and the image is sent to enrol or identify.
   */
  frame(analysis, encode) {
    const { verdict } = analysis;
    const now = this.#now();
    this.#guidance = "face" in verdict && now - this.#spoofAt <= this.#ttl ? SPOOF_GUIDANCE : guidanceFor(verdict);
    if (this.#filming) {
      this.#film(this.#filming, encode, now);
    } else if ("face" in verdict && this.#pending === void 0 && now - this.#lastRequest >= this.#interval) {
      this.#lastRequest = now;
      const image = encode();
      const enrolment = this.#enrolment;
      const request = enrolment && enrolment.accepted < this.#target ? this.#enrolFace(enrolment, image) : this.#identify(image, verdict.face.aligned);
      this.#pending = request.finally(() => {
        this.#pending = void 0;
        this.#changed();
      });
    }
    this.#changed();
  }
  /** Resolves once no request is waiting for its answer. */
  async settled() {
    while (this.#pending) await this.#pending;
  }
  /** Films the frame when it is time; sends the burst once complete. */
  #film(filming, encode, now) {
    if (now - filming.lastFrame >= CHALLENGE_FRAME_MS) {
      filming.lastFrame = now;
      filming.frames.push(encode());
    }
    const step = Math.floor(filming.frames.length / CHALLENGE_FRAMES);
    if (step < filming.steps.length) {
      this.#challenge = {
        state: "filming",
        text: MOVES[filming.steps[step]]
      };
    } else {
      this.#filming = void 0;
      this.#challenge = {
        state: "judging",
        text: "Checking"
      };
      this.#pending = this.#judge(filming).finally(() => {
        this.#pending = void 0;
        this.#changed();
      });
    }
    this.#guidance = {
      tone: "adjust",
      text: this.#challenge.text
    };
  }
  async #judge(filming) {
    try {
      const result = await this.#api.answer(filming.id, await Promise.all(filming.frames));
      this.#challenge = verdictView(result);
      this.#error = void 0;
    } catch (error) {
      this.#challenge = {
        state: "failed",
        text: "Not checked"
      };
      this.#error = messageOf(error);
    }
  }
  async #enrolFace(enrolment, image) {
    try {
      const outcome = await this.#api.enrolFace(enrolment.name, await image);
      if ("faceId" in outcome) {
        enrolment.accepted++;
        enrolment.note = enrolment.accepted >= this.#target ? `Enrolled ${enrolment.name}` : `Face ${enrolment.accepted} of ${this.#target} kept`;
      } else {
        enrolment.note = guidanceFor(outcome.refusal).text;
      }
      this.#error = void 0;
    } catch (error) {
      this.#enrolment = void 0;
      this.#error = messageOf(error);
    }
  }
  async #identify(image, crop2) {
    try {
      const identity = await this.#api.identify(await image);
      if (identity && !identity.live) {
        this.#identity = void 0;
        this.#spoofAt = this.#now();
        this.#guidance = SPOOF_GUIDANCE;
      } else if (identity) {
        this.#spoofAt = -Infinity;
        this.#identity = {
          view: {
            name: identity.subjectId,
            similarity: identity.similarity,
            threshold: identity.threshold,
            crop: crop2
          },
          at: this.#now()
        };
      }
      this.#error = void 0;
    } catch (error) {
      this.#error = messageOf(error);
    }
  }
  #changed() {
    this.onChange?.();
  }
};
function verdictView(result) {
  return result.passed ? {
    state: "passed",
    text: "Live: every move seen"
  } : {
    state: "failed",
    text: `Not live: ${result.message ?? result.reason}`,
    reason: result.reason ?? void 0
  };
}
function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}

// apps/kiosk/page/_overlay.ts
var COLOURS = {
  good: "#2ecc71",
  adjust: "#f5a623",
  waiting: "#9aa0a6"
};
function drawFaces(canvas, analysis, tone) {
  if (canvas.width !== analysis.width || canvas.height !== analysis.height) {
    canvas.width = analysis.width;
    canvas.height = analysis.height;
  }
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  const judged = "face" in analysis.verdict ? analysis.verdict.face : void 0;
  const unit = Math.max(1, analysis.width / 320);
  for (const face of analysis.faces) {
    const main = judged === void 0 || face === judged;
    context.strokeStyle = context.fillStyle = COLOURS[tone];
    context.lineWidth = (main ? 2 : 1) * unit;
    const { x, y, width, height } = face.box;
    context.strokeRect(x, y, width, height);
    for (const point of face.landmarks) {
      context.beginPath();
      context.arc(point.x, point.y, 1.5 * unit, 0, 2 * Math.PI);
      context.fill();
    }
  }
}
function drawCrop(canvas, crop2) {
  canvas.width = crop2.width;
  canvas.height = crop2.height;
  canvas.getContext("2d").putImageData(new ImageData(rgbToRgba(crop2), crop2.width, crop2.height), 0, 0);
}

// apps/kiosk/page/main.ts
var element = (id) => document.getElementById(id);
var video = element("video");
var overlay = element("overlay");
var guidance = element("guidance");
var crop = element("crop");
var identityName = element("identity-name");
var identitySimilarity = element("identity-similarity");
var enrolForm = element("enrol-form");
var enrolName = element("enrol-name");
var enrolStatus = element("enrol-status");
var errorLine = element("error");
var challengeButton = element("challenge-button");
var challengeStatus = element("challenge-status");
var shownCrop;
function render(view) {
  document.body.dataset.mode = view.mode;
  guidance.textContent = view.guidance.text;
  guidance.dataset.tone = view.guidance.tone;
  const { identity, enrolment } = view;
  if (identity !== shownCrop) {
    if (identity) {
      drawCrop(crop, identity.crop);
    } else {
      crop.getContext("2d").clearRect(0, 0, crop.width, crop.height);
    }
    shownCrop = identity;
  }
  identityName.textContent = identity ? identity.name ?? "Unknown" : "";
  identitySimilarity.textContent = !identity ? "" : identity.similarity === null ? `nobody enrolled reaches ${identity.threshold.toFixed(3)}` : `similarity ${identity.similarity.toFixed(3)} (at least ${identity.threshold.toFixed(3)})`;
  enrolStatus.textContent = enrolment ? `${enrolment.note} (${enrolment.accepted} of ${enrolment.target})` : "";
  errorLine.textContent = view.error ?? "";
  challengeStatus.textContent = view.challenge?.text ?? "";
  challengeStatus.dataset.state = view.challenge?.state ?? "";
}
async function start() {
  const [detector] = await Promise.all([
    FaceDetector.load({
      backend: "wasm"
    }),
    startCamera(video)
  ]);
  const liveness = new URLSearchParams(location.search).get("liveness");
  const kiosk = new Kiosk(new KioskApi(void 0, {
    liveness: liveness !== "off"
  }));
  kiosk.onChange = () => render(kiosk.view);
  enrolForm.addEventListener("submit", (event) => {
    event.preventDefault();
    kiosk.enrol(enrolName.value);
    enrolName.value = "";
  });
  challengeButton.addEventListener("click", () => kiosk.startChallenge());
  const grabber = new FrameGrabber();
  let updates = 0;
  const onFrame = async (_now, { presentedFrames }) => {
    try {
      const analysis = await analyzeFrame(detector, grabber.grab(video));
      kiosk.frame(analysis, () => grabber.encode());
      drawFaces(overlay, analysis, kiosk.view.guidance.tone);
      guidance.dataset.updates = String(++updates);
      guidance.dataset.frames = String(presentedFrames);
    } catch (error) {
      errorLine.textContent = `frame analysis failed: ${error.message}`;
    } finally {
      video.requestVideoFrameCallback(onFrame);
    }
  };
  video.requestVideoFrameCallback(onFrame);
  document.body.dataset.ready = "true";
  render(kiosk.view);
}
start().catch((error) => {
  guidance.textContent = error instanceof DOMException ? "The camera cannot start" : "The face detector cannot load";
  errorLine.textContent = `${error.name}: ${error.message}`;
});
