/**
 * The ratios between rows that `speed_bench.ts` prints at the end of its
 * run (the README's tables are written by `report.ts` from the same
 * medians).
 *
 * @module
 */
import type { Speed } from "./_speed.ts";

/** What the printed ratios say about the run's inputs. */
export interface RatioInputs {
  /** Faces in the batch rows. */
  readonly batch: number;
  /** Distinct photos `pipeline.lfw` measures. */
  readonly stream: number;
  /** Formats with a `decode.<format>.1080p` row. */
  readonly formats: readonly string[];
  /** Faces found in the 1920×1080 frame. */
  readonly frameFaces: number;
}

/** `slow / fast` of two rows, as text, or why it is missing. */
function ratio(
  results: Record<string, Speed>,
  slow: string,
  fast: string,
): string {
  const a = results[slow], b = results[fast];
  return a && b ? `${(a.ms / b.ms).toFixed(2)}×` : "n/a (row not run)";
}

/**
 * The ratios `deno task bench` prints after its rows, from their medians.
 *
 * @example
 * ```ts
 * import { ratios } from "./_speed_ratios.ts";
 * const text = ratios({ "embed.ours": { ms: 9.5, runs: 100 } }, {
 *   batch: 8,
 *   stream: 500,
 *   formats: ["webp"],
 *   frameFaces: 36,
 * });
 * console.log(text.includes("embed")); // true
 * ```
 */
export function ratios(
  results: Record<string, Speed>,
  inputs: RatioInputs,
): string {
  const { batch, stream, formats, frameFaces } = inputs;
  const ms = (name: string) => results[name]?.ms.toFixed(2) ?? "n/a";
  const perFace = (name: string) =>
    results[name] ? (results[name].ms / batch).toFixed(2) : "n/a";
  return [
    "",
    "Ratios (medians, same process, same inputs; > 1 means the second is faster):",
    `  embed, stock onnxruntime-web / ours: ${
      ratio(results, "embed.stock-ort-web", "embed.ours")
    } (${ms("embed.stock-ort-web")} vs ${ms("embed.ours")} ms)`,
    `  embed, ours / onnxruntime-node: ${
      ratio(results, "embed.ours", "embed.ort-node")
    } (${ms("embed.ort-node")} ms, default threads); one thread: ${
      ratio(results, "embed.ours", "embed.ort-node.1-thread")
    } (${ms("embed.ort-node.1-thread")} ms)`,
    `  embed, our native backend / onnxruntime-node, one thread each: ${
      ratio(results, "embed.ours.native", "embed.ort-node.1-thread")
    } (${ms("embed.ours.native")} ms); all threads each: ${
      ratio(results, "embed.ours.native.all-threads", "embed.ort-node")
    } (${ms("embed.ours.native.all-threads")} ms)`,
    `  embed batch 8, ours per face: ${
      perFace("embed.ours.batch8")
    } ms (batch 1: ${ms("embed.ours")} ms); stock / ours ${
      ratio(results, "embed.stock-ort-web.batch8", "embed.ours.batch8")
    }; ours / onnxruntime-node ${
      ratio(results, "embed.ours.batch8", "embed.ort-node.batch8")
    }`,
    `  liveness score / embed: ${
      ratio(results, "liveness.ours", "embed.ours")
    } (${ms("liveness.ours")} ms; target ≤ 0.6×); eye openness / embed: ${
      ratio(results, "eyes.ours", "embed.ours")
    } (${ms("eyes.ours")} ms)`,
    `  mirror lever, with / without: ${
      ratio(results, "embed.ours.mirror", "embed.ours")
    } (${ms("embed.ours.mirror")} ms)`,
    `  decode, imagescript / ours: 250 JPEG ${
      ratio(results, "decode.250.imagescript", "decode.250")
    }, 1080p JPEG ${
      ratio(results, "decode.1080p.imagescript", "decode.1080p")
    }, 1080p PNG ${
      ratio(results, "decode.png.1080p.imagescript", "decode.png.1080p")
    }`,
    `  decode + detect + align, 250 JPEG / embed: ${
      ratio(results, "front.250", "embed.ours")
    } (${ms("front.250")} ms); native ${
      ratio(results, "front.250.native", "embed.ours.native")
    } (${ms("front.250.native")} ms)`,
    `  1920x1080 camera frame end to end / embed: ${
      ratio(results, "pipeline.frame", "embed.ours")
    } (${ms("pipeline.frame")} ms); native ${
      ratio(results, "pipeline.frame.native", "embed.ours.native")
    } (${ms("pipeline.frame.native")} ms)`,
    `  detect, onnxruntime-web / compiled: ${
      ratio(results, "detect.ort-web", "detect")
    } (${ms("detect.ort-web")} vs ${ms("detect")} ms)`,
    `  12 MP phone photo end to end / embed: ${
      ratio(results, "pipeline.12mp", "embed.ours")
    } (${ms("pipeline.12mp")} ms; decoded whole first ${
      ms("pipeline.12mp.decoded")
    } ms)`,
    `  ${stream} distinct LFW photos / 8 in turn: ${
      ratio(results, "pipeline.lfw", "pipeline.250")
    } (${ms("pipeline.lfw")} vs ${ms("pipeline.250")} ms)`,
    `  decode 1920x1080: jpeg ${ms("decode.1080p")} ms, png ${
      ms("decode.png.1080p")
    } ms, ${
      formats.map((f) => `${f} ${ms(`decode.${f}.1080p`)} ms`)
        .join(", ")
    }`,
    `  pipeline: 250 JPEG ${ms("pipeline.250")} ms (native ${
      ms("pipeline.250.native")
    }), 1080p JPEG with ${frameFaces} faces ${
      ms("pipeline.1080p")
    } ms (native ${ms("pipeline.1080p.native")})`,
  ].join("\n");
}
