/**
 * CRC-32/ISO-HDLC (the zlib/PNG CRC: reflected polynomial 0xEDB88320, init and final XOR 0xFFFFFFFF), which the
 * EIF header's `eif_crc32` uses. Own table rather than `zlib.crc32`, which Node 20 gained only in 20.15.
 */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** An incremental CRC: `update` with each piece in order, then `digest`. */
export class Crc32 {
  private state = 0xffffffff;

  update(bytes: Uint8Array): this {
    let c = this.state;
    for (let i = 0; i < bytes.length; i++)
      c = (TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
    this.state = c;
    return this;
  }

  digest(): number {
    return (this.state ^ 0xffffffff) >>> 0;
  }
}
