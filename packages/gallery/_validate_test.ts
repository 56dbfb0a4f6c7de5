import assert from "node:assert/strict";
import { unitVectors } from "@facever/testing";
import { Gallery } from "./mod.ts";
import {
  isError,
  isFaceError,
  onEachKv,
  scan,
  TEST_OPTIONS as OPTIONS,
} from "./_test_util.ts";

const DIMS = OPTIONS.dims;

Deno.test("bad ids and data are FaceErrors; bad options are TypeErrors and RangeErrors", async (t) => {
  const kv = await Deno.openKv(":memory:");
  const gallery = await Gallery.open(kv, OPTIONS);
  await gallery.createSubject("ada");
  const good = unitVectors(7, DIMS)();
  await t.step("bad ids and metadata are FaceErrors", async () => {
    await assert.rejects(
      Gallery.open(kv, { ...OPTIONS, tenant: "" }),
      isFaceError("invalid_argument"),
    );
    await assert.rejects(
      gallery.createSubject("a\nb"),
      isFaceError("invalid_argument"),
    );
    await assert.rejects(
      gallery.addFace("ada", good, {
        metadata: { photo: new Uint8Array(4) as unknown as string },
      }),
      isFaceError("invalid_argument"),
    );
    await assert.rejects(
      gallery.addFace("ada", good, { source: "" }),
      isFaceError("invalid_argument"),
    );
  });
  await t.step("bad options are TypeErrors and RangeErrors", async () => {
    const wrong = <T>(value: unknown) => value as T;
    const cases: [() => Promise<unknown>, ErrorConstructor, RegExp][] = [
      [
        () => Gallery.open(kv, { ...OPTIONS, dims: 0 }),
        RangeError,
        /^dims must/,
      ],
      [
        () => Gallery.open(kv, { ...OPTIONS, dims: 2.5 }),
        RangeError,
        /^dims must/,
      ],
      [
        () => Gallery.open(kv, { ...OPTIONS, dims: wrong("16") }),
        TypeError,
        /^dims must be a whole number from 1 to 4096, got "16"$/,
      ],
      [
        () => Gallery.open(kv, { ...OPTIONS, modelId: "" }),
        RangeError,
        /^modelId/,
      ],
      [
        () => Gallery.open(kv, { ...OPTIONS, modelId: wrong(7) }),
        TypeError,
        /^modelId/,
      ],
      [
        () => Gallery.open(kv, { ...OPTIONS, maxStalenessMs: -1 }),
        RangeError,
        /^maxStalenessMs/,
      ],
      [
        () => Gallery.open(kv, { ...OPTIONS, maxStalenessMs: Infinity }),
        RangeError,
        /^maxStalenessMs/,
      ],
      [
        () => Gallery.open(kv, { ...OPTIONS, encryptionKey: wrong("secret") }),
        TypeError,
        /^encryptionKey/,
      ],
      [
        () => gallery.identify(good, { threshold: 2 }),
        RangeError,
        /^threshold must be a cosine similarity in \[-1, 1\], got 2$/,
      ],
      [
        () => gallery.identify(good, { threshold: NaN }),
        RangeError,
        /^threshold/,
      ],
      [
        () => gallery.identify(good, { threshold: wrong("0.5") }),
        TypeError,
        /^threshold/,
      ],
      [
        () => gallery.identify(good, { threshold: 0, limit: 0 }),
        RangeError,
        /^limit must be a whole number from 1 to 1000, got 0$/,
      ],
      [
        () => gallery.verify("ada", good, { threshold: -1.5 }),
        RangeError,
        /^threshold/,
      ],
    ];
    for (const [call, kind, message] of cases) {
      await assert.rejects(call(), isError(kind, message));
    }
  });
  kv.close();
});

Deno.test("ids that are not well-formed UTF-16 are refused", async (t) => {
  await onEachKv(t, async (openKv) => {
    const kv = await openKv();
    // Deno KV would store both as "x\uFFFD": one tenant's subjects would be
    // the other's.
    for (const tenant of ["x\uD800", "x\uDBFF", "\uDC00x"]) {
      await assert.rejects(
        Gallery.open(kv, { ...OPTIONS, tenant }),
        isFaceError("invalid_argument"),
      );
    }
    const gallery = await Gallery.open(kv, OPTIONS);
    await gallery.createSubject("ada");
    const face = unitVectors(3, DIMS)();
    for (const id of ["ada\uD800", "ada\uDFFF"]) {
      for (
        const call of [
          () => gallery.createSubject(id),
          () => gallery.getSubject(id),
          () => gallery.deleteSubject(id),
          () => gallery.addFace(id, face),
          () => gallery.listFaces(id),
          () => gallery.verify(id, face, { threshold: 0 }),
          () => gallery.removeFace(id),
          () => gallery.addFace("ada", face, { source: `photo-${id}` }),
        ]
      ) {
        await assert.rejects(call(), isFaceError("invalid_argument"));
      }
    }
    // A well-formed pair of surrogates is a character like any other.
    const emoji = await gallery.createSubject("ada \u{1F600}");
    assert.equal(emoji.id, "ada \uD83D\uDE00");
    for (const { key } of await scan(kv)) {
      assert.ok(
        key.every((part) =>
          typeof part !== "string" || !part.includes("\uFFFD")
        ),
        JSON.stringify(key),
      );
    }
  });
});

Deno.test("ids are kept as given: NFC and NFD spellings are two ids", async (t) => {
  await onEachKv(t, async (openKv) => {
    const kv = await openKv();
    const composed = "Jos\u00E9", decomposed = "Jose\u0301";
    assert.equal(composed.normalize("NFC"), decomposed.normalize("NFC"));
    const gallery = await Gallery.open(kv, OPTIONS);
    await gallery.createSubject(composed, { metadata: { form: "NFC" } });
    await gallery.createSubject(decomposed, { metadata: { form: "NFD" } });
    assert.deepEqual(
      (await gallery.listSubjects()).subjects.map((s) => [s.id, s.metadata]),
      // In key order: "e" + U+0301 sorts before "é".
      [[decomposed, { form: "NFD" }], [composed, { form: "NFC" }]],
    );
    await gallery.deleteSubject(decomposed);
    assert.equal((await gallery.getSubject(composed))?.id, composed);
    assert.equal(await gallery.getSubject(decomposed), undefined);
    // Tenants too.
    await Gallery.open(kv, { ...OPTIONS, tenant: composed });
    await Gallery.open(kv, { ...OPTIONS, tenant: decomposed });
    const tenants = new Set((await scan(kv)).map(({ key }) => key[1]));
    assert.ok(tenants.has(composed) && tenants.has(decomposed));
  });
});

Deno.test("a refused text is shown by its start; a __proto__ metadata key is refused, not lost", async () => {
  const kv = await Deno.openKv(":memory:");
  const gallery = await Gallery.open(kv, OPTIONS);
  const refusal = async (call: Promise<unknown>) => {
    let message = "";
    await assert.rejects(call, (error: Error) => {
      message = error.message;
      return isFaceError("invalid_argument")(error);
    });
    return message;
  };
  const long = "x".repeat(10_000);
  for (
    const message of [
      await refusal(gallery.createSubject(long)),
      await refusal(gallery.listSubjects({ cursor: `${long}!` })),
      await refusal(
        gallery.createSubject("ada", {
          metadata: { [long]: [] as unknown as string },
        }),
      ),
    ]
  ) {
    assert.ok(message.length < 300, message.slice(0, 300));
    assert.match(message, /"x{64}… \(1000[01] characters\)"/);
  }
  // Base64 text, but longer than any cursor given out: its key would be
  // over KV's limit, where KV throws an untyped error.
  assert.match(
    await refusal(gallery.listSubjects({ cursor: "x".repeat(3_000) })),
    /cursor must be the cursor of an earlier page, got "x{64}… \(3000 characters\)"$/,
  );
  // As JSON.parse makes it: an own key, which a copy would turn into its
  // prototype, dropping the value without a word.
  const metadata = JSON.parse('{"__proto__": "x", "team": "blue"}');
  assert.match(
    await refusal(gallery.createSubject("ada", { metadata })),
    /__proto__/,
  );
  assert.equal(await gallery.getSubject("ada"), undefined);
  // A short text is shown whole.
  assert.match(
    await refusal(gallery.createSubject("a\nb")),
    /got "a\\nb"$/,
  );
  kv.close();
});
