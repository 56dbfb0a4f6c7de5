/**
 * Decodes one file and prints its peak memory, for the memory tests (run
 * as a subprocess so that each decode starts from a fresh process):
 *
 *     deno run --allow-all memory_probe.ts FILE [MAX_PIXELS] [WARM_UP_FILE] [open|decode]
 *
 * (an empty WARM_UP_FILE for none). With `open`, the file goes through
 * `openImage` instead of `decodeImage`, and is read as
 * the face pipeline reads it: the detector's first level (320 pixels
 * wide), then a face's 64 × 64 landmark input and 112-pixel alignment
 * area from the middle of the image.
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
import { decodeImage, openImage } from "../decode.ts";
import { FaceError } from "../errors.ts";

const [file, maxPixelsArg, warmUpArg, mode] = Deno.args;
const maxPixels = maxPixelsArg ? Number(maxPixelsArg) : undefined;
const warmUp = warmUpArg || undefined;

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
    if (mode === "open") {
      const source = await openImage(bytes, { maxPixels });
      const { width, height } = source;
      const level = Math.round(320 * height / width);
      source.read({ x: 0, y: 0, width, height }, 320, level);
      const side = Math.round(width / 8);
      const face = { x: width / 2, y: height / 2, width: side, height: side };
      source.read(face, 64, 64, 2);
      source.read(face, 112, 112, 2);
      return `ok ${width}x${height}`;
    }
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
