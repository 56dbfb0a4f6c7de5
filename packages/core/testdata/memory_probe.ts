/**
 * Decodes one file and prints its peak memory, for the memory tests (run
 * as a subprocess so that each decode starts from a fresh process):
 *
 *     deno run --allow-all memory_probe.ts FILE [MAX_PIXELS] [WARM_UP_FILE]
 *
 * A warm-up file of the same format loads the decoder first, so that only
 * the decode is measured. The peak is Linux's resident high-water mark
 * (VmHWM), reset just before the decode (Deno lets only `--allow-all`
 * write /proc; without it the mark includes start-up, an overestimate):
 * exact even while a synchronous WebAssembly call blocks every timer. Prints one JSON line:
 * `{ "outcome", "rssBefore", "peak", "ms" }` (bytes, milliseconds). Where
 * there is no /proc, the peak is the difference of `Deno.memoryUsage().rss`
 * after and before.
 *
 * @module
 */
import { decodeImage } from "../decode.ts";
import { FaceError } from "../errors.ts";

const [file, maxPixelsArg, warmUp] = Deno.args;
const maxPixels = maxPixelsArg ? Number(maxPixelsArg) : undefined;

/**
 * A field of /proc/self/status in bytes; where there is no /proc (not
 * Linux), the resident size now, which makes the peak a before/after
 * difference.
 */
function status(field: string): number {
  let text: string;
  try {
    text = Deno.readTextFileSync("/proc/self/status");
  } catch {
    return Deno.memoryUsage().rss;
  }
  const match = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  if (!match) throw new Error(`no ${field} in /proc/self/status`);
  return Number(match[1]) * 1024;
}

async function outcome(bytes: Uint8Array): Promise<string> {
  try {
    const image = await decodeImage(bytes, { maxPixels });
    return `ok ${image.width}x${image.height}`;
  } catch (error) {
    return error instanceof FaceError ? error.code : `bug: ${error}`;
  }
}

if (warmUp) await outcome(await Deno.readFile(warmUp));
const bytes = await Deno.readFile(file);
try {
  // Writing 5 resets the high-water mark to the current resident size.
  Deno.writeTextFileSync("/proc/self/clear_refs", "5");
} catch {
  // Not permitted: the peak then counts start-up too.
}
const rssBefore = status("VmRSS");
const start = performance.now();
const result = await outcome(bytes);
const ms = performance.now() - start;
const peak = status("VmHWM") - rssBefore;
console.log(JSON.stringify({ outcome: result, rssBefore, peak, ms }));
