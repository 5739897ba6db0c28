// ELF's magic number, written out rather than imported from server/services/firmware-format: the
// Playwright specs load this file too, and their loader cannot import the message catalogues
// (JSON) that the server's modules pull in. tests/unit/firmware-format.test.ts checks that the
// upload accepts these bytes, so a change to the accepted formats still fails a test.
const elf = [0x7f, 0x45, 0x4c, 0x46];

/** The bytes made an image the upload accepts: they start with ELF's magic number (and are at least 1 KiB long). */
export function asFirmwareImage<T extends Uint8Array>(bytes: T): T {
  bytes.set(elf, 0);
  return bytes;
}
