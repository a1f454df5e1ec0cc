/**
 * The protobuf wire format, as much of it as an ONNX file needs: varints, 32-bit floats and
 * length-delimited fields (strings, bytes, nested messages). A message is a list of byte chunks,
 * so weights (hundreds of MB for VGG) are never copied into one buffer before the file is written.
 */

export class Message {
  readonly chunks: Uint8Array[] = [];
  length = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  private key(field: number, wire: 0 | 2 | 5): void {
    this.push(varint(BigInt((field << 3) | wire)));
  }

  /** int32, int64, enum and bool fields (negative numbers as ten-byte two's complement, as protobuf does). */
  int(field: number, value: number | bigint): this {
    this.key(field, 0);
    this.push(varint(BigInt.asUintN(64, BigInt(value))));
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.key(field, 2);
    this.push(varint(BigInt(data.length)));
    this.push(data);
    return this;
  }

  string(field: number, text: string): this {
    return this.bytes(field, new TextEncoder().encode(text));
  }

  message(field: number, m: Message): this {
    this.key(field, 2);
    this.push(varint(BigInt(m.length)));
    for (const c of m.chunks) this.push(c);
    return this;
  }
}

export function varint(v: bigint): Uint8Array {
  const out: number[] = [];
  let x = v;
  do {
    let byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x > 0n) byte |= 0x80;
    out.push(byte);
  } while (x > 0n);
  return Uint8Array.from(out);
}
