// unicorn.js's argument and result conversions: uint64 arguments as `BigInt(x || 0)`, and the typed
// register/query reads and writes through a zero-filled buffer, as its emscripten heap makes them behave.

/** A uint64 argument as unicorn.js passes it (`BigInt(x || 0)`, so non-integral numbers throw RangeError as there). */
export function u64(x: unknown): bigint {
  return BigInt.asUintN(64, BigInt((x as number | bigint | string | boolean) || 0));
}

/** A guest address as a number, or -1 when it is beyond what picemu addresses exactly (2^53). */
export function address(x: unknown): number {
  const v = u64(x);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : -1;
}

/** A size_t / int argument the way emscripten's ccall passes a JS number (undefined -> 0, ToInt32 then unsigned). */
export function u32(x: unknown): number {
  return Number(x) >>> 0;
}

export type ValueType = 'i8' | 'i16' | 'i32' | 'i64' | 'float' | 'double';

export const TYPE_SIZE: Record<ValueType, number> = { i8: 1, i16: 2, i32: 4, i64: 8, float: 4, double: 8 };

/** Reads a `type` from the first bytes of `bytes`, as emscripten's getValue does (signed integers, BigInt for i64). */
export function getValue(bytes: Uint8Array, type: ValueType): number | bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
    case 'i8':
      return view.getInt8(0);
    case 'i16':
      return view.getInt16(0, true);
    case 'i32':
      return view.getInt32(0, true);
    case 'i64':
      return view.getBigInt64(0, true);
    case 'float':
      return view.getFloat32(0, true);
    case 'double':
      return view.getFloat64(0, true);
  }
}

/**
 * Stores `value` as a `type` into the first bytes of `bytes`, as emscripten's setValue does: integers wrap,
 * i64 takes a Number or a BigInt (`BigInt(value)`), and a BigInt given for a narrower type throws TypeError.
 */
export function setValue(bytes: Uint8Array, type: ValueType, value: unknown): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
    case 'i8':
      new Int8Array(bytes.buffer, bytes.byteOffset, 1)[0] = value as number;
      return;
    case 'i16':
      new Int16Array(1)[0] = value as number; // throws TypeError for a BigInt, as HEAP16 would
      view.setInt16(0, toInt(value), true);
      return;
    case 'i32':
      new Int32Array(1)[0] = value as number;
      view.setInt32(0, toInt(value), true);
      return;
    case 'i64':
      view.setBigInt64(0, BigInt.asIntN(64, BigInt(value as number | bigint)), true);
      return;
    case 'float':
      new Float32Array(1)[0] = value as number;
      view.setFloat32(0, Number(value), true);
      return;
    case 'double':
      new Float64Array(1)[0] = value as number;
      view.setFloat64(0, Number(value), true);
      return;
  }
}

/** ToInt32 of a JS value, as a typed-array store applies it. */
function toInt(value: unknown): number {
  return Number(value) | 0;
}
