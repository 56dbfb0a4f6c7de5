// How an error repeats what it refuses: a refused id, key or value may be
// as long as the body, and the answer shows only its start.

/** Longest part of a refused text that an error repeats. */
const SHOWN = 64;

/** `text` whole when short, else its first 64 characters and its length. */
export function clipped(text: string): string {
  return text.length <= SHOWN
    ? text
    : `${text.slice(0, SHOWN)}… (${text.length} characters)`;
}
