/**
 * The kiosk: face recognition on a board, with a screen (the API and the
 * camera page, `serve`) or without (`watch`), built with `deno compile`
 * for x86-64 and ARM with the weights embedded.
 *
 * ```sh
 * deno task kiosk enroll photos/              # photos/<subject>/<images>
 * deno task kiosk watch --input /dev/video0   # one JSON line per person seen
 * deno task kiosk serve                       # the /v1 API on 127.0.0.1:8080
 * deno task kiosk --help                      # every command
 * ```
 *
 * Exit status: 0 on success, 1 when an input was refused, 2 on a usage
 * error, 3 on an internal error (a bug, named as one).
 *
 * @module
 */

import { EXIT_CODES, reportError, UsageError } from "./_cli.ts";

/** One subcommand: its help text and what runs it, loaded when it is used. */
interface Command {
  readonly summary: string;
  readonly load: () => Promise<{
    readonly help: string;
    readonly run: (args: readonly string[]) => Promise<number>;
  }>;
}

// Each command's module is imported only when it runs: `verify` does not
// load the web framework, `serve` does not load MQTT. The specifiers are
// literal so that `deno compile` embeds every one.
const COMMANDS: Readonly<Record<string, Command>> = {
  serve: {
    summary: "serve [options]              the /v1 API on this machine",
    load: async () => {
      const { SERVE_HELP, serveCommand } = await import("./_serve.ts");
      return { help: SERVE_HELP, run: serveCommand };
    },
  },
  watch: {
    summary:
      "watch --input SRC [options]  recognition from a camera or video, no screen",
    load: async () => {
      const { WATCH_HELP, watchCommand } = await import("./_watch.ts");
      return { help: WATCH_HELP, run: watchCommand };
    },
  },
  enroll: {
    summary: "enroll [options] DIR         enrol DIR/<subject>/<images>",
    load: async () => {
      const { ENROLL_HELP, enrollCommand } = await import("./_enroll.ts");
      return { help: ENROLL_HELP, run: enrollCommand };
    },
  },
  verify: {
    summary: "verify [options] A B         are two photos the same person?",
    load: async () => {
      const { VERIFY_HELP, verifyCommand } = await import("./_images.ts");
      return { help: VERIFY_HELP, run: verifyCommand };
    },
  },
  identify: {
    summary: "identify [options] IMAGE     who is this?",
    load: async () => {
      const { IDENTIFY_HELP, identifyCommand } = await import("./_images.ts");
      return { help: IDENTIFY_HELP, run: identifyCommand };
    },
  },
  subjects: {
    summary: "subjects list | delete ID    the enrolled people",
    load: async () => {
      const { SUBJECTS_HELP, subjectsCommand } = await import("./_enroll.ts");
      return { help: SUBJECTS_HELP, run: subjectsCommand };
    },
  },
  export: {
    summary:
      "export > FILE                the gallery as a file, embeddings only",
    load: async () => {
      const { EXPORT_HELP, exportCommand } = await import("./_transfer.ts");
      return { help: EXPORT_HELP, run: exportCommand };
    },
  },
  import: {
    summary: "import FILE                  add an exported gallery to this one",
    load: async () => {
      const { IMPORT_HELP, importCommand } = await import("./_transfer.ts");
      return { help: IMPORT_HELP, run: importCommand };
    },
  },
  keys: {
    summary: "keys create | list | revoke  API keys for other machines",
    load: async () => {
      const { KEYS_HELP, keysCommand } = await import("./_keys.ts");
      return { help: KEYS_HELP, run: keysCommand };
    },
  },
};

/** `kiosk --help`. */
const HELP =
  `facever kiosk: face recognition on a board, with or without a screen

Usage: kiosk COMMAND [options]

Commands:
${Object.values(COMMANDS).map(({ summary }) => `  ${summary}`).join("\n")}

"kiosk COMMAND --help" tells each command's options. Every command that
keeps data uses one Deno KV (--kv, default data/kiosk.kv) and one tenant;
FACEVER_GALLERY_KEY (base64 of 32 bytes) seals its embeddings.

${EXIT_CODES}`;

/**
 * Runs the kiosk with `args` (without the program name) and resolves to the
 * exit status.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * console.log(await main(["--help"])); // 0
 * ```
 */
export async function main(args: readonly string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === "-h" || name === "--help") {
    console.log(HELP);
    return 0;
  }
  if (name === undefined) {
    console.error(`error: missing command\n\n${HELP}`);
    return 2;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    console.error(`error: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  const { help, run } = await command.load();
  if (rest.includes("-h") || rest.includes("--help")) {
    console.log(help);
    return 0;
  }
  try {
    return await run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(
        `error: ${error.message}\nSee "kiosk ${name} --help" for the usage.`,
      );
      return 2;
    }
    return reportError(error);
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
