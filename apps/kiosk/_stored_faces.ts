// The subjects of the kiosk's gallery with their faces' embeddings, read
// back for `export` through the gallery's own `exportFaces`.

import type { ExportedFace, Gallery, Metadata } from "@facever/gallery";

/**
 * Every subject of `gallery`, in id order, each with its faces and their
 * embeddings (opened with the gallery's key where they are sealed).
 */
export async function* storedSubjects(
  gallery: Gallery,
): AsyncGenerator<{
  readonly id: string;
  readonly metadata: Metadata;
  readonly faces: ExportedFace[];
}> {
  let cursor: string | undefined;
  do {
    const page = await gallery.listSubjects({ limit: 100, cursor });
    for (const subject of page.subjects) {
      const faces = await gallery.exportFaces(subject.id).catch((error) => {
        // Deleted since it was listed: it is no longer in the gallery.
        if (error?.code === "not_found") return undefined;
        throw error;
      });
      if (faces) yield { id: subject.id, metadata: subject.metadata, faces };
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
}
