// Frames from ffmpeg: a video file, a V4L2 camera or an RTSP stream,
// decoded by a spawned `ffmpeg` into raw RGB on a pipe. The pipe is read
// all the time and only the newest whole frame is kept, so a slow pipeline
// drops frames instead of queueing them: memory holds at most the frame
// being read and the newest one, and what is recognised is never older
// than one frame plus the time of one recognition.

import type { RgbImage } from "@facever/core";
import { InputError } from "./_cli.ts";

/** How ffmpeg reads and scales the input. */
export interface FrameOptions {
  /** Frames wider than this are scaled down, keeping their aspect ratio. */
  readonly maxWidth: number;
  /**
   * Read a file at its own frame rate, as a camera delivers it (ffmpeg's
   * `-re`); otherwise as fast as ffmpeg decodes. Cameras and streams
   * always come at their own rate.
   */
  readonly realtime: boolean;
}

/** Lines of ffmpeg's stderr kept for an error message. */
const STDERR_LINES = 20;

/** The ffmpeg arguments that turn `input` into raw RGB frames on stdout. */
export function ffmpegArgs(input: string, options: FrameOptions): string[] {
  const source = /^\/dev\/video\d+$/.test(input)
    ? ["-f", "v4l2", "-i", input]
    : /^rtsps?:\/\//.test(input)
    // TCP: a slow reader makes the server wait instead of losing packets.
    ? ["-rtsp_transport", "tcp", "-i", input]
    : [...(options.realtime ? ["-re"] : []), "-i", input];
  return [
    "-hide_banner",
    "-nostats",
    "-nostdin",
    ...source,
    "-an",
    "-vf",
    `scale='min(${options.maxWidth},iw)':-2`,
    "-f",
    "rawvideo",
    "-pix_fmt",
    "rgb24",
    "pipe:1",
  ];
}

/**
 * The size of the frames ffmpeg writes, from the output stream line it
 * prints before the first frame, or `undefined` when `text` has none yet.
 */
export function outputSize(
  text: string,
): { width: number; height: number } | undefined {
  const output = text.indexOf("Output #0");
  if (output === -1) return undefined;
  const match = text.slice(output).match(
    /Stream #0:\d+[^\n]*: Video: rawvideo[^\n]*?, (\d+)x(\d+)/,
  );
  return match
    ? { width: Number(match[1]), height: Number(match[2]) }
    : undefined;
}

/**
 * A running ffmpeg and the newest frame it has written.
 *
 * @example
 * ```ts
 * import { FrameSource } from "./_frames.ts";
 * const source = await FrameSource.start("door.mp4", { maxWidth: 640, realtime: true });
 * for (let frame = await source.next(); frame; frame = await source.next()) {
 *   console.log(frame.width, frame.height, source.dropped);
 * }
 * ```
 */
export class FrameSource {
  /** Size of every frame. */
  readonly width: number;
  readonly height: number;
  readonly #child: Deno.ChildProcess;
  readonly #stderr: string[];
  #latest: Uint8Array<ArrayBuffer> | undefined;
  #waiting: (() => void) | undefined;
  #ended = false;
  #closing = false;
  #failure: InputError | undefined;
  #received = 0;
  #dropped = 0;

  private constructor(
    child: Deno.ChildProcess,
    size: { width: number; height: number },
    stderr: string[],
  ) {
    this.#child = child;
    this.width = size.width;
    this.height = size.height;
    this.#stderr = stderr;
  }

  /**
   * Starts ffmpeg on `input` and resolves once it has said the size of its
   * frames.
   *
   * @throws {InputError} When ffmpeg is missing or cannot open the input,
   * with the end of what it said.
   */
  static async start(
    input: string,
    options: FrameOptions,
  ): Promise<FrameSource> {
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command("ffmpeg", {
        args: ffmpegArgs(input, options),
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      throw new InputError(
        error instanceof Deno.errors.NotFound
          ? "ffmpeg is not installed (apt-get install ffmpeg)"
          : `cannot start ffmpeg: ${(error as Error).message}`,
      );
    }
    const stderr: string[] = [];
    const size = await readHeader(child, stderr);
    if (!size) {
      await child.status;
      throw new InputError(
        `ffmpeg cannot read ${input}:\n${stderr.slice(-5).join("\n")}`,
      );
    }
    const source = new FrameSource(child, size, stderr);
    source.#pump();
    return source;
  }

  /** Frames read from ffmpeg so far. */
  get received(): number {
    return this.#received;
  }

  /** Frames replaced by a newer one before the pipeline took them. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Why ffmpeg stopped before the end of its input (with the end of what
   * it said), once it has; `undefined` while it runs, and after a clean
   * end or {@linkcode FrameSource.close}.
   */
  get failure(): InputError | undefined {
    return this.#failure;
  }

  /**
   * The newest frame not taken yet, waiting for one if need be;
   * `undefined` once the input has ended or failed (see
   * {@linkcode FrameSource.failure}). The frame is the caller's: its buffer
   * may be moved to a worker.
   */
  async next(): Promise<RgbImage | undefined> {
    while (!this.#latest && !this.#ended) {
      await new Promise<void>((resolve) => this.#waiting = resolve);
    }
    const data = this.#latest;
    this.#latest = undefined;
    return data && { width: this.width, height: this.height, data };
  }

  /** Stops ffmpeg; `next` then resolves to `undefined`. */
  async close(): Promise<void> {
    this.#closing = true;
    try {
      this.#child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await this.#child.status;
  }

  async #pump(): Promise<void> {
    const size = this.width * this.height * 3;
    let frame = new Uint8Array(size);
    let filled = 0;
    try {
      for await (const chunk of this.#child.stdout) {
        let offset = 0;
        while (offset < chunk.length) {
          const take = Math.min(size - filled, chunk.length - offset);
          frame.set(chunk.subarray(offset, offset + take), filled);
          filled += take;
          offset += take;
          if (filled === size) {
            // A frame the pipeline never took is refilled, not reallocated.
            frame = this.#publish(frame) ?? new Uint8Array(size);
            filled = 0;
          }
        }
      }
    } catch {
      // The pipe broke: ffmpeg's status below tells why.
    }
    const status = await this.#child.status;
    // ffmpeg ends with 255 when told to stop: that is no failure.
    if (!status.success && !this.#closing) {
      this.#failure = new InputError(
        `ffmpeg stopped (exit ${status.code}):\n${
          this.#stderr.slice(-5).join("\n")
        }`,
      );
    }
    this.#ended = true;
    this.#wake();
  }

  /** Makes `frame` the newest; returns the one it replaced, untaken. */
  #publish(
    frame: Uint8Array<ArrayBuffer>,
  ): Uint8Array<ArrayBuffer> | undefined {
    this.#received++;
    const replaced = this.#latest;
    if (replaced) this.#dropped++;
    this.#latest = frame;
    this.#wake();
    return replaced;
  }

  #wake(): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.();
  }
}

/**
 * Reads ffmpeg's stderr until it has told the output size (resolving to
 * it) or ended (resolving to `undefined`), then keeps draining it in the
 * background, so ffmpeg never blocks on a full pipe, keeping the last
 * lines in `lines`.
 */
function readHeader(
  child: Deno.ChildProcess,
  lines: string[],
): Promise<{ width: number; height: number } | undefined> {
  return new Promise((resolve) => {
    (async () => {
      let partial = "";
      // Everything up to the size, however many metadata lines it has.
      let header: string | undefined = "";
      for await (
        const chunk of child.stderr.pipeThrough(new TextDecoderStream())
      ) {
        const parts = (partial + chunk).split(/\r?\n|\r/);
        partial = parts.pop()!;
        lines.push(...parts.filter((line) => line.trim() !== ""));
        lines.splice(0, Math.max(0, lines.length - STDERR_LINES));
        if (header !== undefined) {
          // Whole lines only: the stream line may still be incomplete.
          header += parts.join("\n") + "\n";
          const size = outputSize(header);
          if (size) {
            header = undefined;
            resolve(size);
          }
        }
      }
      if (partial.trim() !== "") lines.push(partial);
      resolve(undefined);
    })();
  });
}
