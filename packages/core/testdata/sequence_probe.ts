/**
 * Decodes files one after another in one process and prints, after each,
 * the resident size and the process's resident high-water mark, for the
 * test of what one process holds across decodes (run as a subprocess, so
 * that nothing else shares the process):
 *
 *     deno run --allow-read sequence_probe.ts FILE...
 *
 * Prints one JSON line per file: `{ "file", "outcome", "rss", "peak" }`
 * (bytes); the peak is Linux's VmHWM (start-up included), or the largest
 * `Deno.memoryUsage().rss` seen where there is no /proc.
 *
 * @module
 */
import { decodeImage } from "../decode.ts";
import { FaceError } from "../errors.ts";

let seen = 0;

/** Linux's VmHWM, or else the largest resident size seen so far. */
function peak(): number {
  seen = Math.max(seen, Deno.memoryUsage().rss);
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const match = status.match(/^VmHWM:\s+(\d+) kB/m);
    if (match) return Number(match[1]) * 1024;
  } catch {
    // No /proc: the sampled resident size stands in.
  }
  return seen;
}

for (const file of Deno.args) {
  let outcome: string;
  try {
    const image = await decodeImage(await Deno.readFile(file));
    outcome = `ok ${image.width}x${image.height}`;
  } catch (error) {
    outcome = error instanceof FaceError ? error.code : `bug: ${error}`;
  }
  const rss = Deno.memoryUsage().rss;
  console.log(JSON.stringify({ file, outcome, rss, peak: peak() }));
}
