/**
 * Command-line face verification.
 *
 * ```sh
 * deno task verify a.jpg b.jpg     # one JSON object: similarity, match, threshold, faces
 * deno task embed a.jpg b.png ...  # one JSON line per file: its faces with embeddings
 * deno task liveness a.jpg ...     # one JSON line per file: each face's passive liveness
 * deno task verify --help          # every option, its default, the exit codes
 * ```
 *
 * Exit status: 0 on success, 1 when an input was refused (for `embed`: when
 * any file was; the others are still reported), 2 on a usage error, 3 on an
 * internal error (a bug: it is named as one, and `embed` still goes on with
 * the other files). See ARCHITECTURE.md for the rule behind them.
 *
 * @module
 */

import { HELP } from "./_help.ts";
import { UsageError } from "./_args.ts";
import type { CliOptions } from "./_engine.ts";
import { describe, exitStatus } from "./_io.ts";
import { verify } from "./_verify.ts";
import { embed } from "./_embed.ts";
import { liveness } from "./_liveness.ts";

export type { CliEngine, CliOptions } from "./_engine.ts";

/** Runs a command, so that its usage errors show its usage. */
async function run(
  command: "verify" | "embed" | "liveness",
  body: () => Promise<number>,
): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) error.command = command;
    throw error;
  }
}

/**
 * Runs the CLI with `args` (without the program name) and resolves to the
 * exit status. Output goes to stdout, diagnostics to stderr.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * const status = await main(["verify", "--help"]);
 * console.log(status); // 0
 * ```
 */
export async function main(
  args: readonly string[],
  options: CliOptions = {},
): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case "verify":
        return await run("verify", () => verify(rest, options));
      case "embed":
        return await run("embed", () => embed(rest, options));
      case "liveness":
        return await run("liveness", () => liveness(rest, options));
      case "-h":
      case "--help":
      case "help":
        console.log(HELP.main);
        return 0;
      default:
        throw new UsageError(
          command === undefined
            ? "missing command"
            : `unknown command "${command}"`,
        );
    }
  } catch (error) {
    if (error instanceof UsageError) {
      const usage = HELP[error.command].split("\n\n")
        .find((part) => part.startsWith("Usage:"));
      const help = error.command === "main"
        ? "--help"
        : `${error.command} --help`;
      console.error(
        `error: ${error.message}\n${usage}\nSee "${help}" for every option.`,
      );
      return 2;
    }
    const failure = describe(error);
    console.error(`error: ${failure.message} (${failure.code})`);
    return exitStatus(failure);
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
