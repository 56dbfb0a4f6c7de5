/**
 * The kiosk program, built with `deno compile` for ARM boards, with the
 * weights embedded.
 *
 * Filled by the kiosk issue; this app holds no code yet.
 *
 * @module
 */
