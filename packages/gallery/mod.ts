/**
 * Enrolment and 1:N identification of faces, stored in Deno KV.
 *
 * Filled by the gallery issue; this package holds no code yet.
 *
 * @module
 */
