/**
 * The CLI's help texts: the commands, each command's options and the exit
 * codes.
 *
 * @module
 */
import { DEFAULT_MAX_PIXELS } from "@facever/core";
import { DEFAULT_LIVENESS_THRESHOLD, DEFAULT_THRESHOLD } from "@facever/model";

const EXIT_CODES = `Exit status:
  0  success
  1  an input was refused (not an image, damaged, too large, no face)
  2  usage error
  3  internal error (a bug in facever: please report it)`;

/** Each command's help, and the commands' (`main`). */
export const HELP = {
  main: `facever: are these two photos the same person?

Usage:
  verify [options] A B      compare one face of each image
  embed [options] FILE...   embed the faces of each image, one JSON line per file
  liveness [options] FILE...
                            the passive liveness check of each face, one JSON
                            line per file

Run "verify --help", "embed --help" or "liveness --help" for the options. "-" reads an image
from standard input. Formats are recognised by their bytes.

${EXIT_CODES}`,
  verify: `Usage: verify [options] A B

Compares one face of image A with one face of image B and prints one JSON
object: {"similarity", "match", "threshold", "faces": [per image: "file",
"faceCount", "faceIndex" (of the face used, largest first), "box", "score",
"landmarks", "quality"]}.

Options:
  --face largest|central  which face of each image (default largest)
  --threshold T           cosine similarity that counts as a match, in
                          [-1, 1] (default ${DEFAULT_THRESHOLD})
  --max-pixels N          largest image decoded, in pixels (default
                          ${DEFAULT_MAX_PIXELS}); a file over 16 bytes a
                          pixel plus 64 MiB is refused unread (too_large)
  -h, --help              this text

"-" for A or B reads that image from standard input.

${EXIT_CODES}`,
  embed: `Usage: embed [options] FILE...

Prints one JSON line per file: {"file", "width", "height", "faceCount",
"faces": [{"faceIndex", "box", "score", "landmarks", "quality",
"embedding"}]}, faces largest first, each embedding 512 numbers of unit
length; or {"file", "error": {"code", "message"}}. A file that fails does
not stop the others.

Options:
  --face all|largest|central  which faces of each image (default all)
  --max-pixels N              largest image decoded, in pixels (default
                              ${DEFAULT_MAX_PIXELS}); a file over 16 bytes
                              a pixel plus 64 MiB is refused unread
                              (too_large)
  -h, --help                  this text

"-" reads one image from standard input.

${EXIT_CODES}`,
  liveness: `Usage: liveness [options] FILE...

Prints one JSON line per file: {"file", "faces": [{"box", "liveness":
{"score", "live"}}]}, faces largest first, score the passive check's
probability of a live person in front of the camera (a bona fide
presentation), live whether it reaches the threshold; or {"file", "error":
{"code", "message"}}. A file that fails does not stop the others; a photo
without a face is an error (no_face).

A passive check of one photo is a deterrent, not proof: it catches the
marks of cheap prints and screens and misses good replays and 3-D masks.

Options:
  --threshold T     score that counts as live, in [0, 1] (default
                    ${DEFAULT_LIVENESS_THRESHOLD})
  --max-pixels N    largest image decoded, in pixels (default
                    ${DEFAULT_MAX_PIXELS})
  -h, --help        this text

"-" reads one image from standard input.

${EXIT_CODES}`,
} as const;
