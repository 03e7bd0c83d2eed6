/**
 * The bulk loop of CRC-64 (slicing-by-16) as a tiny hand-assembled WebAssembly module: JS has no 64-bit
 * integers outside BigInt, so the JS loop needs two 32-bit halves and 16 table loads per 8 bytes, while
 * WebAssembly does the same with native i64 loads and xors, several times faster. Every byte of every
 * layer file goes through this check, so it dominated `save --from docker-root` CPU time.
 *
 * Memory layout (one module instance, used synchronously, so a single scratch area is safe):
 *   WASM_TABLES        16 slice tables × 256 × u64, slice k at k * 2048 (filled by the caller);
 *   WASM_STATE         the inverted CRC state, u64 little-endian;
 *   WASM_DATA          CHUNK input bytes copied in by the caller; `update(len)` folds the first `len`.
 */

/** Slice tables: 16 bytes per step keeps two independent 8-byte lookups in flight per iteration. */
export const WASM_SLICES = 16;
export const WASM_TABLES = 0;
export const WASM_STATE = WASM_SLICES * 2048;
export const WASM_DATA = WASM_STATE + 64;
export const WASM_CHUNK = 1024 * 1024;
const PAGES = Math.ceil((WASM_DATA + WASM_CHUNK) / 65536);

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

const section = (id: number, payload: number[]): number[] => [id, ...uleb(payload.length), ...payload];
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'latin1')];

// opcodes used below
const LOCAL_GET = 0x20, LOCAL_SET = 0x21, I32_CONST = 0x41, I64_CONST = 0x42;
const I64_LOAD = 0x29, I32_LOAD8_U = 0x2d, I64_STORE = 0x37;
const I32_GE_U = 0x4f, I32_ADD = 0x6a, I32_AND = 0x71, I32_SHL = 0x74, I32_XOR = 0x73;
const I64_XOR = 0x85, I64_SHR_U = 0x88, I32_WRAP_I64 = 0xa7;
const BLOCK = 0x02, LOOP = 0x03, BR = 0x0c, BR_IF = 0x0d, END = 0x0b, VOID = 0x40, I32 = 0x7f, I64 = 0x7e;

/** `i64.load` of table entry `(byte on stack as i32) * 8` in slice `slice`. */
const tableLoad = (slice: number): number[] => [I32_CONST, ...sleb(255), I32_AND, I32_CONST, 3, I32_SHL, I64_LOAD, 3, ...uleb(WASM_TABLES + slice * 2048)];

function updateBody(): number[] {
  // locals: 0 len (param), 1 p, 2 end16, 3 end (i32); 4 crc, 5 x, 6 y (i64)
  const code: number[] = [
    ...[I32_CONST, ...sleb(WASM_DATA), LOCAL_SET, 1],
    ...[LOCAL_GET, 1, LOCAL_GET, 0, I32_ADD, LOCAL_SET, 3],
    ...[LOCAL_GET, 1, LOCAL_GET, 0, I32_CONST, ...sleb(-16), I32_AND, I32_ADD, LOCAL_SET, 2],
    ...[I32_CONST, 0, I64_LOAD, 3, ...uleb(WASM_STATE), LOCAL_SET, 4],
    // 16 bytes at a time: x = crc ^ load64(p), y = load64(p + 8);
    // crc = T15[x byte 0] ^ … ^ T8[x byte 7] ^ T7[y byte 0] ^ … ^ T0[y byte 7]
    ...[BLOCK, VOID, LOOP, VOID, LOCAL_GET, 1, LOCAL_GET, 2, I32_GE_U, BR_IF, 1],
    ...[LOCAL_GET, 4, LOCAL_GET, 1, I64_LOAD, 3, 0, I64_XOR, LOCAL_SET, 5],
    ...[LOCAL_GET, 1, I64_LOAD, 3, 8, LOCAL_SET, 6],
  ];
  for (let j = 0; j < 16; j++) {
    code.push(LOCAL_GET, j < 8 ? 5 : 6);
    if (j % 8 > 0) code.push(I64_CONST, ...sleb(8 * (j % 8)), I64_SHR_U);
    code.push(I32_WRAP_I64, ...tableLoad(15 - j));
    if (j > 0) code.push(I64_XOR);
  }
  code.push(
    ...[LOCAL_SET, 4, LOCAL_GET, 1, I32_CONST, 16, I32_ADD, LOCAL_SET, 1, BR, 0, END, END],
    // the tail byte by byte: crc = T0[(crc ^ b) & 0xff] ^ (crc >> 8)
    ...[BLOCK, VOID, LOOP, VOID, LOCAL_GET, 1, LOCAL_GET, 3, I32_GE_U, BR_IF, 1],
    ...[LOCAL_GET, 4, I32_WRAP_I64, LOCAL_GET, 1, I32_LOAD8_U, 0, 0, I32_XOR, ...tableLoad(0)],
    ...[LOCAL_GET, 4, I64_CONST, 8, I64_SHR_U, I64_XOR, LOCAL_SET, 4],
    ...[LOCAL_GET, 1, I32_CONST, 1, I32_ADD, LOCAL_SET, 1, BR, 0, END, END],
    ...[I32_CONST, 0, LOCAL_GET, 4, I64_STORE, 3, ...uleb(WASM_STATE), END],
  );
  const locals = [2, 3, I32, 3, I64];
  const fn = [...locals, ...code];
  return [...uleb(fn.length), ...fn];
}

function moduleBytes(): Uint8Array {
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 1, I32, 0]), // type 0: (i32) -> ()
    ...section(3, [1, 0]), // one function of type 0
    ...section(5, [1, 0x00, ...uleb(PAGES)]), // one memory, no maximum
    ...section(7, [2, ...name('memory'), 0x02, 0, ...name('update'), 0x00, 0]),
    ...section(10, [1, ...updateBody()]),
  ]);
}

export interface Crc64Wasm {
  readonly memory: Uint8Array;
  readonly view: DataView;
  /** Folds `len` (≤ WASM_CHUNK) bytes at WASM_DATA into the state at WASM_STATE. */
  readonly update: (len: number) => void;
  /** The compiled module, which a worker thread can instantiate again (check-thread.ts). */
  readonly module: object;
}

/** The few WebAssembly members used: this project's TypeScript libs (no DOM) do not declare them. */
interface WasmGlobal {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: { readonly memory: { readonly buffer: ArrayBuffer }; readonly update: (len: number) => void } };
}

/** Compiles and instantiates the module; the caller fills the tables. */
export function instantiateCrc64Wasm(): Crc64Wasm {
  const wasm = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;
  const module = new wasm.Module(moduleBytes());
  const { memory, update } = new wasm.Instance(module).exports;
  return { memory: new Uint8Array(memory.buffer), view: new DataView(memory.buffer), update, module };
}
