import assert from "node:assert/strict";
import { join } from "node:path";
import { ffmpegArgs, FrameSource, outputSize } from "./_frames.ts";
import { LFW, lfw, makeVideo, NO_FFMPEG } from "./_test_kiosk.ts";

if (NO_FFMPEG) console.log(`skipping ffmpeg frame tests: ${NO_FFMPEG}`);

Deno.test("ffmpegArgs: each kind of input, raw RGB on stdout", () => {
  const options = { maxWidth: 640, realtime: true };
  const file = ffmpegArgs("door.mp4", options);
  assert.deepEqual(file.slice(file.indexOf("-re"), file.indexOf("-re") + 3), [
    "-re",
    "-i",
    "door.mp4",
  ]);
  assert.deepEqual(file.slice(-5), [
    "-f",
    "rawvideo",
    "-pix_fmt",
    "rgb24",
    "pipe:1",
  ]);
  assert.ok(file.includes("scale='min(640,iw)':-2"));
  assert.ok(
    !ffmpegArgs("door.mp4", { ...options, realtime: false }).includes("-re"),
  );
  const camera = ffmpegArgs("/dev/video0", options);
  assert.deepEqual(
    camera.slice(camera.indexOf("-f"), camera.indexOf("-f") + 4),
    [
      "-f",
      "v4l2",
      "-i",
      "/dev/video0",
    ],
  );
  const stream = ffmpegArgs("rtsp://cam.local/live", options);
  assert.ok(stream.includes("tcp") && !stream.includes("-re"));
});

Deno.test("outputSize: the output stream's size, not the input's", () => {
  const header = `Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'a.mp4':
  Stream #0:0[0x1](und): Video: h264 (avc1 / 0x31637661), yuv420p, 1280x720, 25 fps
Output #0, rawvideo, to 'pipe:1':
  Metadata:
    encoder         : Lavf59.27.100
  Stream #0:0(und): Video: rawvideo (RGB[24] / 0x18424752), rgb24(pc, gbr/unknown/unknown, progressive), 640x360 [SAR 1:1 DAR 16:9], q=2-31, 184320 kb/s, 25 fps`;
  assert.deepEqual(outputSize(header), { width: 640, height: 360 });
  assert.equal(
    outputSize(header.slice(0, header.indexOf("Output"))),
    undefined,
  );
});

Deno.test({
  name: "FrameSource: a slow reader gets the newest frames, the rest dropped",
  ignore: !LFW || NO_FFMPEG !== undefined,
  fn: async (t) => {
    const dir = await Deno.makeTempDir({ prefix: "kiosk-frames-" });
    try {
      const video = join(dir, "clip.mp4");
      await makeVideo(video, [
        { photo: lfw("Aaron_Peirsol", 1), seconds: 1 },
        { photo: null, seconds: 1 },
      ]);
      await t.step("every frame, read as fast as it decodes", async () => {
        const source = await FrameSource.start(video, {
          maxWidth: 320,
          realtime: false,
        });
        assert.deepEqual([source.width, source.height], [320, 240]);
        let taken = 0;
        for (
          let frame = await source.next();
          frame;
          frame = await source.next()
        ) {
          assert.equal(frame.data.length, 320 * 240 * 3);
          taken++;
          // A reader slower than ffmpeg: 20 ms a frame.
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        assert.equal(source.received, 50);
        assert.equal(taken + source.dropped, 50);
        assert.ok(source.dropped > 0, "ffmpeg outpaces a 20 ms reader");
        assert.equal(source.failure, undefined);
      });
      await t.step("a missing file fails with ffmpeg's words", async () => {
        await assert.rejects(
          FrameSource.start(join(dir, "none.mp4"), {
            maxWidth: 640,
            realtime: true,
          }),
          /ffmpeg cannot read .*none\.mp4:[\s\S]*No such file/,
        );
      });
      await t.step("close stops ffmpeg; next then ends", async () => {
        const source = await FrameSource.start(video, {
          maxWidth: 640,
          realtime: true,
        });
        assert.ok(await source.next());
        await source.close();
        // At most the frame already read, then the end.
        let after = 0;
        while (await source.next()) after++;
        assert.ok(after <= 1);
        assert.equal(source.failure, undefined);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
