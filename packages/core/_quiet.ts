/**
 * Runs a synchronous pure-JS decoder while collecting what it would have
 * written to the console: omggif reports a short LZW stream only with
 * `console.log`, and UTIF logs unknown data instead of throwing. Nothing
 * else can run meanwhile (the call is synchronous), so the swap cannot
 * swallow another caller's output. Private.
 *
 * @module
 */

/** Calls `run`; returns its result and the console lines it wrote. */
export function quietly<T>(run: () => T): { result: T; logged: string[] } {
  const logged: string[] = [];
  const keep = { log: console.log, warn: console.warn, error: console.error };
  const collect = (...parts: unknown[]) => {
    logged.push(parts.map(String).join(" "));
  };
  console.log = console.warn = console.error = collect;
  try {
    return { result: run(), logged };
  } finally {
    console.log = keep.log;
    console.warn = keep.warn;
    console.error = keep.error;
  }
}
