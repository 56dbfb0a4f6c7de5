/**
 * The Deno Deploy entry point: serves the `@facever/edge` API.
 *
 * Filled by the edge API issue; this app holds no code yet.
 *
 * @module
 */
