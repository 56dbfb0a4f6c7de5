/**
 * A stand-in child for the tests of `runFuzz`: instead of an engine, each
 * input's bytes choose what it does (see {@linkcode planned}), so that the
 * test knows every outcome, hang and crash in advance.
 *
 *     deno run --allow-read _test_fuzz_child.ts PLAN
 *
 * @module
 */
import { runFuzzChild } from "./fuzz_child.ts";

/**
 * What an input does, from the sum of its bytes: hang (a synchronous loop,
 * as a wasm decoder's would), crash (exit with code 9), or an outcome.
 *
 * @example
 * ```ts
 * import { planned } from "./_test_fuzz_child.ts";
 * console.log(planned(new Uint8Array([3]))); // "no faces"
 * ```
 */
export function planned(bytes: Uint8Array): string {
  const sum = bytes.reduce((a, b) => a + b, 0);
  if (sum % 29 === 0) return "hang";
  if (sum % 31 === 0) return "crash";
  return ["corrupt_image", "truncated_image", "no faces"][sum % 3];
}

if (import.meta.main) {
  await runFuzzChild((bytes) => {
    const what = planned(bytes);
    if (what === "hang") { while (true) bytes.reverse(); }
    if (what === "crash") Deno.exit(9);
    return Promise.resolve({ outcome: what, signature: `${bytes.length}` });
  });
}
