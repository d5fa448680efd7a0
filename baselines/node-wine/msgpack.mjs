// A MessagePack decoder for what an .apr v1 file's metadata holds (https://github.com/msgpack/msgpack/blob/master/spec.md):
// nil, booleans, integers, floats, strings, binary, arrays and maps. Extension types (timestamps) are refused,
// as is anything after the one top-level value. Integers beyond 2^53 decode as the nearest Number.

export class MsgpackError extends Error {}

/** Decodes the one value `bytes` holds. */
export function decodeMsgpack(bytes) {
  const reader = new Reader(bytes);
  const value = reader.value(0);
  if (reader.offset !== bytes.length) {
    throw new MsgpackError(`${bytes.length - reader.offset} bytes follow the MessagePack value`);
  }
  return value;
}

const MAX_DEPTH = 128;
const utf8 = new TextDecoder('utf-8', { fatal: true });

class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = 0;
  }

  take(count) {
    if (this.offset + count > this.bytes.length) {
      throw new MsgpackError(`the data ends inside a value (needs ${count} bytes at offset ${this.offset}, has ${this.bytes.length - this.offset})`);
    }
    const at = this.offset;
    this.offset += count;
    return at;
  }

  u8() { return this.view.getUint8(this.take(1)); }
  u16() { return this.view.getUint16(this.take(2)); }
  u32() { return this.view.getUint32(this.take(4)); }

  value(depth) {
    if (depth > MAX_DEPTH) throw new MsgpackError(`nesting deeper than ${MAX_DEPTH} levels`);
    const at = this.offset;
    const tag = this.u8();
    if (tag <= 0x7f) return tag;
    if (tag >= 0xe0) return tag - 0x100;
    if (tag >= 0x80 && tag <= 0x8f) return this.map(tag & 0x0f, depth);
    if (tag >= 0x90 && tag <= 0x9f) return this.array(tag & 0x0f, depth);
    if (tag >= 0xa0 && tag <= 0xbf) return this.str(tag & 0x1f);
    switch (tag) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return this.bin(this.u8());
      case 0xc5: return this.bin(this.u16());
      case 0xc6: return this.bin(this.u32());
      case 0xca: return this.view.getFloat32(this.take(4));
      case 0xcb: return this.view.getFloat64(this.take(8));
      case 0xcc: return this.u8();
      case 0xcd: return this.u16();
      case 0xce: return this.u32();
      case 0xcf: return Number(this.view.getBigUint64(this.take(8)));
      case 0xd0: return this.view.getInt8(this.take(1));
      case 0xd1: return this.view.getInt16(this.take(2));
      case 0xd2: return this.view.getInt32(this.take(4));
      case 0xd3: return Number(this.view.getBigInt64(this.take(8)));
      case 0xd9: return this.str(this.u8());
      case 0xda: return this.str(this.u16());
      case 0xdb: return this.str(this.u32());
      case 0xdc: return this.array(this.u16(), depth);
      case 0xdd: return this.array(this.u32(), depth);
      case 0xde: return this.map(this.u16(), depth);
      case 0xdf: return this.map(this.u32(), depth);
      default:
        throw new MsgpackError(`type byte 0x${tag.toString(16).padStart(2, '0')} at offset ${at} is ${tag === 0xc1 ? 'never used' : 'an extension type'}, not supported`);
    }
  }

  str(length) {
    const at = this.take(length);
    try {
      return utf8.decode(this.bytes.subarray(at, at + length));
    } catch {
      throw new MsgpackError(`the string at offset ${at} is not valid UTF-8`);
    }
  }

  bin(length) {
    const at = this.take(length);
    return this.bytes.slice(at, at + length);
  }

  array(length, depth) {
    const out = [];
    for (let i = 0; i < length; i++) out.push(this.value(depth + 1));
    return out;
  }

  map(length, depth) {
    // A Map would keep non-string keys; the .apr metadata is a map with named (string) fields.
    const out = Object.create(null);
    for (let i = 0; i < length; i++) {
      const at = this.offset;
      const key = this.value(depth + 1);
      if (typeof key !== 'string') throw new MsgpackError(`the map key at offset ${at} is not a string`);
      out[key] = this.value(depth + 1);
    }
    return out;
  }
}
