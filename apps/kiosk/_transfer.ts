// `export` and `import`: the gallery as a file (see _gallery_file.ts), to
// enrol once and provision many boards. Import reads the file twice: the
// first pass checks all of it (format, version, model, key, every line and
// embedding, the end counts) and writes nothing, so a damaged or foreign
// file changes nothing; the second writes. Each face keeps its `source`, so
// importing the same file twice adds nothing.

import { FaceError } from "@facever/core";
import { encryptionKeyFromEnv, ProgressBar } from "@facever/gallery";
import { MODEL_ID } from "@facever/edge";
import {
  EXIT_CODES,
  InputError,
  parse,
  positionals,
  STORE_OPTIONS,
  storeHelp,
} from "./_cli.ts";
import {
  decodeEmbedding,
  encodeEmbedding,
  FILE_FORMAT,
  FILE_VERSION,
  Header,
  Line,
  makeKeyCheck,
  opensKeyCheck,
} from "./_gallery_file.ts";
import { storedSubjects } from "./_stored_faces.ts";
import { DIMS, kvPath, openGallery, openKv } from "./_store.ts";

/** `kiosk export --help`. */
export const EXPORT_HELP = `Usage: kiosk export [options] > FILE

Writes the gallery to stdout as a gallery file (JSON Lines, format
"${FILE_FORMAT}" version ${FILE_VERSION}): every subject with its metadata and
its faces' embeddings, no image. With FACEVER_GALLERY_KEY set (as it must
be for a sealed gallery) every embedding in the file is sealed with that
key, and only a board with the same key can import it; without it the file
holds the embeddings in the clear: keep it as you would the photos.

Options:
${storeHelp(18)}
  -h, --help      this text

${EXIT_CODES}`;

/** `kiosk import --help`. */
export const IMPORT_HELP = `Usage: kiosk import [options] FILE

Adds the subjects and faces of a gallery file made by "kiosk export" to
this board's gallery. The whole file is checked before anything is written:
its format and version, the model that made the embeddings, the key of a
sealed file (FACEVER_GALLERY_KEY), every line and embedding, and the counts
of its last line (a truncated file is refused). Subjects already present
keep their metadata; faces already present (same subject and source) are
not added twice. Prints {"subjects", "subjectsCreated", "faces",
"facesAdded"}.

Options:
${storeHelp(18)}
  -h, --help      this text

${EXIT_CODES}`;

/** Runs `kiosk export`; resolves to the exit status. */
export async function exportCommand(args: readonly string[]): Promise<number> {
  const { values, positionals: rest } = parse(args, STORE_OPTIONS);
  positionals(rest, 0, "no argument (the file goes to stdout)");
  const kv = await openKv(kvPath(values.kv));
  const writer = Deno.stdout.writable.getWriter();
  const encoder = new TextEncoder();
  const write = (line: unknown) =>
    writer.write(encoder.encode(`${JSON.stringify(line)}\n`));
  try {
    const gallery = await openGallery(kv);
    const key = await encryptionKeyFromEnv();
    const exportId = crypto.randomUUID();
    const header: Header = {
      format: FILE_FORMAT,
      version: FILE_VERSION,
      modelId: gallery.modelId,
      dims: gallery.dims,
      exportId,
      exportedAt: new Date().toISOString(),
      sealed: key !== undefined,
      keyCheck: key ? await makeKeyCheck(key, exportId) : null,
    };
    if (!key) {
      console.error(
        "warning: the file holds embeddings in the clear; set FACEVER_GALLERY_KEY to seal them",
      );
    }
    await write(header);
    let subjects = 0, faces = 0;
    for await (const subject of storedSubjects(gallery)) {
      await write({
        subject: {
          id: subject.id,
          metadata: subject.metadata,
          faces: subject.faces.length,
        },
      });
      for (const face of subject.faces) {
        // A face without a source gets its id as one, so that importing
        // the file twice still adds it once.
        const source = face.source ?? `face:${face.faceId}`;
        const where = { subjectId: subject.id, source };
        await write({
          face: {
            ...where,
            metadata: face.metadata,
            embedding: await encodeEmbedding(
              face.embedding,
              header,
              key,
              where,
            ),
          },
        });
      }
      subjects++;
      faces += subject.faces.length;
    }
    await write({ end: { subjects, faces } });
    console.error(`exported ${subjects} subjects, ${faces} faces`);
    return 0;
  } finally {
    writer.releaseLock();
    kv.close();
  }
}

/** One subject of a checked file, with the faces to add. */
interface ImportSubject {
  readonly id: string;
  readonly metadata: Record<string, string | number | boolean | null>;
  readonly faces: {
    readonly source: string;
    readonly metadata: Record<string, string | number | boolean | null>;
    readonly embedding: Float32Array;
  }[];
}

/** Runs `kiosk import`; resolves to the exit status. */
export async function importCommand(args: readonly string[]): Promise<number> {
  const { values, positionals: rest } = parse(args, STORE_OPTIONS);
  const [file] = positionals(rest, 1, "one gallery file");
  const key = await encryptionKeyFromEnv();
  // First pass: the whole file is read and checked; nothing is written.
  const counts = await readGalleryFile(file, key, () => Promise.resolve());
  const kv = await openKv(kvPath(values.kv));
  try {
    const gallery = await openGallery(kv);
    // An empty file draws no bar.
    const bar = counts.faces > 0
      ? new ProgressBar("import", counts.faces)
      : undefined;
    let subjectsCreated = 0, facesAdded = 0, done = 0;
    await readGalleryFile(file, key, async (subject) => {
      let known = new Set<string | null>();
      if (await gallery.getSubject(subject.id)) {
        known = new Set(
          (await gallery.listFaces(subject.id)).map((face) => face.source),
        );
      } else {
        await gallery.createSubject(subject.id, { metadata: subject.metadata });
        subjectsCreated++;
      }
      for (const face of subject.faces) {
        if (!known.has(face.source)) {
          await gallery.addFace(subject.id, face.embedding, {
            metadata: face.metadata,
            source: face.source,
          });
          facesAdded++;
        }
        bar?.update(++done);
      }
    });
    bar?.finish(`${facesAdded} faces added`);
    console.log(JSON.stringify({
      subjects: counts.subjects,
      subjectsCreated,
      faces: counts.faces,
      facesAdded,
    }));
    return 0;
  } finally {
    kv.close();
  }
}

/**
 * Reads and checks `file`, calling `visit` with each subject and its
 * decoded faces (at most `MAX_FACES_PER_SUBJECT`, so memory stays bounded
 * however large the file), and resolves to the counts once the end line
 * has matched them.
 */
async function readGalleryFile(
  file: string,
  key: CryptoKey | undefined,
  visit: (subject: ImportSubject) => Promise<void>,
): Promise<{ subjects: number; faces: number }> {
  const refuse = (line: number, why: string): never => {
    throw new InputError(`${file} line ${line}: ${why}`);
  };
  let header: Header | undefined;
  let current: (ImportSubject & { expected: number }) | undefined;
  const seen = new Set<string>();
  let ended = false, faces = 0, number = 0;
  const close = async () => {
    if (!current) return;
    if (current.faces.length !== current.expected) {
      refuse(number, `subject ${current.id} has fewer faces than it says`);
    }
    await visit(current);
    current = undefined;
  };
  for await (const text of lines(file)) {
    number++;
    if (text.trim() === "") continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      refuse(number, "not JSON");
    }
    if (ended) refuse(number, "a line after the end line");
    if (!header) {
      header = await checkHeader(json, key, (why) => refuse(number, why));
      continue;
    }
    const parsed = Line.safeParse(json);
    if (!parsed.success) refuse(number, "not a subject, face or end line");
    const line = parsed.data!;
    if ("subject" in line) {
      await close();
      if (seen.has(line.subject.id)) {
        refuse(number, `subject ${line.subject.id} appears twice`);
      }
      seen.add(line.subject.id);
      current = {
        id: line.subject.id,
        metadata: line.subject.metadata,
        faces: [],
        expected: line.subject.faces,
      };
    } else if ("face" in line) {
      const { subjectId, source, metadata, embedding } = line.face;
      if (!current || current.id !== subjectId) {
        return refuse(number, "a face outside its subject");
      }
      if (current.faces.length === current.expected) {
        refuse(number, `subject ${subjectId} has more faces than it says`);
      }
      const vector = await decodeEmbedding(embedding, header, key, {
        subjectId,
        source,
      });
      if (typeof vector === "string") return refuse(number, vector);
      current.faces.push({ source, metadata, embedding: vector });
      faces++;
    } else {
      await close();
      if (line.end.subjects !== seen.size || line.end.faces !== faces) {
        refuse(
          number,
          `the end line counts ${line.end.subjects} subjects and ${line.end.faces} faces; the file holds ${seen.size} and ${faces}`,
        );
      }
      ended = true;
    }
  }
  if (!header) throw new InputError(`${file}: empty, not a gallery file`);
  if (!ended) {
    throw new InputError(
      `${file}: no end line after line ${number}: the file is truncated`,
    );
  }
  return { subjects: seen.size, faces };
}

async function checkHeader(
  json: unknown,
  key: CryptoKey | undefined,
  refuse: (why: string) => never,
): Promise<Header> {
  const format = (json as { format?: unknown } | null)?.format;
  if (format !== FILE_FORMAT) {
    refuse(`not a gallery file (format ${JSON.stringify(format)})`);
  }
  const parsed = Header.safeParse(json);
  if (!parsed.success) refuse("the header is malformed");
  const header = parsed.data!;
  if (header.version !== FILE_VERSION) {
    refuse(
      `the file is version ${header.version}; this kiosk reads version ${FILE_VERSION}${
        header.version > FILE_VERSION ? " (update the kiosk)" : ""
      }`,
    );
  }
  if (header.modelId !== MODEL_ID || header.dims !== DIMS) {
    throw new FaceError(
      "gallery_mismatch",
      `the file holds ${header.dims}-value embeddings of ${header.modelId}; this kiosk uses ${DIMS}-value embeddings of ${MODEL_ID}`,
    );
  }
  if (header.sealed) {
    if (!key) {
      throw new FaceError(
        "gallery_mismatch",
        "the file is sealed: set FACEVER_GALLERY_KEY to the key it was exported with",
      );
    }
    if (!await opensKeyCheck(header, key)) {
      throw new FaceError(
        "gallery_mismatch",
        "FACEVER_GALLERY_KEY is not the key the file was sealed with",
      );
    }
  }
  return header;
}

/** The lines of a text file, read as it streams. */
async function* lines(file: string): AsyncGenerator<string> {
  let handle: Deno.FsFile;
  try {
    handle = await Deno.open(file);
  } catch (error) {
    throw new InputError(
      error instanceof Deno.errors.NotFound
        ? `${file}: no such file`
        : `${file}: ${(error as Error).message}`,
    );
  }
  let rest = "";
  for await (
    const chunk of handle.readable.pipeThrough(new TextDecoderStream())
  ) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop()!;
    yield* parts;
  }
  if (rest !== "") yield rest;
}
