/**
 * Builds the page's browser module: bundles `main.ts` with what it imports
 * of `@facever/core`, `@facever/model` and `@facever/gallery` (and no npm
 * package) into one file, `_bundle.js`, which `pageRoutes` serves. The bundle is committed,
 * so that the kiosk serves it under `deno run` and from a `deno compile`
 * binary alike (it travels as a text import) without building at start;
 * a test fails when it is out of date.
 *
 * ```sh
 * deno task build:page
 * ```
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The committed bundle.
 *
 * @example
 * ```ts
 * import { BUNDLE_URL } from "./build.ts";
 * console.log(BUNDLE_URL.pathname.endsWith("/_bundle.js")); // true
 * ```
 */
export const BUNDLE_URL: URL = new URL("./_bundle.js", import.meta.url);

const ENTRY = new URL("./main.ts", import.meta.url);
const ROOT = new URL("../../../", import.meta.url);

/**
 * Every npm package of the workspace's import map stays out of the bundle.
 * The page's code uses none: what it imports of them (onnxruntime, the
 * image decoders) sits behind lazy imports on paths the page never takes,
 * since it runs the compiled models and reads pixels from a canvas. Left
 * in, they would only make the bundle larger; a static import of one
 * would fail in the browser, which the browser test would show.
 */
async function npmPackages(root: string): Promise<string[]> {
  const { imports } = JSON.parse(
    await Deno.readTextFile(join(root, "deno.json")),
  ) as { imports: Record<string, string> };
  return Object.entries(imports)
    .filter(([, target]) => target.startsWith("npm:"))
    .map(([name]) => name);
}

/** The bundle is generated: the formatter and linter leave it alone. */
const HEADER = `// deno-fmt-ignore-file
// deno-lint-ignore-file
// Built from apps/kiosk/page/main.ts by \`deno task build:page\`; do not edit.
`;

/**
 * The page's bundle as `deno task build:page` writes it.
 *
 * @throws {Error} When `deno bundle` fails, with its message.
 *
 * @example
 * ```ts
 * import { BUNDLE_URL, bundlePage } from "./build.ts";
 * const fresh = await bundlePage();
 * console.log(fresh === await Deno.readTextFile(BUNDLE_URL)); // true
 * ```
 */
export async function bundlePage(): Promise<string> {
  const root = fileURLToPath(ROOT);
  // `deno bundle` cuts a large bundle short on a pipe, so it writes a
  // file, in the repository's cache folder (ignored by git).
  const output = join(root, ".cache", `page-${crypto.randomUUID()}.js`);
  try {
    const { code, stderr } = await new Deno.Command("deno", {
      args: [
        "bundle",
        "--platform",
        "browser",
        ...(await npmPackages(root)).flatMap((name) => [
          ...["--external", name],
          ...["--external", `${name}/*`],
        ]),
        "--output",
        output,
        fileURLToPath(ENTRY),
      ],
      cwd: root,
      env: { NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      throw new Error(
        `deno bundle failed: ${new TextDecoder().decode(stderr)}`,
      );
    }
    return HEADER + await Deno.readTextFile(output);
  } finally {
    await Deno.remove(output).catch(() => {});
  }
}

if (import.meta.main) {
  const bundle = await bundlePage();
  await Deno.writeTextFile(BUNDLE_URL, bundle);
  console.log(
    `${fileURLToPath(BUNDLE_URL)}: ${(bundle.length / 1024).toFixed(1)} KB`,
  );
}
