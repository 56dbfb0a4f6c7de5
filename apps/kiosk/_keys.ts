// `keys`: the API keys that let other machines call this board's API, all
// bound to the kiosk's one tenant.

import { ApiKeys } from "@facever/edge";
import {
  EXIT_CODES,
  parse,
  positionals,
  STORE_OPTIONS,
  storeHelp,
  UsageError,
} from "./_cli.ts";
import { kvPath, LOCAL_TENANT, openKv } from "./_store.ts";

/** `kiosk keys --help`. */
export const KEYS_HELP = `Usage:
  kiosk keys create [options]      a key for other machines (printed once,
                                   alone on the last line; only its hash is kept)
  kiosk keys list [options]        one line per key: id, created, state
  kiosk keys revoke [options] ID   refuses the key from the next request on

Requests from this machine need no key; from any other address, "kiosk
serve --hostname 0.0.0.0" asks for one.

Options:
${storeHelp(18)}
  -h, --help      this text

${EXIT_CODES}`;

/** Runs `kiosk keys`; resolves to the exit status. */
export async function keysCommand(args: readonly string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals: ids } = parse(rest, STORE_OPTIONS);
  if (action !== "create" && action !== "list" && action !== "revoke") {
    throw new UsageError(
      action === undefined
        ? "missing action: create, list or revoke"
        : `unknown action "${action}": create, list or revoke`,
    );
  }
  const [id] = action === "revoke"
    ? positionals(ids, 1, "one key id")
    : positionals(ids, 0, `no argument after ${action}`);
  const kv = await openKv(kvPath(values.kv));
  try {
    const keys = new ApiKeys(kv);
    if (action === "create") {
      const { key, info } = await keys.create(LOCAL_TENANT);
      console.error(`created key ${info.id}; it is shown once:`);
      console.log(key);
    } else if (action === "revoke") {
      const info = await keys.revoke(id);
      console.log(`key ${info.id} is revoked`);
    } else {
      for (const info of await keys.list()) {
        console.log([
          info.id,
          info.createdAt.toISOString(),
          info.revokedAt ? `revoked ${info.revokedAt.toISOString()}` : "active",
        ].join("\t"));
      }
    }
    return 0;
  } finally {
    kv.close();
  }
}
