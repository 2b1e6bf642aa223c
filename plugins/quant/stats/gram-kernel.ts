/**
 * XᵀX through the SIMD kernel of gram-kernel.wat: the columns and the result live in one shared
 * WebAssembly memory (columns from byte 0, the p x p result right after), so this thread and the
 * helper worker (gram-worker.ts) run the same compiled kernel over the same bytes. The kernel does
 * two observations per instruction, about twice the scalar loop of crossProductRows; `npm run bench`
 * compares both with numpy.
 */
import { GRAM_KERNEL_WASM } from './gram-kernel-wasm.js';

export type Panel = (a: number, b: number, bEnd: number, n8: number, t0: number, t1: number, out: number, p8: number) => void;

const PAGE = 65_536;
/** wasm32 addresses 4 GiB. */
const MAX_PAGES = 65_536;
/** TILE_T observations of a 4-column block stay in L1, a panel of TILE_J columns in L2 (measured best of 256-2520 x 16-128). */
const TILE_T = 512;
const TILE_J = 48;

let compiled: WebAssembly.Module | undefined;
/** The compiled kernel, shared with the helper worker by postMessage. */
export function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(GRAM_KERNEL_WASM, 'base64'));
  return compiled;
}

/** The memory each kernelColumns matrix lives in, by its buffer. */
const memories = new WeakMap<ArrayBufferLike, WebAssembly.Memory>();
const panels = new WeakMap<WebAssembly.Memory, Panel>();

/** A p x n column matrix at the start of a fresh shared WebAssembly memory with room for the p x p result; undefined if over 4 GiB. */
export function kernelColumns(p: number, n: number): Float64Array | undefined {
  const memory = kernelMemory(p * n + p * p);
  if (!memory) return undefined;
  memories.set(memory.buffer, memory);
  return new Float64Array(memory.buffer, 0, p * n);
}

/** A fresh shared WebAssembly memory of at least this many doubles, for other products through the kernel (kernelPanel); undefined if over 4 GiB. */
export function kernelMemory(doubles: number): WebAssembly.Memory | undefined {
  const pages = Math.max(1, Math.ceil((doubles * Float64Array.BYTES_PER_ELEMENT) / PAGE));
  if (pages > MAX_PAGES) return undefined;
  try {
    return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return undefined;
  }
}

/** The kernel's panel function over this memory (see gram-kernel.wat for its arguments). */
export function kernelPanel(memory: WebAssembly.Memory, module = kernelModule()): Panel {
  let panel = panels.get(memory);
  if (!panel) {
    panel = new WebAssembly.Instance(module, { env: { memory } }).exports.panel as Panel;
    panels.set(memory, panel);
  }
  return panel;
}

/** The kernel memory that holds data (made by kernelColumns), if it is one. */
export function kernelMemoryOf(data: Float64Array): WebAssembly.Memory | undefined {
  return data.byteOffset === 0 ? memories.get(data.buffer) : undefined;
}

/** The p x p result area of a kernel memory holding p columns of n. */
export function kernelResult(memory: WebAssembly.Memory, p: number, n: number): Float64Array {
  return new Float64Array(memory.buffer, p * n * Float64Array.BYTES_PER_ELEMENT, p * p);
}

/**
 * Rows [rowStart, rowEnd) of XᵀX (rowStart a multiple of 4) into the result area, mirrored into the
 * columns of those rows; the area starts at zero. Full 4x4 blocks go through the kernel, tiled
 * (TILE_T observations by TILE_J columns) so re-read columns come from cache; the last p mod 4 rows
 * are plain dot products.
 */
export function kernelRows(memory: WebAssembly.Memory, p: number, n: number, rowStart: number, rowEnd: number, module = kernelModule()): void {
  const panel = kernelPanel(memory, module);
  const data = new Float64Array(memory.buffer, 0, p * n);
  const out = kernelResult(memory, p, n);
  const base = p * n * 8;
  const n8 = n * 8;
  const full = p - (p % 4);
  const blockEnd = Math.max(rowStart, Math.min(rowEnd, full));
  for (let t0 = 0; t0 < n; t0 += TILE_T) {
    const t1 = Math.min(n, t0 + TILE_T);
    for (let jp = 0; jp < blockEnd; jp += TILE_J) {
      for (let i = Math.max(rowStart, jp); i + 4 <= blockEnd; i += 4) {
        const jEnd = Math.min(i + 4, jp + TILE_J); // the diagonal block whole: the mirror below overwrites its upper half alike
        panel(i * n8, jp * n8, jEnd * n8, n8, t0 * 8, t1 * 8, base + (i * p + jp) * 8, p * 8);
      }
    }
  }
  for (let i = rowStart; i < blockEnd; i++) for (let j = 0; j < i; j++) out[j * p + i] = out[i * p + j] as number;
  for (let i = blockEnd; i < rowEnd; i++) {
    for (let j = 0; j <= i; j++) {
      let acc = 0;
      for (let t = 0; t < n; t++) acc += (data[i * n + t] as number) * (data[j * n + t] as number);
      out[i * p + j] = out[j * p + i] = acc;
    }
  }
}

// The few WebAssembly declarations used here: this project's lib (ES2023 + @types/node 20) has none.
declare global {
  namespace WebAssembly {
    interface Module {}
    var Module: { new (bytes: Uint8Array): Module };
    interface Memory {
      readonly buffer: SharedArrayBuffer;
    }
    var Memory: { new (descriptor: { initial: number; maximum: number; shared: true }): Memory };
    interface Instance {
      readonly exports: Record<string, unknown>;
    }
    var Instance: { new (module: Module, imports: Record<string, Record<string, unknown>>): Instance };
  }
}
