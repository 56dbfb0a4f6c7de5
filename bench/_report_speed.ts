/**
 * The speed section of the bench README, from `deno task bench`: the
 * stages, our rows beside their peers, and the speed targets.
 *
 * @module
 */
import type { Machine } from "./_machine.ts";
import type { Speed } from "./_speed.ts";
import {
  day,
  formatMs,
  machineLine,
  num,
  readResult,
  table,
} from "./_report_common.ts";

interface SpeedRun {
  readonly date: string;
  readonly machine: Machine;
  readonly packages: Readonly<Record<string, string>>;
  readonly threads: Readonly<Record<string, number | string>>;
  readonly inputs: {
    readonly photos: readonly string[];
    readonly frame: {
      readonly tiles: number;
      readonly jpegBytes: number;
      readonly pngBytes: number;
      readonly facesFound: number;
      readonly formatBytes?: Readonly<Record<string, number>>;
    };
    readonly photo?: {
      readonly width: number;
      readonly height: number;
      readonly jpegBytes: number;
    };
    readonly stream?: number;
  };
}

/** Rows of the speed table: name, what it measures. */
const STAGES: readonly (readonly [string, string])[] = [
  ["decode.250", "JPEG decode, 250×250 LFW photo"],
  ["decode.1080p", "JPEG decode, 1920×1080 frame"],
  ["decode.png.1080p", "PNG decode, 1920×1080 frame"],
  ["decode.jpeg-progressive.1080p", "progressive JPEG decode, 1920×1080"],
  ["decode.webp.1080p", "WebP (lossy, q90) decode, 1920×1080"],
  ["decode.avif.1080p", "AVIF decode, 1920×1080"],
  ["decode.heic.1080p", "HEIC decode, 1920×1080"],
  ["decode.gif.1080p", "GIF decode, 1920×1080"],
  ["decode.bmp.1080p", "BMP (24-bit) decode, 1920×1080"],
  ["decode.tiff.1080p", "TIFF (LZW) decode, 1920×1080"],
  ["decode.12mp", "JPEG decode, 12 MP phone photo (MozJPEG, whole)"],
  ["open.12mp", "`openImage`, 12 MP phone photo (1/8 scale + index)"],
  ["detect", "detection + landmarks, 250×250 (1 pass)"],
  ["detect.1080p", "detection + landmarks, 1920×1080 (13 passes, every face)"],
  ["detect.native", "detection + landmarks, 250×250, native backend"],
  [
    "detect.ort-web",
    "detection + landmarks, 250×250, the ONNX files on onnxruntime-web",
  ],
  [
    "front.250",
    "decode + detect + align the largest face, 250×250 JPEG",
  ],
  ["front.250.native", "decode + detect + align, 250×250, native backend"],
  ["align", "alignment to 112×112"],
  ["embed.ours", "embedding, batch 1"],
  ["embed.ours.batch8", "embedding, batch 8 (per call)"],
  [
    "liveness.ours",
    "passive liveness score of one detected face (crop, resize, net)",
  ],
  ["eyes.ours", "eye openness of one face (both eyes)"],
  ["embed.ours.mirror", "embedding with the mirror lever, batch 1"],
  ["embed.ours.native", "embedding, batch 1, native backend"],
  [
    "embed.ours.native.all-threads",
    "embedding, batch 1, native backend, one thread per core",
  ],
  [
    "pipeline.250",
    "whole pipeline, 250×250 JPEG: decode → largest face's embedding",
  ],
  [
    "pipeline.lfw",
    "whole pipeline, 500 distinct LFW JPEGs one after the other",
  ],
  ["pipeline.1080p", "whole pipeline, 1920×1080 JPEG"],
  ["pipeline.250.native", "whole pipeline, 250×250 JPEG, native backend"],
  ["pipeline.1080p.native", "whole pipeline, 1920×1080 JPEG, native backend"],
  [
    "pipeline.frame",
    "whole pipeline, 1920×1080 raw camera frame, largest face",
  ],
  [
    "pipeline.frame.native",
    "whole pipeline, 1920×1080 camera frame, native backend",
  ],
  ["pipeline.12mp", "whole pipeline, 12 MP phone photo (JPEG bytes)"],
  [
    "pipeline.12mp.decoded",
    "the same, decoded whole first (as before `openImage`)",
  ],
  ["cosine", "cosine of two 512-d embeddings"],
];

/** Rows of the peer table: what, peer row, our row. */
const PEERS: readonly (readonly [string, string, string])[] = [
  [
    "stock onnxruntime-web session, batch 1",
    "embed.stock-ort-web",
    "embed.ours",
  ],
  [
    "stock onnxruntime-web session, batch 8",
    "embed.stock-ort-web.batch8",
    "embed.ours.batch8",
  ],
  [
    "onnxruntime-node (native), default threads, batch 1",
    "embed.ort-node",
    "embed.ours",
  ],
  [
    "onnxruntime-node, one thread, batch 1",
    "embed.ort-node.1-thread",
    "embed.ours",
  ],
  [
    "onnxruntime-node, default threads, batch 8",
    "embed.ort-node.batch8",
    "embed.ours.batch8",
  ],
  [
    "onnxruntime-node, one thread, vs our native backend",
    "embed.ort-node.1-thread",
    "embed.ours.native",
  ],
  ["imagescript, 250×250 JPEG", "decode.250.imagescript", "decode.250"],
  ["imagescript, 1920×1080 JPEG", "decode.1080p.imagescript", "decode.1080p"],
  [
    "imagescript, 1920×1080 PNG",
    "decode.png.1080p.imagescript",
    "decode.png.1080p",
  ],
  ["MozJPEG whole decode, 12 MP phone photo", "decode.12mp", "open.12mp"],
  [
    "whole decode, then the pipeline, 12 MP photo",
    "pipeline.12mp.decoded",
    "pipeline.12mp",
  ],
];

/** The speed targets: what, the row, the row it is divided by, the bound. */
const TARGETS: readonly (readonly [string, string, string, number])[] = [
  [
    "passive liveness score / embedding (issue 13)",
    "liveness.ours",
    "embed.ours",
    0.6,
  ],
  [
    "wasm embedding / stock onnxruntime-web",
    "embed.ours",
    "embed.stock-ort-web",
    0.5,
  ],
  [
    "native embedding / onnxruntime-node, both at default threads",
    "embed.ours.native.all-threads",
    "embed.ort-node",
    1.1,
  ],
  [
    "decode + detect + align / embedding, 250×250 JPEG",
    "front.250",
    "embed.ours",
    0.5,
  ],
  [
    "the same, native backend",
    "front.250.native",
    "embed.ours.native",
    0.5,
  ],
  [
    "1920×1080 camera frame end to end / embedding",
    "pipeline.frame",
    "embed.ours",
    3,
  ],
  [
    "the same, native backend",
    "pipeline.frame.native",
    "embed.ours.native",
    3,
  ],
  [
    "12 MP phone photo end to end / embedding",
    "pipeline.12mp",
    "embed.ours",
    10,
  ],
];

/** The speed section: every stage, its peers, the targets (`deno task bench`). */
export async function speedSection(speed: Record<string, Speed>) {
  const run = await readResult<SpeedRun>("speed-run.json", "bench");
  const ms = (name: string) => speed[name] ? formatMs(speed[name].ms) : "–";
  const stages = table(
    ["stage", "row", "median ms", "runs"],
    STAGES.map(([name, what]) => [
      what,
      `\`${name}\``,
      ms(name),
      String(speed[name]?.runs ?? "–"),
    ]),
    2,
  );
  const peers = table(
    ["peer", "row", "peer ms", "ours ms", "peer ÷ ours"],
    PEERS.map(([what, peer, ours]) => [
      what,
      `\`${peer}\``,
      ms(peer),
      ms(ours),
      speed[peer] && speed[ours]
        ? `${(speed[peer].ms / speed[ours].ms).toFixed(2)}×`
        : "–",
    ]),
    2,
  );
  const targets = table(
    ["ratio", "rows", "measured", "target", "met"],
    TARGETS.map(([what, row, by, bound]) => {
      const value = speed[row] && speed[by]
        ? speed[row].ms / speed[by].ms
        : undefined;
      return [
        what,
        `\`${row}\` ÷ \`${by}\``,
        value === undefined ? "–" : `${value.toFixed(2)}×`,
        `≤ ${bound}×`,
        value === undefined ? "–" : value <= bound ? "yes" : "**no**",
      ];
    }),
    2,
  );
  const { frame } = run.inputs;
  return [
    `### Speed — \`results/speed.json\`, ${day(run.date)}`,
    "",
    "Rows without `.native` run the wasm backend (MobileFaceNet, the detector and the landmark net compiled to wasm SIMD by `deno task weights`), which runs everywhere; `.native` rows run the same code on onnxruntime-node.",
    "",
    stages,
    "",
    "Targets (issues 5 and 10.6), as ratios of rows of this run:",
    "",
    targets,
    "",
    "Peers, in the same process on the same inputs (a ratio above 1 means ours is faster):",
    "",
    peers,
    "",
    `Inputs: ${run.inputs.photos.length} LFW photos in turn (the first images of View 2 fold 1); the frame tiles ${frame.tiles} more (JPEG ${
      num(frame.jpegBytes)
    } B, PNG ${num(frame.pngBytes)} B; ${frame.facesFound} faces found in it${
      frame.formatBytes
        ? `; ${
          Object.entries(frame.formatBytes).map(([f, n]) => `${f} ${num(n)} B`)
            .join(", ")
        }`
        : ""
    })${
      run.inputs.photo
        ? `; the phone photo is ${run.inputs.photo.width}×${run.inputs.photo.height}, baseline JPEG q90 4:2:0, ${
          num(run.inputs.photo.jpegBytes)
        } B, one face`
        : ""
    }${
      run.inputs.stream
        ? `; \`pipeline.lfw\` runs ${run.inputs.stream} distinct LFW photos (the next images of View 2), each once`
        : ""
    }. Peers get the input tensor our embedder would build, made outside the timing. Threads: ${
      Object.entries(run.threads).map(([who, n]) => `${who} ${n}`).join(", ")
    }. Packages: ${
      Object.entries(run.packages).map(([name, spec]) => `\`${spec ?? name}\``)
        .join(", ")
    }.`,
    "",
    `Machine: ${machineLine(run.machine)}.`,
  ].join("\n");
}
