// The floor under the API's turnaround, for `deno task load`: `Deno.serve`
// alone, reading each request's JSON body as the API does and answering a
// small JSON, with no routing, key, checks or log. Prints its port.

Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => console.log(port),
}, async (request) => {
  const body = await request.json();
  return Response.json({ results: [], values: body?.embedding?.length ?? 0 });
});
