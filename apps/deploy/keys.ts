/**
 * API keys of the server's KV store (`KV_PATH`, as for `deno task start`).
 *
 * ```sh
 * deno task keys create acme    # the new key, alone, on the last line
 * deno task keys list           # one line per key: id, tenant, created, revoked
 * deno task keys revoke ID
 * ```
 *
 * Exit status: 0 on success, 1 when the store refuses (an unknown id, a bad
 * tenant), 2 on a usage error.
 *
 * @module
 */

import { FaceError } from "@facever/core";
import { ApiKeys } from "@facever/edge";
import { openStore, serverSettings } from "./settings.ts";

const USAGE = `Usage:
  keys create TENANT   make a key for TENANT (printed once, never stored)
  keys list            every key: id, tenant, created, revoked
  keys revoke ID       refuse the key from now on`;

/**
 * Runs the keys command on `kv` and resolves to the exit status.
 *
 * @example
 * ```ts
 * import { keysCommand } from "./keys.ts";
 * const kv = await Deno.openKv(":memory:");
 * console.log(await keysCommand(["list"], kv)); // 0
 * kv.close();
 * ```
 */
export async function keysCommand(
  args: readonly string[],
  kv: Deno.Kv,
): Promise<number> {
  const keys = new ApiKeys(kv);
  const [command, ...rest] = args;
  try {
    if (command === "create" && rest.length === 1) {
      const { key, info } = await keys.create(rest[0]);
      console.log(
        `created key ${info.id} for tenant ${info.tenant}; it is shown once:`,
      );
      console.log(key);
    } else if (command === "list" && rest.length === 0) {
      for (const info of await keys.list()) {
        console.log(
          [
            info.id,
            info.tenant,
            info.createdAt.toISOString(),
            info.revokedAt
              ? `revoked ${info.revokedAt.toISOString()}`
              : "active",
          ].join("\t"),
        );
      }
    } else if (command === "revoke" && rest.length === 1) {
      const info = await keys.revoke(rest[0]);
      console.log(`key ${info.id} of tenant ${info.tenant} is revoked`);
    } else if (command === "--help" || command === "-h") {
      console.log(USAGE);
    } else {
      console.error(
        `error: ${
          command === undefined
            ? "missing command"
            : `bad arguments for "${command}"`
        }\n${USAGE}`,
      );
      return 2;
    }
    return 0;
  } catch (error) {
    if (error instanceof FaceError) {
      console.error(`error: ${error.message} (${error.code})`);
      return 1;
    }
    throw error;
  }
}

if (import.meta.main) {
  const kv = await openStore(
    serverSettings((name) => Deno.env.get(name)).kvPath,
  );
  const status = await keysCommand(Deno.args, kv);
  kv.close();
  Deno.exit(status);
}
