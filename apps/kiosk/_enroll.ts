// `enroll DIR` and `subjects list|delete`: the gallery from the terminal.
// Enrolment is the gallery's own `enrolFolder`, with its gates, progress
// bar and resumption, so the kiosk, the API and scripts enrol alike.

import {
  DEFAULT_GATES,
  enrolFolder,
  type EnrolmentGates,
  progressBar,
} from "@facever/gallery";
import {
  EXIT_CODES,
  InputError,
  parse,
  positionals,
  STORE_OPTIONS,
  storeHelp,
  UsageError,
} from "./_cli.ts";
import { createEngine } from "./_engine.ts";
import { kvPath, openGallery, openKv } from "./_store.ts";

const GATE_NAMES = Object.keys(DEFAULT_GATES) as (keyof EnrolmentGates)[];

/** `kiosk enroll --help`. */
export const ENROLL_HELP = `Usage: kiosk enroll [options] DIR

Enrols every image of DIR/<subject>/ (the folder's name is the subject id),
creating subjects as needed, with a progress bar on stderr. Each image is
enrolled, skipped (already enrolled by an earlier run: resumable) or
rejected; every rejected image is printed on stdout as one JSON line
{"file", "subjectId", "code", "message"}. Rerunning retries the rejected
images only.

Options:
  --gate NAME=VALUE  relax or tighten one enrolment gate; repeatable.
                     Gates and defaults: ${
  GATE_NAMES.map((name) => `${name}=${DEFAULT_GATES[name]}`).join(", ")
}
${storeHelp(21)}
  -h, --help         this text

Exit status 1 also when any image was rejected (the others are enrolled).

${EXIT_CODES}`;

/** `kiosk subjects --help`. */
export const SUBJECTS_HELP = `Usage:
  kiosk subjects list [options]        one JSON line per subject: {"id",
                                       "faceCount", "metadata", "createdAt"}
  kiosk subjects delete [options] ID   deletes the subject and every face

Options:
${storeHelp(18)}
  -h, --help      this text

${EXIT_CODES}`;

/** Runs `kiosk enroll`; resolves to the exit status. */
export async function enrollCommand(args: readonly string[]): Promise<number> {
  const { values, positionals: rest } = parse(args, {
    ...STORE_OPTIONS,
    gate: { type: "string", multiple: true },
  });
  const [folder] = positionals(rest, 1, "one folder of <subject>/<images>");
  const gates = gateFlags(values.gate ?? []);
  await checkFolder(folder);
  const kv = await openKv(kvPath(values.kv));
  try {
    const gallery = await openGallery(kv);
    const engine = await createEngine();
    const draw = progressBar();
    let started = false;
    const summary = await enrolFolder(
      gallery,
      folder,
      (image) => engine.faces(image),
      {
        gates,
        onProgress: (progress) => {
          started = true;
          draw(progress);
        },
      },
    ).catch((error) => {
      // enrolFolder checks its gates before any image: a range error then
      // is the --gate flag's.
      if (!started && error instanceof RangeError) {
        throw new UsageError(`--gate: ${error.message}`);
      }
      throw error;
    });
    for (const outcome of summary.outcomes) {
      if (outcome.status === "rejected") {
        const { file, subjectId, code, message } = outcome;
        console.log(JSON.stringify({ file, subjectId, code, message }));
      }
    }
    return summary.rejected > 0 ? 1 : 0;
  } finally {
    kv.close();
  }
}

/** Runs `kiosk subjects`; resolves to the exit status. */
export async function subjectsCommand(
  args: readonly string[],
): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals: ids } = parse(rest, STORE_OPTIONS);
  if (action !== "list" && action !== "delete") {
    throw new UsageError(
      action === undefined
        ? "missing action: list or delete"
        : `unknown action "${action}": list or delete`,
    );
  }
  const [id] = action === "list"
    ? positionals(ids, 0, "no argument after list")
    : positionals(ids, 1, "one subject id");
  const kv = await openKv(kvPath(values.kv));
  try {
    const gallery = await openGallery(kv);
    if (action === "delete") {
      await gallery.deleteSubject(id);
      console.log(JSON.stringify({ deleted: id }));
      return 0;
    }
    let cursor: string | undefined;
    do {
      const page = await gallery.listSubjects({ limit: 1000, cursor });
      for (const subject of page.subjects) {
        console.log(JSON.stringify(subject));
      }
      cursor = page.cursor;
    } while (cursor !== undefined);
    return 0;
  } finally {
    kv.close();
  }
}

function gateFlags(flags: readonly string[]): Partial<EnrolmentGates> {
  const gates: Record<string, string | number> = {};
  for (const flag of flags) {
    const [name, value] = flag.split("=", 2) as [keyof EnrolmentGates, string];
    if (!GATE_NAMES.includes(name) || value === undefined) {
      throw new UsageError(
        `--gate takes NAME=VALUE with NAME one of ${
          GATE_NAMES.join(", ")
        }, got "${flag}"`,
      );
    }
    if (name === "face") {
      if (value !== "only" && value !== "largest") {
        throw new UsageError(`--gate face takes only or largest`);
      }
      gates.face = value;
    } else {
      const number = Number(value);
      if (value.trim() === "" || !Number.isFinite(number)) {
        throw new UsageError(`--gate ${name} takes a number, got "${value}"`);
      }
      gates[name] = number;
    }
  }
  return gates as Partial<EnrolmentGates>;
}

async function checkFolder(folder: string): Promise<void> {
  try {
    if (!(await Deno.stat(folder)).isDirectory) {
      throw new InputError(`${folder}: not a folder`);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new InputError(`${folder}: no such folder`);
    }
    throw error;
  }
}
