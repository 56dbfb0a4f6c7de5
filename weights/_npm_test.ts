import assert from "node:assert/strict";
import {
  extractFiles,
  gunzip,
  npmAvailable,
  packTarball,
  readTar,
  sha512Integrity,
  TarballError,
} from "./_npm.ts";
import { packTempParent } from "./_test_util.ts";

const HAS_NPM = await npmAvailable();
if (!HAS_NPM) {
  console.log(
    "weights/_npm_test.ts: skipping the npm pack test: npm is not runnable here",
  );
}

const encoder = new TextEncoder();

/** Builds one tar entry: a ustar header and the body padded to 512 bytes. */
function entry(
  name: string,
  body: Uint8Array,
  { type = "0", prefix = "" }: { type?: string; prefix?: string } = {},
): Uint8Array {
  const header = new Uint8Array(512);
  const put = (at: number, text: string) =>
    header.set(encoder.encode(text), at);
  put(0, name);
  put(100, "0000644\0");
  put(124, `${body.length.toString(8).padStart(11, "0")}\0`);
  put(156, type);
  put(257, "ustar\x0000");
  put(345, prefix);
  put(148, "        ");
  const sum = header.reduce((total, byte) => total + byte, 0);
  put(148, `${sum.toString(8).padStart(6, "0")}\0 `);
  const out = new Uint8Array(512 + Math.ceil(body.length / 512) * 512);
  out.set(header);
  out.set(body, 512);
  return out;
}

function pax(records: Record<string, string>): Uint8Array {
  let text = "";
  for (const [key, value] of Object.entries(records)) {
    const record = ` ${key}=${value}\n`;
    // The length counts its own digits, so settle it by iterating.
    let length = record.length;
    while (`${length}${record}`.length !== length) {
      length = `${length}${record}`.length;
    }
    text += `${length}${record}`;
  }
  return encoder.encode(text);
}

function tar(...entries: Uint8Array[]): Uint8Array {
  const parts = [...entries, new Uint8Array(1024)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("readTar", async (t) => {
  const long = `model/${"x".repeat(120)}.onnx`;
  const archive = tar(
    entry("package/a.txt", encoder.encode("hello")),
    entry("package/model", new Uint8Array(0), { type: "5" }),
    entry("b.bin", new Uint8Array(700).fill(7), { prefix: "package/model" }),
    entry("PaxHeader", pax({ path: `package/${long}` }), { type: "x" }),
    entry("package/truncated-name", encoder.encode("long")),
  );

  await t.step("reads regular files under ustar, prefix and pax names", () => {
    const files = readTar(archive);
    assert.deepEqual([...files.keys()], [
      "package/a.txt",
      "package/model/b.bin",
      `package/${long}`,
    ]);
    assert.deepEqual(files.get("package/a.txt"), encoder.encode("hello"));
    assert.deepEqual(
      files.get("package/model/b.bin"),
      new Uint8Array(700).fill(7),
    );
  });

  await t.step("rejects a header whose checksum is wrong", () => {
    const damaged = archive.slice();
    damaged[0] ^= 1;
    assert.throws(() => readTar(damaged), {
      name: "TarballError",
      message: /checksum/,
    });
  });

  await t.step("rejects a truncated archive", () => {
    // Entry 3's header starts at byte 1536; its 700-byte body follows.
    assert.throws(() => readTar(archive.subarray(0, 2048 + 100)), {
      name: "TarballError",
      message: /past the end/,
    });
    assert.throws(() => readTar(archive.subarray(0, 1536 + 100)), {
      name: "TarballError",
      message: /middle of the header/,
    });
  });

  await t.step("extracts from a gzipped package", async () => {
    const tarball = await gzip(archive);
    assert.deepEqual(await gunzip(tarball), archive);
    const [a] = await extractFiles(tarball, ["a.txt"]);
    assert.deepEqual(a, encoder.encode("hello"));
    await assert.rejects(
      () => extractFiles(tarball, ["missing"]),
      TarballError,
    );
    await assert.rejects(() => gunzip(archive), TarballError);
  });
});

Deno.test("sha512Integrity gives an SRI string", async () => {
  assert.equal(
    await sha512Integrity(encoder.encode("abc")),
    "sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw==",
  );
});

Deno.test({
  name: "packTarball refuses a tarball whose integrity is not the pinned one",
  ignore: !HAS_NPM,
  async fn() {
    const parent = await Deno.makeTempDir({ dir: await packTempParent() });
    try {
      await assert.rejects(
        () =>
          packTarball(
            "faceplugin-face-recognition-js@0.0.1",
            `sha512-${"A".repeat(86)}==`,
            { tempParent: parent },
          ),
        { name: "PackageFetchError", message: /refusing it/ },
      );
      // The temporary pack directory is gone even after the refusal.
      assert.deepEqual(await Array.fromAsync(Deno.readDir(parent)), []);
    } finally {
      await Deno.remove(parent, { recursive: true });
    }
  },
});
