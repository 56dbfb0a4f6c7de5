/** Embeddings sealed at rest with AES-GCM, the key read from the environment. */
import assert from "node:assert/strict";
import { unitVectors } from "@facever/testing";
import { encryptionKeyFromEnv, Gallery, KEY_ROOT } from "./mod.ts";
import {
  isError,
  isFaceError,
  scan,
  TEST_OPTIONS as OPTIONS,
  text,
} from "./_test_util.ts";

const DIMS = OPTIONS.dims;

Deno.test("embeddings can be encrypted at rest with a key from the environment", async (t) => {
  const kv = await Deno.openKv(":memory:");
  const variable = "FACEVER_GALLERY_TEST_KEY";
  const raw = crypto.getRandomValues(new Uint8Array(32));
  Deno.env.set(variable, btoa(String.fromCharCode(...raw)));
  const key = await encryptionKeyFromEnv(variable);
  assert.ok(key);
  const sealed = await Gallery.open(kv, {
    ...OPTIONS,
    tenant: "sealed",
    encryptionKey: key,
  });
  assert.equal(sealed.encrypted, true);
  await sealed.createSubject("ada");
  const v = unitVectors(8, DIMS)();
  const faceId = await sealed.addFace("ada", v);

  await t.step("the stored bytes are not the embedding", async () => {
    const entry = (await scan(kv)).find((e) =>
      e.key.at(-1) === faceId && e.key[2] === "face"
    );
    const { embedding } = entry?.value as { embedding: Uint8Array };
    assert.equal(embedding.length, DIMS * 4 + 12 + 16);
    const plain = new Uint8Array(Float32Array.from(v).buffer);
    assert.ok(
      !text(embedding).includes(text(plain.subarray(0, 8)).slice(1, -1)),
    );
  });
  await t.step("identify and verify decrypt", async () => {
    const reopened = await Gallery.open(kv, {
      ...OPTIONS,
      tenant: "sealed",
      encryptionKey: key,
    });
    assert.equal(
      (await reopened.identify(v, { threshold: 0.99 }))[0].faceId,
      faceId,
    );
    assert.equal(
      (await reopened.verify("ada", v, { threshold: 0.99 })).match,
      true,
    );
  });
  await t.step(
    "a sealed embedding copied onto another face does not open",
    async () => {
      const other = await sealed.addFace("ada", unitVectors(10, DIMS)());
      const [from, to] = await kv.getMany<{ embedding: Uint8Array }[]>([
        [KEY_ROOT, "sealed", "face", "ada", faceId],
        [KEY_ROOT, "sealed", "face", "ada", other],
      ]);
      await kv.set(to.key, { ...to.value, embedding: from.value?.embedding });
      await assert.rejects(
        sealed.verify("ada", v, { threshold: 0.99 }),
        isFaceError("gallery_mismatch"),
      );
      await sealed.removeFace(other);
    },
  );
  await t.step("a missing or wrong key is refused", async () => {
    await assert.rejects(
      Gallery.open(kv, { ...OPTIONS, tenant: "sealed" }),
      isFaceError("gallery_mismatch"),
    );
    const other = await crypto.subtle.generateKey(
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
    await assert.rejects(
      Gallery.open(kv, { ...OPTIONS, tenant: "sealed", encryptionKey: other }),
      isFaceError("gallery_mismatch"),
    );
    await Gallery.open(kv, { ...OPTIONS, tenant: "plain" });
    await assert.rejects(
      Gallery.open(kv, { ...OPTIONS, tenant: "plain", encryptionKey: key }),
      isFaceError("gallery_mismatch"),
    );
  });
  await t.step(
    "a malformed key is refused; an unset one means no encryption",
    async () => {
      Deno.env.set(variable, btoa("too short"));
      await assert.rejects(
        encryptionKeyFromEnv(variable),
        isError(RangeError, /holds 9 bytes; it must hold 32/),
      );
      Deno.env.set(variable, "not base64!");
      await assert.rejects(
        encryptionKeyFromEnv(variable),
        isError(TypeError, /is not base64/),
      );
      Deno.env.delete(variable);
      assert.equal(await encryptionKeyFromEnv(variable), undefined);
    },
  );
  kv.close();
});
