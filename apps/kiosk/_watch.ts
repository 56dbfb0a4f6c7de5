// `watch`: headless recognition for a board without a screen. Frames come
// from ffmpeg (_frames.ts), as many as the pipeline takes; every face is
// identified in the gallery; the cool-down (_presence.ts) turns a person in
// view into one event, which goes to stdout and to the webhook and MQTT
// where configured (_events.ts).

import type { RgbImage } from "@facever/core";
import type { Gallery } from "@facever/gallery";
import {
  type Face,
  type FacePool,
  OPERATING_POINTS,
  roundedFace,
} from "@facever/model";
import {
  EXIT_CODES,
  numberFlag,
  parse,
  positionals,
  round,
  stopSignal,
  STORE_OPTIONS,
  storeHelp,
  thresholdFlag,
  thresholdHelp,
  UsageError,
} from "./_cli.ts";
import { createPool } from "./_engine.ts";
import {
  type EventSink,
  type RecognitionEvent,
  stdoutSink,
} from "./_events.ts";
import { FrameSource } from "./_frames.ts";
import { Presences, type Sighting } from "./_presence.ts";
import { kvPath, openGallery, openKv } from "./_store.ts";
import { webhookSink } from "./_webhook.ts";

/** A camera's name or the MQTT prefix: one safe MQTT topic level. */
const TOPIC_PART = /^[A-Za-z0-9_.-]{1,64}$/;

/** How long the sinks may take to deliver what is queued when watching ends. */
const FLUSH_MS = 20_000;

/** `kiosk watch --help`. */
export const WATCH_HELP = `Usage: kiosk watch --input SRC [options]

Recognises the faces that come into view, without a screen. SRC is a video
file, a V4L2 camera (/dev/video0) or a stream (rtsp://…), read by ffmpeg.
Frames the pipeline cannot take are dropped, never queued. Each person
who comes into view is one event, on stdout as one JSON line:
{"type": "recognized" | "unknown" | "spoof", "camera", "time",
"subjectId", "similarity", "threshold", "box", "score", "frame": {"width",
"height"}}. A face that fails the passive liveness check (a print or a
screen held up to the camera, as far as it can tell) is not identified:
its event is "spoof", with subjectId and similarity null.
A person stays one event while seen again within the cool-down; an
unknown face is reported once seen in two frames. A file ends the watch at
its end; a camera or stream is reopened when it fails, until stopped.

Options:
  --input SRC          video file, /dev/videoN or rtsp:// URL (required)
  --camera NAME        the camera's name in events and MQTT topics, letters,
                       digits, "_", "-", "." (default camera)
  --cooldown S         seconds a person may be out of view and still be
                       the same event (default 10)
${thresholdHelp("far-1e-3", 23)}
  --min-face-size N    smallest face recognised, in pixels (default 60)
  --max-width N        frames wider than this are scaled down (default 640)
  --fast               read a file as fast as it decodes, not at its frame rate
  --liveness on|off    the passive liveness check of every face (default on)
  --webhook URL        POST each event as JSON (retried with back-off);
                       repeatable. KIOSK_WEBHOOK_TOKEN, when set, is sent as
                       Authorization: Bearer TOKEN
  --mqtt URL           publish each event to an MQTT broker (mqtt://host:1883)
  --mqtt-prefix P      topics are P/<camera>/recognized, …/unknown, …/spoof
                       (default facever)
  --workers N          engines on worker threads (default 1)
${storeHelp(23)}
  -h, --help           this text

When the watch ends, a summary goes to stderr: frames read and dropped,
events sent.

${EXIT_CODES}`;

/** What the flags of `watch` ask for, checked. */
interface WatchSettings {
  readonly input: string;
  readonly live: boolean;
  readonly camera: string;
  readonly mqttPrefix: string;
  readonly cooldownMs: number;
  readonly threshold: number;
  readonly liveness: boolean;
  readonly minFaceSize: number;
  readonly frames: { readonly maxWidth: number; readonly realtime: boolean };
  readonly workers: number;
  readonly webhooks: readonly URL[];
  readonly mqtt: string | undefined;
  readonly kv: string | undefined;
}

/** A face of a frame, with who the gallery says it is. */
interface Recognition extends Sighting {
  readonly face: Face;
  /** The face failed the passive liveness check. */
  readonly spoof: boolean;
  /** With the closest enrolled face; `null` in an empty gallery. */
  readonly similarity: number | null;
}

/** Runs `kiosk watch` until its input ends or a signal stops it. */
export async function watchCommand(args: readonly string[]): Promise<number> {
  const settings = watchSettings(args);
  const signal = stopSignal();
  const kv = await openKv(kvPath(settings.kv));
  const pool = await createPool(settings.workers, {
    minFaceSize: settings.minFaceSize,
  });
  const sinks = await openSinks(settings);
  const stats = { frames: 0, dropped: 0, recognized: 0, unknown: 0, spoof: 0 };
  try {
    const gallery = await openGallery(kv);
    const presences = new Presences({
      cooldownMs: settings.cooldownMs,
      // Two faces this alike are one person, as for verification.
      sameFace: OPERATING_POINTS.accuracy.threshold,
    });
    for await (const source of sources(settings, signal)) {
      console.error(JSON.stringify({
        watching: settings.input,
        camera: settings.camera,
        frame: { width: source.width, height: source.height },
        workers: pool.workers,
        backend: pool.backend,
      }));
      for (
        let frame = await source.next();
        frame;
        frame = await source.next()
      ) {
        const recognitions = await recognise(
          pool,
          gallery,
          frame,
          settings,
        );
        for (const news of presences.observe(recognitions, performance.now())) {
          const event = eventOf(news, settings, source);
          stats[event.type]++;
          for (const sink of sinks) sink.send(event);
        }
      }
      stats.frames += source.received;
      stats.dropped += source.dropped;
    }
  } finally {
    await Promise.all(sinks.map((sink) => sink.close(FLUSH_MS)));
    await pool.close();
    kv.close();
  }
  console.error(JSON.stringify({ watched: settings.input, ...stats }));
  return 0;
}

function watchSettings(args: readonly string[]): WatchSettings {
  const { values, positionals: rest } = parse(args, {
    ...STORE_OPTIONS,
    input: { type: "string" },
    camera: { type: "string" },
    cooldown: { type: "string" },
    threshold: { type: "string" },
    far: { type: "string" },
    "min-face-size": { type: "string" },
    "max-width": { type: "string" },
    fast: { type: "boolean" },
    liveness: { type: "string" },
    webhook: { type: "string", multiple: true },
    mqtt: { type: "string" },
    "mqtt-prefix": { type: "string" },
    workers: { type: "string" },
  });
  positionals(rest, 0, "no arguments besides options");
  if (values.input === undefined) throw new UsageError("--input is required");
  const camera = values.camera ?? "camera";
  const mqttPrefix = values["mqtt-prefix"] ?? "facever";
  for (
    const [name, value] of [["camera", camera], ["mqtt-prefix", mqttPrefix]]
  ) {
    if (!TOPIC_PART.test(value)) {
      throw new UsageError(
        `--${name} takes 1 to 64 letters, digits, "_", "-" or ".", got "${value}"`,
      );
    }
  }
  const webhooks = (values.webhook ?? []).map((text) => {
    const url = URL.parse(text);
    if (!url || !/^https?:$/.test(url.protocol)) {
      throw new UsageError(`--webhook takes an http(s) URL, got "${text}"`);
    }
    return url;
  });
  if (
    values.mqtt !== undefined && !/^mqtts?:\/\/|^wss?:\/\//.test(values.mqtt)
  ) {
    throw new UsageError(
      `--mqtt takes an mqtt://, mqtts://, ws:// or wss:// URL, got "${values.mqtt}"`,
    );
  }
  return {
    input: values.input,
    live: /^\/dev\/video\d+$|^rtsps?:\/\//.test(values.input),
    camera,
    mqttPrefix,
    cooldownMs: 1000 *
      numberFlag(values.cooldown, "cooldown", { min: 0, max: 86_400 }, 10),
    threshold: thresholdFlag(values, "far-1e-3"),
    liveness: onOff(values.liveness, "liveness"),
    minFaceSize: numberFlag(values["min-face-size"], "min-face-size", {
      min: 20,
      max: 4096,
      whole: true,
    }, 60),
    frames: {
      maxWidth: numberFlag(values["max-width"], "max-width", {
        min: 64,
        max: 7680,
        whole: true,
      }, 640),
      realtime: !values.fast,
    },
    workers: numberFlag(values.workers, "workers", {
      min: 1,
      max: 64,
      whole: true,
    }, 1),
    webhooks,
    mqtt: values.mqtt,
    kv: values.kv,
  };
}

async function openSinks(settings: WatchSettings): Promise<EventSink[]> {
  const sinks: EventSink[] = [
    stdoutSink,
    ...settings.webhooks.map((url) =>
      webhookSink(url, { token: Deno.env.get("KIOSK_WEBHOOK_TOKEN") })
    ),
  ];
  if (settings.mqtt !== undefined) {
    // Loaded only when asked for: MQTT's dependencies read the whole
    // environment at import.
    const { mqttSink } = await import("./_mqtt.ts");
    sinks.push(mqttSink(settings.mqtt, settings.mqttPrefix));
  }
  return sinks;
}

/** Every face of `frame`, and who the gallery says each is. */
async function recognise(
  pool: FacePool,
  gallery: Gallery,
  frame: RgbImage,
  { threshold, liveness }: WatchSettings,
): Promise<Recognition[]> {
  const { faces } = await pool.analyze(frame, { embed: "all", liveness });
  const recognitions: Recognition[] = [];
  for (const face of faces) {
    if (!face.embedding) continue;
    if (face.liveness?.live === false) {
      // Not identified: a spoof is news of its own, never a name.
      recognitions.push({
        embedding: face.embedding,
        subjectId: null,
        face: face as Face,
        similarity: null,
        spoof: true,
      });
      continue;
    }
    // The best match whatever its similarity, so that an unknown face
    // still says how close the nearest subject came.
    const [best] = await gallery.identify(face.embedding, {
      threshold: -1,
      limit: 1,
    });
    const known = best !== undefined && best.similarity >= threshold;
    recognitions.push({
      embedding: face.embedding,
      subjectId: known ? best.subjectId : null,
      face: face as Face,
      similarity: best ? best.similarity : null,
      spoof: false,
    });
  }
  return recognitions;
}

function eventOf(
  recognition: Recognition,
  settings: WatchSettings,
  source: FrameSource,
): RecognitionEvent {
  const rounded = roundedFace(recognition.face);
  return {
    type: recognition.spoof
      ? "spoof"
      : recognition.subjectId === null
      ? "unknown"
      : "recognized",
    camera: settings.camera,
    time: new Date().toISOString(),
    subjectId: recognition.subjectId,
    similarity: recognition.similarity === null
      ? null
      : round(recognition.similarity, 6),
    threshold: settings.threshold,
    box: rounded.box,
    score: rounded.score,
    frame: { width: source.width, height: source.height },
  };
}

function onOff(value: string | undefined, name: string): boolean {
  if (value === undefined || value === "on") return true;
  if (value === "off") return false;
  throw new UsageError(`--${name} takes on or off, got "${value}"`);
}

/**
 * The frame sources of `input` one after the other: a file once; a camera
 * or stream again each time it fails (after 1 s, doubling up to 30 s, back
 * to 1 s once it delivered frames), until `signal` stops the watch.
 */
async function* sources(
  { input, frames, live }: WatchSettings,
  signal: AbortSignal,
): AsyncGenerator<FrameSource> {
  let pause = 1000;
  while (!signal.aborted) {
    let source: FrameSource | undefined;
    try {
      source = await FrameSource.start(input, frames);
    } catch (error) {
      if (!live) throw error;
      console.error(JSON.stringify({ input, error: (error as Error).message }));
    }
    if (source) {
      const stop = () => source.close();
      signal.addEventListener("abort", stop);
      try {
        yield source;
      } finally {
        signal.removeEventListener("abort", stop);
        await source.close();
      }
      if (source.failure && !live) throw source.failure;
      if (!live) return;
      if (source.failure) {
        console.error(
          JSON.stringify({ input, error: source.failure.message }),
        );
      }
      if (source.received > 0) pause = 1000;
    }
    await abortableDelay(pause, signal);
    pause = Math.min(pause * 2, 30_000);
  }
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
