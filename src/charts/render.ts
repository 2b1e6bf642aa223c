/**
 * Charts rendered on the server: a Vega-Lite spec, compiled and laid out by Vega (headless, SVG),
 * then rasterised to PNG by resvg with the bundled DejaVu Sans, so the same input gives the same
 * picture on every machine and nothing is fetched at run time.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

const require = createRequire(import.meta.url);
const FONT_DIR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
export const FONT_FAMILY = 'DejaVu Sans';

/** Shared look: the bundled font, no outer border, a white page. */
export const BASE_CONFIG = {
  font: FONT_FAMILY,
  view: { stroke: null },
  background: 'white',
  axis: { labelFontSize: 10, titleFontSize: 11 },
  title: { fontSize: 13 },
} as const;

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = compile({ ...spec, config: { ...BASE_CONFIG, ...(spec as { config?: object }).config } } as TopLevelSpec).spec;
  const view = new View(parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const FONT_FILES = [join(FONT_DIR, 'DejaVuSans.ttf'), join(FONT_DIR, 'DejaVuSans-Bold.ttf')];

/** SVG to PNG; which build of resvg does it is chosen at run time. */
type Rasterise = (svg: string) => Buffer;
export type RendererKind = 'native' | 'wasm';

/**
 * The native resvg (@resvg/resvg-js) where its prebuilt binary exists for this platform; otherwise
 * the WebAssembly build (@resvg/resvg-wasm), which runs everywhere Node does and draws the same
 * pictures with the same bundled font. Loaded once, on the first chart.
 */
async function loadRasteriser(): Promise<{ kind: RendererKind; rasterise: Rasterise }> {
  const options = { background: 'white', font: { loadSystemFonts: false, defaultFontFamily: FONT_FAMILY } };
  let nativeProblem: string;
  try {
    const { Resvg } = await import('@resvg/resvg-js');
    return { kind: 'native', rasterise: (svg) => new Resvg(svg, { ...options, font: { ...options.font, fontFiles: FONT_FILES } }).render().asPng() };
  } catch (error) {
    nativeProblem = (error as Error).message.split('\n')[0] ?? 'unknown';
  }
  const wasm = await import('@resvg/resvg-wasm');
  await wasm.initWasm(readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));
  const fontBuffers = FONT_FILES.map((file) => readFileSync(file));
  process.stderr.write(`quantconnect-mcp: charts use the WebAssembly build of resvg (the native one did not load: ${nativeProblem}).\n`);
  return {
    kind: 'wasm',
    rasterise: (svg) => {
      const resvg = new wasm.Resvg(svg, { ...options, font: { ...options.font, fontBuffers } });
      try {
        return Buffer.from(resvg.render().asPng());
      } finally {
        resvg.free();
      }
    },
  };
}

let rasteriser: Promise<{ kind: RendererKind; rasterise: Rasterise }> | undefined;
const loaded = () =>
  (rasteriser ??= loadRasteriser().catch((error: unknown) => {
    rasteriser = undefined; // try again on the next chart
    throw error;
  }));

/** Which resvg build draws the charts in this process. */
export const rendererKind = async (): Promise<RendererKind> => (await loaded()).kind;

export async function renderPng(spec: TopLevelSpec): Promise<Buffer> {
  const svg = await renderSvg(spec);
  return (await loaded()).rasterise(svg);
}

/** An MCP image content block. */
export const pngContent = (png: Buffer) => ({ type: 'image' as const, data: png.toString('base64'), mimeType: 'image/png' });
