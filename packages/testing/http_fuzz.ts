/**
 * Hostile HTTP requests for the API's fuzz tests: random and damaged
 * bodies, absurd image headers, broken multipart and JSON, wrong types,
 * huge numbers and odd ids, on every route. Seeded, so a failure replays.
 *
 * @module
 */

import { concat, encodePng, pngChunk } from "./images.ts";

/**
 * One request to send, relative to the server's origin.
 *
 * @example
 * ```ts
 * import type { FuzzRequest } from "@facever/testing";
 * const health: FuzzRequest = {
 *   kind: "none",
 *   method: "GET",
 *   path: "/v1/health",
 *   headers: {},
 * };
 * console.log(health.path);
 * ```
 */
export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Uint8Array<ArrayBuffer>;
  /** What kind of damage it carries, for counting. */
  readonly kind: string;
}

/**
 * What the generator mutates: a valid key and a valid photo.
 *
 * @example
 * ```ts
 * import type { FuzzSeeds } from "@facever/testing";
 * const seeds: FuzzSeeds = { key: "fv_x.y", photo: new Uint8Array([0xff, 0xd8]) };
 * console.log(seeds.key);
 * ```
 */
export interface FuzzSeeds {
  readonly key: string;
  /** A real JPEG, the base of the damaged images. */
  readonly photo: Uint8Array;
}

const IMAGE_ROUTES = [
  "/v1/detect",
  "/v1/embed",
  "/v1/identify",
  "/v1/subjects/fuzz/faces",
  "/v1/subjects/fuzz/verify",
];

const ODD_IDS = [
  "..",
  "../..",
  "%2e%2e%2f",
  "",
  "%00",
  "%ED%A0%80",
  "%F0%9F%98%80",
  "a%2Fb",
  "x".repeat(10_000),
  // Base64 text too, as a cursor is, too long for a key.
  "A".repeat(3_000),
  "é",
  "e%CC%81",
  "%FF%FE",
  " ",
  "null",
  "-1",
];

const ODD_NUMBERS = [
  "NaN",
  "Infinity",
  "-Infinity",
  "1e308",
  "1e999",
  "-0",
  "0x10",
  "",
  "1,5",
  "99999999999999999999",
  "-1",
  "0.5.5",
];

/** xorshift32: small, seeded, the same everywhere. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/**
 * `count` hostile requests from `seed`, every kind in turn.
 *
 * @example
 * ```ts
 * import { malformedRequests } from "@facever/testing";
 * const photo = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);
 * const requests = [...malformedRequests(1, 20, { key: "k", photo })];
 * console.log(requests.length); // 20
 * ```
 */
export function* malformedRequests(
  seed: number,
  count: number,
  seeds: FuzzSeeds,
): Generator<FuzzRequest> {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T =>
    items[Math.floor(next() * items.length)];
  const bytes = (length: number) =>
    Uint8Array.from({ length }, () => Math.floor(next() * 256));
  const auth = { "x-api-key": seeds.key };
  const makers: (() => FuzzRequest)[] = [
    () => ({
      kind: "random bytes",
      method: "POST",
      path: pick(IMAGE_ROUTES),
      headers: {
        ...auth,
        "content-type": pick([
          "image/jpeg",
          "application/octet-stream",
          "image/png",
        ]),
      },
      body: bytes(Math.floor(next() * 4096)),
    }),
    () => {
      const photo = seeds.photo.slice();
      const cut = Math.floor(next() * photo.length);
      return {
        kind: "truncated photo",
        method: "POST",
        path: pick(IMAGE_ROUTES),
        headers: { ...auth, "content-type": "image/jpeg" },
        body: photo.slice(0, cut),
      };
    },
    () => {
      const photo = seeds.photo.slice();
      const flips = 1 + Math.floor(next() * 40);
      for (let i = 0; i < flips; i++) {
        photo[Math.floor(next() * photo.length)] = Math.floor(next() * 256);
      }
      return {
        kind: "corrupted photo",
        method: "POST",
        path: pick(IMAGE_ROUTES),
        headers: { ...auth, "content-type": "image/jpeg" },
        body: photo,
      };
    },
    () => ({
      kind: "absurd dimensions",
      method: "POST",
      path: pick(IMAGE_ROUTES),
      headers: { ...auth, "content-type": "image/png" },
      body: absurdImage(next),
    }),
    () => ({
      kind: "broken multipart",
      method: "POST",
      path: pick([...IMAGE_ROUTES, "/v1/verify"]),
      headers: {
        ...auth,
        "content-type": pick([
          "multipart/form-data; boundary=zzz",
          "multipart/form-data",
          "multipart/form-data; boundary=",
          `multipart/form-data; boundary=${"b".repeat(300)}`,
        ]),
      },
      body: brokenMultipart(next, seeds.photo),
    }),
    () => ({
      kind: "broken JSON",
      method: pick(["POST", "PATCH"]),
      path: pick([
        ...IMAGE_ROUTES,
        "/v1/verify",
        "/v1/subjects",
        "/v1/subjects/fuzz",
      ]),
      headers: { ...auth, "content-type": "application/json" },
      body: new TextEncoder().encode(brokenJson(next)),
    }),
    () => ({
      kind: "odd query",
      method: "POST",
      path: `${
        pick([
          "/v1/verify",
          "/v1/identify",
          "/v1/subjects/fuzz/faces",
          "/v1/embed",
        ])
      }?${
        pick([
          "threshold",
          "far",
          "limit",
          "faces",
          "face",
          "minFaceSize",
          "maxYaw",
          "maxDuplicateSimilarity",
        ])
      }=${encodeURIComponent(pick(ODD_NUMBERS))}`,
      headers: { ...auth, "content-type": "image/jpeg" },
      body: seeds.photo.slice(0, 64),
    }),
    () => {
      const id = pick(ODD_IDS);
      return {
        kind: "odd id",
        method: pick(["GET", "DELETE", "PATCH", "POST"]),
        path: pick([
          `/v1/subjects/${id}`,
          `/v1/subjects/${id}/faces`,
          `/v1/subjects/fuzz/faces/${id}`,
          `/v1/subjects?cursor=${id}`,
          `/v1/liveness/challenges/${id}`,
        ]),
        headers: { ...auth, "content-type": "application/json" },
        body: new TextEncoder().encode(
          JSON.stringify({
            id: decodeURIComponentSafe(id),
            metadata: { a: 1 },
            // What a challenge's answer needs to get as far as its id.
            frames: ["AAAA"],
          }),
        ),
      };
    },
    () => ({
      kind: "odd headers",
      method: pick(["GET", "POST", "PUT", "OPTIONS", "DELETE"]),
      path: pick([
        ...IMAGE_ROUTES,
        "/v1/verify",
        "/v1/subjects",
        "/v1/nowhere",
        "/docs",
      ]),
      headers: pick<Record<string, string>>([
        {},
        { authorization: "Bearer" },
        { authorization: `Bearer ${"x".repeat(5000)}` },
        { "x-api-key": `${seeds.key}x` },
        { ...auth, "content-type": "text/plain" },
        { ...auth, "content-type": "application/json; charset=utf-16" },
      ]),
      body: bytes(Math.floor(next() * 64)),
    }),
  ];
  for (let i = 0; i < count; i++) {
    const request = makers[i % makers.length]();
    yield request.method === "GET" || request.method === "OPTIONS"
      ? { ...request, body: undefined }
      : request;
  }
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A PNG or JPEG whose header declares far more pixels than it holds. */
function absurdImage(next: () => number): Uint8Array<ArrayBuffer> {
  const size = [65535, 60000, 1, 0, 2 ** 31 - 1][Math.floor(next() * 5)];
  if (next() < 0.5) {
    const png = encodePng({
      width: 1,
      height: 1,
      colorType: 2,
      bitDepth: 8,
      samples: [1, 2, 3],
    });
    const ihdr = pngChunk("IHDR", [
      size >>> 24,
      (size >> 16) & 255,
      (size >> 8) & 255,
      size & 255,
      size >>> 24,
      (size >> 16) & 255,
      (size >> 8) & 255,
      size & 255,
      8,
      2,
      0,
      0,
      0,
    ]);
    // Signature, the absurd header, then the small image's own chunks.
    return new Uint8Array(concat([png.subarray(0, 8), ihdr, png.subarray(33)]));
  }
  const side = Math.min(size, 65535);
  return Uint8Array.from([
    0xff,
    0xd8,
    0xff,
    0xc0,
    0,
    17,
    8,
    side >> 8,
    side & 255,
    side >> 8,
    side & 255,
    3,
    1,
    0x22,
    0,
    2,
    0x11,
    1,
    3,
    0x11,
    1,
    0xff,
    0xda,
    0,
    12,
    3,
    1,
    0,
    2,
    0x11,
    3,
    0x11,
    0,
    63,
    0,
    0x12,
    0x34,
    0xff,
    0xd9,
  ]);
}

function brokenMultipart(
  next: () => number,
  photo: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const text = new TextEncoder();
  const part = (name: string, body: Uint8Array) =>
    concat([
      text.encode(
        `--zzz\r\nContent-Disposition: form-data; name="${name}"; filename="x.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
      body,
      text.encode("\r\n"),
    ]);
  const variants = [
    () => part("image", photo.slice(0, 100)),
    () => concat([part("a", photo), text.encode("--zzz")]),
    () => text.encode("--zzz\r\nno headers at all"),
    () => concat([part("image", photo), text.encode("--zzz--\r\n")]),
    () =>
      text.encode(
        `--zzz\r\nContent-Disposition: form-data; name="${
          "n".repeat(9000)
        }"\r\n\r\nx\r\n--zzz--`,
      ),
    () =>
      concat([
        part("b", new Uint8Array(0)),
        part("a", photo.slice(0, 10)),
        text.encode("--zzz--"),
      ]),
  ];
  return new Uint8Array(variants[Math.floor(next() * variants.length)]());
}

function brokenJson(next: () => number): string {
  const variants = [
    () => "{",
    () => '{"image": ',
    () => "[".repeat(5000) + "]".repeat(5000),
    () => JSON.stringify({ image: 12 }),
    () => JSON.stringify({ image: "" }),
    () => JSON.stringify({ image: "!!!not base64!!!" }),
    () => JSON.stringify({ image: "iVBORw0KGgo".repeat(10) }),
    () => JSON.stringify({ embedding: Array(512).fill(1e308) }),
    () => `{"embedding": [${Array(512).fill("1e999").join(",")}]}`,
    () => JSON.stringify({ embedding: Array(100000).fill(0) }),
    () => JSON.stringify({ embedding: "1,2,3" }),
    () => JSON.stringify({ a: { image: null }, b: { embedding: [] } }),
    () => JSON.stringify({ a: 1, b: [2] }),
    () => JSON.stringify({ id: { $gt: "" } }),
    () => JSON.stringify({ id: "x", metadata: "notanobject" }),
    () =>
      JSON.stringify({
        id: "x",
        metadata: { ["k".repeat(5000)]: "v".repeat(5000) },
      }),
    () => JSON.stringify({ metadata: null }),
    () => "null",
    () => "12",
    () => '"string"',
    () => "\uFEFF{}",
  ];
  return variants[Math.floor(next() * variants.length)]();
}
