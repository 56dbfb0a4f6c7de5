import assert from "node:assert/strict";
import { join } from "node:path";
import mqtt from "mqtt";
import type { RecognitionEvent } from "./_events.ts";
import {
  eachLine,
  jsonLines,
  LFW,
  lfw,
  makeVideo,
  missingProgram,
  NO_FFMPEG,
  runKiosk,
  scratchWithPhotos,
  spawnKiosk,
} from "./_test_kiosk.ts";

if (NO_FFMPEG) console.log(`skipping kiosk watch tests: ${NO_FFMPEG}`);

/** mosquitto's path (Debian puts it in /usr/sbin), or why MQTT tests skip. */
const MOSQUITTO = await (async () => {
  for (const path of ["mosquitto", "/usr/sbin/mosquitto"]) {
    if (!await missingProgram(path, ["-h"], "")) return { path };
  }
  return {
    missing:
      "mosquitto is not installed (apt-get install -y mosquitto; .ci/run installs it)",
  };
})();
if ("missing" in MOSQUITTO) {
  console.log(`skipping the kiosk MQTT test: ${MOSQUITTO.missing}`);
}

/**
 * A scratch folder whose gallery holds Aaron Peirsol (photos 1 and 2), and
 * a video of him (photo 3) for 3 s, then nobody for 2 s, then Aaron
 * Eckhart, never enrolled, for 3 s.
 */
async function scene(): Promise<{ dir: string; video: string }> {
  const dir = await scratchWithPhotos({ Aaron_Peirsol: [1, 2] });
  const enrolled = await runKiosk(dir, ["enroll", "enrol"]);
  assert.equal(enrolled.code, 0, enrolled.stderr);
  const video = join(dir, "door.mp4");
  await makeVideo(video, [
    { photo: lfw("Aaron_Peirsol", 3), seconds: 3 },
    { photo: null, seconds: 2 },
    { photo: lfw("Aaron_Eckhart", 1), seconds: 3 },
  ]);
  return { dir, video };
}

/** The events expected of the scene: Peirsol recognised, then a stranger. */
function assertScene(events: RecognitionEvent[]): void {
  assert.deepEqual(
    events.map(({ type, subjectId, camera }) => ({ type, subjectId, camera })),
    [
      { type: "recognized", subjectId: "Aaron_Peirsol", camera: "door" },
      { type: "unknown", subjectId: null, camera: "door" },
    ],
  );
  const [known, stranger] = events;
  assert.ok(known.similarity! >= known.threshold);
  assert.ok(stranger.similarity! < stranger.threshold);
  assert.ok(Date.parse(stranger.time) - Date.parse(known.time) >= 1_500);
  for (const { box, frame } of events) {
    assert.deepEqual(frame, { width: 640, height: 480 });
    // The face is in the middle of the frame, where the photo was put.
    assert.ok(box.x > 160 && box.x + box.width < 480, JSON.stringify(box));
  }
}

Deno.test({
  name:
    "kiosk watch: one event per person who appears, to stdout and a failing webhook",
  ignore: !LFW || NO_FFMPEG !== undefined,
  fn: async () => {
    const { dir, video } = await scene();
    // A receiver that fails the first two attempts.
    let attempts = 0;
    const received: RecognitionEvent[] = [];
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async (request) => {
        attempts++;
        const event = await request.json();
        if (attempts <= 2) return new Response("busy", { status: 503 });
        received.push(event);
        return new Response(null, { status: 204 });
      },
    );
    try {
      const { code, stdout, stderr } = await runKiosk(dir, [
        "watch",
        // LFW photos on a grey wall are what the passive check refuses.
        "--liveness",
        "off",
        "--input",
        video,
        "--camera",
        "door",
        "--webhook",
        `http://127.0.0.1:${server.addr.port}/events`,
      ]);
      assert.equal(code, 0, stderr);
      const events = jsonLines(stdout) as unknown as RecognitionEvent[];
      assertScene(events);
      assert.deepEqual(received, events);
      assert.equal(attempts, 4);
      const summary = jsonLines(stderr).find((line) => "watched" in line)!;
      assert.equal(summary.recognized, 1);
      assert.equal(summary.unknown, 1);
      // 8 s at 25 frames per second, read at the video's own pace.
      assert.equal(summary.frames, 200);
    } finally {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "kiosk watch: a stream that fails is reopened until stopped",
  ignore: NO_FFMPEG !== undefined,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "kiosk-watch-" });
    // Nothing listens there: every attempt is refused at once.
    const child = spawnKiosk(dir, [
      "watch",
      // LFW photos on a grey wall are what the passive check refuses.
      "--liveness",
      "off",
      "--input",
      `rtsp://127.0.0.1:${freePort()}/live`,
    ]);
    try {
      const errors: string[] = [];
      const read = eachLine(child.stderr, (line) => {
        if (line.includes('"error"')) errors.push(line);
      });
      // Attempts at 0 s, after 1 s, after 2 more s.
      for (let i = 0; i < 100 && errors.length < 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      child.kill("SIGTERM");
      const status = await child.status;
      await read;
      await child.stdout.cancel();
      assert.equal(status.code, 0);
      assert.ok(errors.length >= 2, errors.join("\n"));
      assert.match(errors[0], /ffmpeg cannot read rtsp:/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** A free TCP port on 127.0.0.1. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr;
  listener.close();
  return port;
}

Deno.test({
  name: "kiosk watch: events published to a real MQTT broker (mosquitto)",
  ignore: !LFW || NO_FFMPEG !== undefined || "missing" in MOSQUITTO,
  fn: async () => {
    const { dir, video } = await scene();
    const port = freePort();
    const config = join(dir, "mosquitto.conf");
    await Deno.writeTextFile(
      config,
      `listener ${port} 127.0.0.1\nallow_anonymous true\n`,
    );
    const broker = new Deno.Command((MOSQUITTO as { path: string }).path, {
      args: ["-c", config],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const url = `mqtt://127.0.0.1:${port}`;
    const subscriber = await connectWhenUp(url);
    try {
      const messages: { topic: string; event: RecognitionEvent }[] = [];
      subscriber.on("message", (topic, payload) => {
        messages.push({ topic, event: JSON.parse(payload.toString()) });
      });
      await subscriber.subscribeAsync("facever/#", { qos: 1 });
      const { code, stdout, stderr } = await runKiosk(dir, [
        "watch",
        // LFW photos on a grey wall are what the passive check refuses.
        "--liveness",
        "off",
        "--input",
        video,
        "--camera",
        "door",
        "--mqtt",
        url,
      ]);
      assert.equal(code, 0, stderr);
      // QoS 1: the kiosk has its acknowledgements before it exits; give the
      // broker a moment to pass them on.
      for (let i = 0; i < 50 && messages.length < 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.deepEqual(messages.map((m) => m.topic), [
        "facever/door/recognized",
        "facever/door/unknown",
      ]);
      const events = messages.map((m) => m.event);
      assertScene(events);
      assert.deepEqual(events, jsonLines(stdout));
    } finally {
      await subscriber.endAsync();
      broker.kill("SIGTERM");
      await broker.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** A client of the broker at `url`, once the broker accepts connections. */
async function connectWhenUp(url: string): Promise<mqtt.MqttClient> {
  for (let attempt = 0;; attempt++) {
    try {
      return await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    } catch (error) {
      if (attempt === 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
