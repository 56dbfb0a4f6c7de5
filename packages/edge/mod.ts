/**
 * The Hono web API, composed from `@facever/core`, `@facever/model` and
 * `@facever/gallery`.
 *
 * Filled by the edge API issue; this package holds no code yet.
 *
 * @module
 */
