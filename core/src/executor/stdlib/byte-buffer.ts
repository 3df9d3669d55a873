/**
 * A growable byte string for gsub's result. Each time it has to grow it tells
 * `onGrow` the length it needs, before allocating, so a replacement that
 * multiplies the subject is stopped (memory-limit) while the string is still
 * small, not after it has taken the heap.
 */
export class ByteBuffer {
  bytes: Uint8Array;
  length = 0;

  constructor(
    initialCapacity: number,
    private readonly onGrow: (needed: number) => void,
  ) {
    this.bytes = new Uint8Array(Math.max(16, initialCapacity));
  }

  pushByte(byte: number): void {
    if (this.length === this.bytes.length) this.grow(this.length + 1);
    this.bytes[this.length++] = byte;
  }

  /** Appends bytes[from..to) of `source`. */
  append(source: Uint8Array, from: number, to: number): void {
    const count = to - from;
    if (count <= 0) return;
    const needed = this.length + count;
    if (needed > this.bytes.length) this.grow(needed);
    if (count < 16) {
      // A short copy is cheaper by hand than through a subarray view.
      for (let i = from; i < to; i++) this.bytes[this.length++] = source[i] as number;
      return;
    }
    this.bytes.set(source.subarray(from, to), this.length);
    this.length = needed;
  }

  /** Appends the decimal digits of a non-negative integer (a position capture). */
  appendInteger(value: number): void {
    const text = String(value);
    const needed = this.length + text.length;
    if (needed > this.bytes.length) this.grow(needed);
    for (let i = 0; i < text.length; i++) this.bytes[this.length++] = text.charCodeAt(i);
  }

  private grow(needed: number): void {
    this.onGrow(needed);
    const next = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }
}
