/**
 * The ARM proof of the kiosk (`deno task kiosk:arm-smoke`): runs the
 * kiosk's `verify` on two LFW photos with the arm64 Deno from npm
 * (`@deno/linux-arm64-glibc`, the same version as this Deno) under
 * `qemu-aarch64 -L /usr/aarch64-linux-gnu`, and with this machine's Deno,
 * and checks that the two similarities agree within 1e-4. Both runs use
 * the `kiosk` task's own flags. Emulation is slow (minutes), so this is
 * not part of `deno task test`.
 *
 * Needs Debian's `qemu-user` and `libc6-arm64-cross libgcc-s1-arm64-cross`
 * (`apt-get install -y qemu-user libc6-arm64-cross libgcc-s1-arm64-cross`),
 * npm for the arm64 Deno (kept in `.cache/deno-arm64/`), and LFW.
 *
 * Prints one JSON object; exits 1 when the similarities differ or a
 * prerequisite is missing.
 *
 * @module
 */

import { join } from "node:path";
import { LFW_MISSING, lfwImagePath, lfwRoot } from "@facever/testing";
import { kioskRunArgs, ROOT } from "./_kiosk_task.ts";

const SYSROOT = "/usr/aarch64-linux-gnu";
const TOLERANCE = 1e-4;
const PAIR = [["Aaron_Peirsol", 1], ["Aaron_Peirsol", 2]] as const;

/** Runs `command` and resolves to its stdout, or fails with its stderr. */
async function run(
  command: string,
  args: string[],
  cwd = ROOT,
): Promise<{ stdout: string; seconds: number }> {
  const started = performance.now();
  const { success, stdout, stderr } = await new Deno.Command(command, {
    args,
    cwd,
    stdin: "null",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  const text = new TextDecoder();
  if (!success) {
    throw new Error(
      `${command} ${args.join(" ")} failed:\n${text.decode(stderr)}`,
    );
  }
  return { stdout: text.decode(stdout), seconds };
}

/** The arm64 Deno of this Deno's version, fetched from npm once. */
async function armDeno(): Promise<string> {
  const version = Deno.version.deno;
  const folder = join(ROOT, ".cache", "deno-arm64", version);
  const binary = join(folder, "package", "deno");
  try {
    await Deno.stat(binary);
    return binary;
  } catch {
    await Deno.mkdir(folder, { recursive: true });
    await run("npm", [
      "pack",
      `@deno/linux-arm64-glibc@${version}`,
      "--pack-destination",
      folder,
    ]);
    await run("tar", [
      "xzf",
      join(folder, `deno-linux-arm64-glibc-${version}.tgz`),
      "-C",
      folder,
    ]);
    return binary;
  }
}

async function missing(): Promise<string | undefined> {
  try {
    await Deno.stat(join(SYSROOT, "lib", "ld-linux-aarch64.so.1"));
  } catch {
    return `${SYSROOT} has no arm64 libc: apt-get install -y libc6-arm64-cross libgcc-s1-arm64-cross`;
  }
  try {
    await run("qemu-aarch64", ["--version"]);
  } catch {
    return "qemu-aarch64 is missing: apt-get install -y qemu-user";
  }
  return lfwRoot() ? undefined : LFW_MISSING;
}

const why = await missing();
if (why) {
  console.error(`kiosk:arm-smoke cannot run: ${why}`);
  Deno.exit(1);
}
const root = lfwRoot()!;
const photos = PAIR.map(([name, index]) => lfwImagePath(root, name, index));
const kiosk = await kioskRunArgs();
const deno = await armDeno();
// A scratch folder as the working directory, so that nothing the kiosk
// might write lands in the repository.
const scratch = await Deno.makeTempDir({
  dir: join(ROOT, ".cache", "deno-arm64"),
  prefix: "run-",
});
try {
  const target = await run("qemu-aarch64", [
    "-L",
    SYSROOT,
    deno,
    "eval",
    "console.log(Deno.build.target)",
  ], scratch);
  const x86 = await run("deno", [...kiosk, "verify", ...photos], scratch);
  const arm = await run(
    "qemu-aarch64",
    ["-L", SYSROOT, deno, ...kiosk, "verify", ...photos],
    scratch,
  );
  const x86Similarity = JSON.parse(x86.stdout).similarity as number;
  const armSimilarity = JSON.parse(arm.stdout).similarity as number;
  const difference = Math.abs(x86Similarity - armSimilarity);
  const result = {
    photos: PAIR.map(([name, index]) => `${name}_${index}`),
    hostSimilarity: x86Similarity,
    arm64Similarity: armSimilarity,
    difference,
    tolerance: TOLERANCE,
    agree: difference <= TOLERANCE,
    hostSeconds: Math.round(x86.seconds * 10) / 10,
    arm64Seconds: Math.round(arm.seconds * 10) / 10,
    arm64Target: target.stdout.trim(),
    deno: Deno.version.deno,
  };
  console.log(JSON.stringify(result));
  if (!result.agree) Deno.exit(1);
} finally {
  await Deno.remove(scratch, { recursive: true });
}
