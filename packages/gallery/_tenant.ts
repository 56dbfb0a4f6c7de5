/**
 * The tenant's record: what it was created for, made on first use and
 * checked at every open.
 *
 * @module
 */

import { FaceError } from "@facever/core";
import { opensKeyCheck, sealKeyCheck } from "./_codec.ts";
import { FORMAT, type MetaRecord, type TenantStore } from "./_store.ts";

/** What a `Gallery` is opened for. */
export interface TenantSpec {
  readonly modelId: string;
  readonly dims: number;
  readonly key: CryptoKey | undefined;
  /** Associated data of the sealed key check. */
  readonly context: string;
}

/**
 * Creates the tenant's record on first use (in a race, the first commit
 * wins) and checks that `spec` matches it.
 *
 * @throws {FaceError} `gallery_mismatch` for another format, model, size,
 * or encryption (or none, or another key).
 */
export async function checkTenant(
  store: TenantStore,
  spec: TenantSpec,
): Promise<void> {
  const { modelId, dims, key, context } = spec;
  const meta = await store.createOnce<MetaRecord>(
    store.key("meta"),
    async () => ({
      format: FORMAT,
      modelId,
      dims,
      keyCheck: key ? await sealKeyCheck(key, context) : null,
      createdAt: new Date(),
    }),
  );
  const tenant = JSON.stringify(store.tenant);
  if (meta.format !== FORMAT) {
    throw new FaceError(
      "gallery_mismatch",
      `tenant ${tenant} is stored in format ${meta.format}; this version reads format ${FORMAT}`,
    );
  }
  if (meta.modelId !== modelId || meta.dims !== dims) {
    throw new FaceError(
      "gallery_mismatch",
      `tenant ${tenant} holds ${meta.dims}-value embeddings of model ${
        JSON.stringify(meta.modelId)
      }; cannot open it for ${dims}-value embeddings of ${
        JSON.stringify(modelId)
      }`,
    );
  }
  if ((meta.keyCheck === null) !== (key === undefined)) {
    throw new FaceError(
      "gallery_mismatch",
      meta.keyCheck
        ? `tenant ${tenant} is encrypted; open it with its encryption key`
        : `tenant ${tenant} was created without encryption; open it without a key`,
    );
  }
  if (
    meta.keyCheck && key && !await opensKeyCheck(meta.keyCheck, key, context)
  ) {
    throw new FaceError(
      "gallery_mismatch",
      `the encryption key is not the one tenant ${tenant} was created with`,
    );
  }
}
