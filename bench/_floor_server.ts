// The floors under the API, for `deno task load`: `Deno.serve` alone, with
// no routing, key, schema, rate limit or log.
//
// - `POST /parse` reads the request's JSON body as the API does and answers
//   a small JSON: a request's turnaround over the loopback, which no API
//   can go under.
// - `POST /identify` also identifies the body's embedding on the load
//   tenant, with the gallery options, scan helpers and identify options of
//   the API server and of the in-process side: the most that any HTTP
//   server on this loopback, with these clients, keeps of the in-process
//   figure.
//
//     deno run --unstable-kv --allow-read --allow-write=DIR --allow-net=127.0.0.1 \
//       bench/_floor_server.ts KV_PATH SCAN_THREADS
//
// Prints its port once it listens.

import { ScanPool } from "@facever/gallery";
import { LOAD_IDENTIFY, openLoadTenant } from "./_load_gallery.ts";

const [kvPath, scanThreads] = Deno.args;
const kv = await Deno.openKv(kvPath);
// Opened by the first identification, as the API server opens a tenant:
// a run that measures only the other scenarios does not load the index.
let gallery: ReturnType<typeof openLoadTenant> | undefined;

Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => console.log(port),
}, async (request) => {
  const body = await request.json();
  if (new URL(request.url).pathname !== "/identify") {
    return Response.json({ results: [], values: body?.embedding?.length ?? 0 });
  }
  gallery ??= openLoadTenant(
    kv,
    ScanPool.create({ threads: Number(scanThreads) }),
  );
  const matches = await (await gallery).identify(
    Float32Array.from(body.embedding),
    LOAD_IDENTIFY,
  );
  return Response.json({ results: [{ matches }] });
});
