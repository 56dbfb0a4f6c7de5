/**
 * Minimal EXIF reader: finds the Orientation tag (0x0112) in IFD0 of a TIFF
 * structure. Private; malformed metadata never fails an image, it only
 * yields orientation 1.
 *
 * @module
 */

const ORIENTATION_TAG = 0x0112;
const TYPE_SHORT = 3;

/**
 * Reads the EXIF orientation from a TIFF structure (the body of a JPEG APP1
 * "Exif\0\0" segment after its 6-byte prefix, or a PNG eXIf chunk).
 *
 * @returns 1..8, or 1 when the tag is absent, out of range or unreadable.
 */
export function readExifOrientation(
  bytes: Uint8Array,
  start: number,
  end: number,
): number {
  const length = end - start;
  if (start < 0 || end > bytes.length || length < 8) return 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, length);
  const order = view.getUint16(0);
  let little: boolean;
  if (order === 0x4949) little = true; // "II"
  else if (order === 0x4d4d) little = false; // "MM"
  else return 1;
  if (view.getUint16(2, little) !== 42) return 1;
  const ifd = view.getUint32(4, little);
  if (ifd < 8 || ifd + 2 > length) return 1;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > length) return 1;
    if (view.getUint16(entry, little) !== ORIENTATION_TAG) continue;
    if (
      view.getUint16(entry + 2, little) !== TYPE_SHORT ||
      view.getUint32(entry + 4, little) < 1
    ) {
      return 1;
    }
    const value = view.getUint16(entry + 8, little);
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}
