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
  DEFAULT_MAX_PIXELS: () => DEFAULT_MAX_PIXELS,
  FaceError: () => FaceError,
  ImageDecodeError: () => ImageDecodeError,
  ImageTooLargeError: () => ImageTooLargeError,
  alignFace: () => alignFace,
  applyAffine: () => applyAffine,
  cosineSimilarity: () => cosineSimilarity,
  cropImage: () => cropImage,
  decodeImage: () => decodeImage,
  estimatePose: () => estimatePose,
  estimateSimilarityTransform: () => estimateSimilarityTransform,
  facesToTensor: () => facesToTensor,
  invertAffine: () => invertAffine,
  l2Normalize: () => l2Normalize,
  laplacianVariance: () => laplacianVariance,
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

// packages/core/image.ts
function areaTable(src, dst) {
  const scale = src / dst;
  const taps = Math.ceil(scale) + 1;
  const first = new Int32Array(dst);
  const count = new Int32Array(dst);
  const weights = new Float64Array(dst * taps);
  for (let i = 0; i < dst; i++) {
    const start2 = i * scale;
    const end = Math.min((i + 1) * scale, src);
    const lo = Math.floor(start2);
    const hi = Math.min(Math.ceil(end), src, lo + taps);
    first[i] = lo;
    count[i] = hi - lo;
    let total = 0;
    for (let s = lo; s < hi; s++) {
      const overlap = Math.min(end, s + 1) - Math.max(start2, s);
      weights[i * taps + s - lo] = overlap;
      total += overlap;
    }
    for (let k = 0; k < hi - lo; k++) weights[i * taps + k] /= total;
  }
  return {
    taps,
    first,
    count,
    weights
  };
}
function bilinearTable(src, dst) {
  const scale = src / dst;
  const first = new Int32Array(dst);
  const count = new Int32Array(dst);
  const weights = new Float64Array(dst * 2);
  for (let i = 0; i < dst; i++) {
    const pos = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), src - 1);
    const lo = Math.min(Math.floor(pos), src - 1);
    const frac = pos - lo;
    first[i] = lo;
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
    first,
    count,
    weights
  };
}
function axisTable(src, dst) {
  return dst < src ? areaTable(src, dst) : bilinearTable(src, dst);
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
  const xt = axisTable(srcW, width);
  const yt = axisTable(srcH, height);
  const rowLen = width * 3;
  const tmp = new Float32Array(srcH * rowLen);
  const xTaps = xt.taps;
  const { count: xCount, first: xFirst, weights: xWeights } = xt;
  for (let y = 0; y < srcH; y++) {
    const srcRow = y * srcW * 3;
    let o = y * rowLen;
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
    const first = yt.first[y];
    const w0 = yt.weights[y * yTaps];
    let base = first * rowLen;
    for (let i = 0; i < rowLen; i++) acc[i] = w0 * tmp[base + i];
    for (let k = 1; k < n; k++) {
      const w = yt.weights[y * yTaps + k];
      base = (first + k) * rowLen;
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

// packages/core/align.ts
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
  return scale >= 0.5 ? warpAffine(image, matrix, size, size) : warpShrunk(image, matrix, scale, size);
}
function warpShrunk(image, matrix, scale, size) {
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
  const right = Math.min(image.width, Math.ceil(Math.max(...corners.map((p) => p.x))) + 1);
  const bottom = Math.min(image.height, Math.ceil(Math.max(...corners.map((p) => p.y))) + 1);
  if (right - left < 2 || bottom - top < 2) {
    return warpAffine(image, matrix, size, size);
  }
  const region = cropImage(image, {
    x: left,
    y: top,
    width: right - left,
    height: bottom - top
  });
  const shrunk = resizeImage(region, Math.max(1, Math.round(region.width * scale)), Math.max(1, Math.round(region.height * scale)));
  const sx = shrunk.width / region.width;
  const sy = shrunk.height / region.height;
  const [a, b, c, d, e, f] = matrix;
  const ox = left + 0.5 / sx - 0.5;
  const oy = top + 0.5 / sy - 0.5;
  return warpAffine(shrunk, [
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
  const first = channelOrder === "rgb" ? 0 : 2;
  const last = 2 - first;
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
      out[p0 + i] = NORMALISED[src[s + first]];
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
function startsWith(bytes, prefix) {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    if (bytes[i] !== prefix[i]) return false;
  }
  return true;
}
function isPrefixOf(bytes, signature) {
  return bytes.length > 0 && bytes.length < signature.length && bytes.every((b, i) => b === signature[i]);
}
function ascii(bytes, start2, length) {
  return String.fromCharCode(...bytes.subarray(start2, start2 + length));
}
function otherFormat(bytes) {
  if (ascii(bytes, 0, 4) === "GIF8") return "GIF";
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WEBP") {
    return "WebP";
  }
  if (ascii(bytes, 0, 2) === "BM") return "BMP";
  if (ascii(bytes, 0, 4) === "II*\0" || ascii(bytes, 0, 4) === "MM\0*") {
    return "TIFF";
  }
  if (ascii(bytes, 4, 4) === "ftyp") return "HEIF/AVIF";
  if (ascii(bytes, 0, 4) === "\0\0\0\fjXL".slice(0, 4)) return "JPEG XL";
  if (bytes[0] === 255 && bytes[1] === 10) return "JPEG XL";
  if (ascii(bytes, 0, 4) === "%PDF") return "PDF";
  return void 0;
}
function sniffFormat(bytes) {
  if (startsWith(bytes, JPEG_SIGNATURE)) return "jpeg";
  if (startsWith(bytes, PNG_SIGNATURE)) return "png";
  if (isPrefixOf(bytes, JPEG_SIGNATURE) || isPrefixOf(bytes, PNG_SIGNATURE)) {
    throw new ImageDecodeError("truncated_image", `image data ends after ${bytes.length} byte(s), inside the file signature`);
  }
  if (bytes.length === 0) {
    throw new ImageDecodeError("unsupported_format", "no image data: the input is empty");
  }
  const other = otherFormat(bytes);
  throw new ImageDecodeError("unsupported_format", other ? `${other} images are not supported; use JPEG or PNG` : "not a JPEG or PNG image (unrecognised file signature)");
}
function parseHeader(bytes) {
  return sniffFormat(bytes) === "jpeg" ? parseJpegHeader(bytes) : parsePngHeader(bytes);
}
function checkStructure(bytes, header) {
  if (header.format === "jpeg") checkJpegStructure(bytes, header.headerEnd);
  else checkPngStructure(bytes, header.headerEnd);
}
function truncated(what) {
  return new ImageDecodeError("truncated_image", `image data ends early: ${what}`);
}
function corrupt(what) {
  return new ImageDecodeError("corrupt_image", `corrupt image: ${what}`);
}
var SOI = 216;
var EOI = 217;
var SOS = 218;
var APP1 = 225;
function isSof(marker) {
  return marker >= 192 && marker <= 207 && marker !== 196 && marker !== 200 && marker !== 204;
}
function isStandalone(marker) {
  return marker === 1 || marker >= 208 && marker <= 215;
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
  const length = bytes[markerPos + 1] << 8 | bytes[markerPos + 2];
  if (length < 2) {
    throw corrupt(`JPEG segment 0xFF${hex(bytes[markerPos])} length ${length}`);
  }
  if (markerPos + 1 + length > bytes.length) {
    throw truncated(`JPEG segment 0xFF${hex(bytes[markerPos])} needs ${length} bytes, ${bytes.length - markerPos - 1} remain`);
  }
  return length;
}
function hex(byte) {
  return byte.toString(16).toUpperCase().padStart(2, "0");
}
function parseJpegHeader(bytes) {
  let orientation = 0;
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
    const length = segmentLength(bytes, m);
    const body = m + 3;
    const end = m + 1 + length;
    if (marker === SOS) {
      if (!sof) throw corrupt("JPEG scan before any frame header (SOF)");
      return {
        format: "jpeg",
        width: sof.width,
        height: sof.height,
        orientation: orientation || 1,
        components: sof.components,
        bitDepth: sof.p,
        colorType: -1,
        headerEnd: m - 1
      };
    }
    if (marker === APP1 && orientation === 0 && length >= 8 && ascii(bytes, body, 6) === "Exif\0\0") {
      orientation = readExifOrientation(bytes, body + 6, end);
    } else if (isSof(marker)) {
      if (sof) throw corrupt("more than one JPEG frame header (SOF)");
      if (length < 8) throw corrupt("JPEG frame header too short");
      const p = bytes[body];
      const height = bytes[body + 1] << 8 | bytes[body + 2];
      const width = bytes[body + 3] << 8 | bytes[body + 4];
      const components = bytes[body + 5];
      if (length !== 8 + 3 * components) {
        throw corrupt(`JPEG frame header length ${length} does not fit ${components} components`);
      }
      if (marker === 195 || marker >= 197 && marker <= 199 || marker >= 203) {
        throw new ImageDecodeError("unsupported_format", `lossless or hierarchical JPEG (SOF 0xFF${hex(marker)}) is not supported`);
      }
      if (marker >= 201) {
        throw new ImageDecodeError("unsupported_format", `arithmetic-coded JPEG (SOF 0xFF${hex(marker)}) is not supported`);
      }
      if (p !== 8) {
        throw new ImageDecodeError("unsupported_format", `${p}-bit JPEG is not supported (only 8-bit samples)`);
      }
      if (width === 0 || height === 0) {
        throw corrupt(`JPEG frame size is ${width}x${height}`);
      }
      if (components !== 1 && components !== 3 && components !== 4) {
        throw new ImageDecodeError("unsupported_format", `JPEG with ${components} colour components is not supported`);
      }
      sof = {
        width,
        height,
        components,
        p
      };
    }
    pos = end;
  }
}
function checkJpegStructure(bytes, sosPos) {
  let pos = sosPos;
  let inScan = false;
  for (; ; ) {
    let m;
    if (inScan) {
      m = -1;
      let p = bytes.indexOf(255, pos);
      while (p >= 0 && p + 1 < bytes.length) {
        const code = bytes[p + 1];
        if (code === 0 || code >= 208 && code <= 215) {
          p = bytes.indexOf(255, p + 2);
        } else if (code === 255) {
          p++;
        } else {
          m = p + 1;
          break;
        }
      }
      if (m < 0) throw truncated("the JPEG scan data stops before EOI");
    } else {
      m = nextMarker(bytes, pos);
      if (m < 0) throw truncated("the JPEG stream stops before EOI");
    }
    const marker = bytes[m];
    if (marker === EOI) return;
    if (isStandalone(marker)) {
      pos = m + 1;
      continue;
    }
    if (marker === SOI || marker === 0) {
      throw corrupt(`unexpected JPEG marker 0xFF${hex(marker)}`);
    }
    if (isSof(marker)) throw corrupt("more than one JPEG frame header (SOF)");
    const length = segmentLength(bytes, m);
    pos = m + 1 + length;
    inScan = marker === SOS;
  }
}
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
function readU32(bytes, pos) {
  return (bytes[pos] << 24 | bytes[pos + 1] << 16 | bytes[pos + 2] << 8 | bytes[pos + 3]) >>> 0;
}
function readChunk(bytes, pos) {
  if (pos + 8 > bytes.length) throw truncated("a PNG chunk header is cut off");
  const length = readU32(bytes, pos);
  if (length > 2147483647) throw corrupt(`PNG chunk length ${length}`);
  const type = ascii(bytes, pos + 4, 4);
  if (!/^[A-Za-z]{4}$/.test(type)) {
    throw corrupt(`invalid PNG chunk type ${JSON.stringify(type)}`);
  }
  const start2 = pos + 8;
  const end = start2 + length;
  if (end + 4 > bytes.length) {
    throw truncated(`PNG chunk ${type} is cut off`);
  }
  if (crc32(bytes, pos + 4, end) !== readU32(bytes, end)) {
    throw corrupt(`PNG chunk ${type} fails its CRC check`);
  }
  return {
    type,
    start: start2,
    end
  };
}
function parsePngHeader(bytes) {
  const ihdr = readChunk(bytes, 8);
  if (ihdr.type !== "IHDR") throw corrupt("PNG does not start with IHDR");
  if (ihdr.end - ihdr.start !== 13) throw corrupt("PNG IHDR is not 13 bytes");
  const p = ihdr.start;
  const width = readU32(bytes, p);
  const height = readU32(bytes, p + 4);
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
    if (chunk.type === "IDAT") {
      if (colorType === 3 && !palette) {
        throw corrupt("palette PNG without a PLTE chunk before its data");
      }
      return {
        format: "png",
        width,
        height,
        orientation,
        components: 0,
        bitDepth,
        colorType,
        headerEnd: pos
      };
    }
    if (chunk.type === "IEND") throw corrupt("PNG has no image data (IDAT)");
    if (chunk.type === "PLTE") {
      const size = chunk.end - chunk.start;
      if (size === 0 || size % 3 !== 0 || size > 768) {
        throw corrupt(`PNG PLTE chunk of ${size} bytes`);
      }
      palette = true;
    }
    if (chunk.type === "eXIf") {
      orientation = readExifOrientation(bytes, chunk.start, chunk.end);
    }
    pos = chunk.end + 4;
  }
}
function checkPngStructure(bytes, idatPos) {
  let pos = idatPos;
  for (; ; ) {
    const chunk = readChunk(bytes, pos);
    if (chunk.type === "IEND") return;
    pos = chunk.end + 4;
  }
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
    const rowBytes2 = Math.ceil(width * depth / 8);
    if (data.length < rowBytes2 * height) {
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
      const row = y * rowBytes2;
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

// packages/core/_codecs.ts
var CodecError = class extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "CodecError";
  }
};
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
var jpegMessages = [];
var jpegWasm;
var jpegModule;
var jpegStale = false;
var LARGE_IMAGE_PIXELS = 16e6;
async function initJpeg(module) {
  const overrides = {
    print: (text) => jpegMessages.push(text),
    printErr: (text) => jpegMessages.push(text)
  };
  const init = module.init;
  if (jpegWasm) await init(jpegWasm, overrides);
  else await init(overrides);
}
function loadJpeg() {
  jpegModule ??= (async () => {
    const module = await import("@jsquash/jpeg/decode.js");
    jpegWasm = await loadWasm("@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm");
    await initJpeg(module);
    return module;
  })();
  jpegModule.catch(() => jpegModule = void 0);
  return jpegModule;
}
var jpegQueue = Promise.resolve();
function isDamageWarning(message) {
  return /premature end|corrupt jpeg data|bogus|invalid|huffman|ran out/i.test(message) && !/extraneous bytes before marker/i.test(message);
}
function decodeJpegMozjpeg(bytes) {
  const run = async () => {
    const module = await loadJpeg();
    if (jpegStale) {
      await initJpeg(module);
      jpegStale = false;
    }
    jpegMessages = [];
    let image;
    try {
      image = await module.default(exactBuffer(bytes), {
        preserveOrientation: false
      });
    } catch (cause) {
      jpegStale = true;
      throw new CodecError(jpegMessages.join("; ") || describe(cause), {
        cause
      });
    }
    if (image.width * image.height > LARGE_IMAGE_PIXELS) jpegStale = true;
    const damage = jpegMessages.filter(isDamageWarning);
    if (damage.length > 0) throw new CodecError(damage.join("; "));
    return rgbaToRgb(image.width, image.height, image.data);
  };
  const result = jpegQueue.then(run, run);
  jpegQueue = result.catch(() => void 0);
  return result;
}
async function decodeJpegCmyk(bytes) {
  const { default: jpeg } = await import("jpeg-js");
  try {
    const image = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: Infinity,
      maxMemoryUsageInMB: Infinity
    });
    return {
      width: image.width,
      height: image.height,
      data: image.data
    };
  } catch (cause) {
    throw new CodecError(describe(cause), {
      cause
    });
  }
}
async function decodePng(bytes) {
  const { decode } = await import("fast-png");
  try {
    return pngSamplesToRgb(decode(bytes, {
      checkCrc: false
    }));
  } catch (cause) {
    throw new CodecError(describe(cause), {
      cause
    });
  }
}
function rgbaToRgb(width, height, rgba) {
  const n = width * height;
  if (rgba.length !== n * 4) {
    throw new CodecError(`decoder returned ${rgba.length} bytes for ${width}x${height} RGBA`);
  }
  const out = new Uint8Array(n * 3);
  for (let i = 0, s = 0, o = 0; i < n; i++, s += 4, o += 3) {
    out[o] = rgba[s];
    out[o + 1] = rgba[s + 1];
    out[o + 2] = rgba[s + 2];
  }
  return {
    width,
    height,
    data: out
  };
}
function exactBuffer(bytes) {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes.buffer : bytes.slice().buffer;
}
function describe(error) {
  if (error instanceof Error) return error.message;
  if (error && typeof error === "object" && "message" in error) {
    return String(error.message);
  }
  return String(error);
}

// packages/core/_orient.ts
function applyOrientation(stored, orientation) {
  if (orientation <= 1 || orientation > 8) return stored;
  const w = stored.width, h = stored.height, src = stored.data;
  const swap = orientation >= 5;
  const outW = swap ? h : w;
  const outH = swap ? w : h;
  const out = new Uint8Array(src.length);
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
    default:
      base = (w - 1) * outW, stepX = -outW, stepY = 1;
  }
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
var DEFAULT_MAX_PIXELS = 5e7;
async function decodeImage(bytes, options = {}) {
  assertBytes(bytes);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(maxPixels > 0)) {
    throw new FaceError("invalid_argument", `maxPixels must be a positive number, got ${maxPixels}`);
  }
  const header = parseHeader(bytes);
  if (header.width * header.height > maxPixels) {
    throw new ImageTooLargeError(header.width, header.height, maxPixels);
  }
  checkStructure(bytes, header);
  let raw;
  try {
    if (header.format === "png") {
      raw = await decodePng(bytes);
    } else if (header.components === 4) {
      raw = await decodeJpegCmyk(bytes);
    } else {
      raw = await decodeJpegMozjpeg(bytes);
    }
  } catch (cause) {
    if (cause instanceof FaceError) throw cause;
    const detail = cause instanceof CodecError ? cause.message : String(cause);
    throw new ImageDecodeError("corrupt_image", `the ${header.format.toUpperCase()} data cannot be decoded${detail ? `: ${detail}` : ""}`, {
      cause
    });
  }
  if (raw.width !== header.width || raw.height !== header.height) {
    throw new ImageDecodeError("corrupt_image", `the decoder produced ${raw.width}x${raw.height} pixels for a ${header.width}x${header.height} header`);
  }
  const expected = raw.width * raw.height * 3;
  if (raw.data.length !== expected) {
    throw new ImageDecodeError("corrupt_image", `the decoder produced ${raw.data.length} samples, expected ${expected}`);
  }
  return applyOrientation(raw, header.orientation);
}
function assertBytes(bytes) {
  if (!(bytes instanceof Uint8Array)) {
    throw new FaceError("invalid_argument", "image bytes must be a Uint8Array");
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
   * const model = await OnnxModel.load("weights/face_landmark68.onnx", { backend: "auto" });
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
var MANIFEST_URL = new URL("./manifest.json", import.meta.url);
var CALIBRATION = operating_points_default;

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
    const steps = finest > base ? Math.ceil(Math.log(finest / base) / Math.log(MAX_LEVEL_STEP) - 1e-9) : 0;
    for (let k = 1; k <= steps; k++) {
      const scale = base * (finest / base) ** (k / steps);
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
   * try {
   *   const model = await WasmModel.load(new URL("../../weights/mobilefacenet.wasm", import.meta.url));
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
    const rows = Math.ceil(height / stride);
    const columns = Math.ceil(width / stride);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < columns; x++) {
        for (const size of MIN_BOXES[head]) {
          priors.push((x + 0.5) / columns, (y + 0.5) / rows, size / width, size / height);
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

// packages/model/_landmarks68.ts
var LANDMARK_INPUT_SIZE = 64;
var LANDMARK_OUTPUT_SIZE = 136;
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
  const face = resizeImage(cropImage(image, region), LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE);
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

// packages/model/detector.ts
var DEFAULT_MIN_SCORE = 0.7;
var DEFAULT_MIN_FACE_SIZE = 40;
var SUPPRESSION = {
  maxIou: 0.4,
  maxCovered: 0.8
};
var MIN_DETECTABLE = 20;
var EDGE_MARGIN = 2;
var DETECTOR_BATCH = 4;
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
    const [compiled, compiledLandmarker] = await Promise.all([
      options.detector === void 0 ? loadCompiledDetector(wasm) : void 0,
      wasm && options.landmarks === void 0 ? loadBundledWasm(LANDMARKER_WASM_URL) : void 0
    ]);
    const [detector, landmarker] = await Promise.all([
      wasm && compiled ? compiled : OnnxModel.load(options.detector ?? DETECTOR_URL, runner).then((model) => onnxDetector(model, compiled)),
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
   * @param image The image; any size and aspect ratio.
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
    const { minScore, minFaceSize, maxFaces } = validateOptions(options);
    const candidates = [];
    const levels = planLevels(image.width, image.height, minFaceSize, MIN_DETECTABLE, EDGE_MARGIN, this.#detector.smaller);
    for (const [k, level] of levels.entries()) {
      if (k > 0 && enoughFound(candidates, level, image, maxFaces)) break;
      const scaled = resizeImage(image, level.width, level.height);
      for (let i = 0; i < level.windows.length; i += DETECTOR_BATCH) {
        const windows = level.windows.slice(i, i + DETECTOR_BATCH);
        for (const found of await this.#detect(scaled, level.input, level.maxFaceWidth, windows, image, minScore)) {
          if (found.box.width >= minFaceSize) candidates.push(found);
        }
      }
    }
    const faces = nonMaxSuppression(candidates, SUPPRESSION).map(({ box, score }) => ({
      box: clipBox(box, image),
      score
    })).sort((a, b) => area(b.box) - area(a.box)).slice(0, maxFaces);
    const detected = [];
    for (let i = 0; i < faces.length; i += LANDMARK_BATCH) {
      const batch = faces.slice(i, i + LANDMARK_BATCH);
      const landmarks = await this.#landmarks(image, batch.map((f) => f.box));
      batch.forEach((face, k) => detected.push({
        ...face,
        landmarks: landmarks[k]
      }));
    }
    return detected;
  }
  /**
   * Boxes scoring at least `minScore` and at most `maxFaceWidth` wide (in
   * `scaled` pixels) in some windows of the resized image, in `image` pixels.
   */
  async #detect(scaled, size, maxFaceWidth, windows, image, minScore) {
    const plane = size.width * size.height;
    const input = new Float32Array(windows.length * 3 * plane);
    windows.forEach((window, n) => writeDetectorInput(scaled, window, size, input, n * 3 * plane));
    const candidates = await this.#detector.run(input, windows.length, size, minScore);
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
function onnxDetector(model, compiled) {
  return {
    smaller: compiled?.smaller ?? [],
    async run(input, batch, size, minScore) {
      if (compiled && (size.width !== DETECTOR_WIDTH || size.height !== DETECTOR_HEIGHT)) {
        return await compiled.run(input, batch, size, minScore);
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
  const larger = nonMaxSuppression(candidates, SUPPRESSION).filter(({ box }) => area(clipBox(box, image)) > bound);
  return larger.length >= maxFaces;
}
function area(box) {
  return box.width * box.height;
}
function clipBox(box, image) {
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
var KEY_CHECK = new TextEncoder().encode("facever gallery key check");

// packages/gallery/_kernel.ts
var V128_CONST = 12;
var ZERO = simd(V128_CONST, ...new Array(16).fill(0));
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

// packages/gallery/face_index.ts
var BLOCK_BITS = 14;
var BLOCK_MASK = (1 << BLOCK_BITS) - 1;
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
    }
  ];
  return refusals.find((refusal) => refusal !== false) ?? {
    face
  };
}

// packages/gallery/enrol.ts
var DEFAULT_MAX_BYTES = 20 * 1024 * 1024;

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
  /** A client sending through `fetcher` (default: the global `fetch`). */
  constructor(fetcher = (url, init) => fetch(url, init)) {
    this.#fetch = fetcher;
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
   * subject `id`, through the server's gates.
   *
   * @throws {ApiFailure} For any answer but a kept face or a refusal.
   */
  async enrolFace(id, image) {
    const response = await this.#fetch(`/v1/subjects/${encodeURIComponent(id)}/faces`, {
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
    const response = await this.#fetch(`/v1/identify?${IDENTIFY_QUERY}`, {
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
      threshold
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
function rgbaToRgb2(rgba, width, height) {
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
    return rgbaToRgb2(data, width, height);
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
   * Takes the analysis of a new frame: the guidance follows it at once;
   * when the frame passes the gates, no request is waiting and the last
   * one is old enough, `encode` is called at once (the frame must still be
   * the one analysed) and the image is sent to enrol or identify.
   */
  frame(analysis, encode) {
    const { verdict } = analysis;
    this.#guidance = guidanceFor(verdict);
    const now = this.#now();
    if ("face" in verdict && this.#pending === void 0 && now - this.#lastRequest >= this.#interval) {
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
      if (identity) {
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
}
async function start() {
  const [detector] = await Promise.all([
    FaceDetector.load({
      backend: "wasm"
    }),
    startCamera(video)
  ]);
  const kiosk = new Kiosk(new KioskApi());
  kiosk.onChange = () => render(kiosk.view);
  enrolForm.addEventListener("submit", (event) => {
    event.preventDefault();
    kiosk.enrol(enrolName.value);
    enrolName.value = "";
  });
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
