/**
 * Which price data the research tools read, and why. In order:
 * 1. QC_MCP_DATA (csv:DIR | lean:DIR | objectstore:PREFIX | sim:...);
 * 2. QC_MCP_LEAN_CONFIG=PATH: a LEAN CLI lean.json (or the folder holding one); its data-folder, relative to it;
 * 3. plugins.research.data in tools.yaml or the operator overlay;
 * 4. a lean.json in the working directory or one of its parents (what `lean init` creates), if its data folder exists;
 * 5. on the sandbox only: the simulated market (sim:).
 * Otherwise none, and the research tools say how to add one. QC_MCP_LEAN_CONFIG=off skips step 4.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SettingsError } from './env.js';

export interface DataChoice {
  /** The source spec the research tools use, or undefined when there is none. */
  spec: string | undefined;
  /** Why this source: which setting or file chose it. */
  origin: string;
  /** Something the operator should know (a lean.json whose data folder is missing). */
  note?: string;
}

/** JSON with // and /* comments and trailing commas, as LEAN's config files are written. */
export function parseJsonWithComments(text: string): unknown {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (ch === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (ch === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 1;
    } else out += ch;
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, '$1'));
}

/** The data folder a lean.json names (data-folder, relative to the file; LEAN CLI's default is "data"). */
export function leanDataFolder(leanJson: string): string {
  let parsed: unknown;
  try {
    parsed = parseJsonWithComments(readFileSync(leanJson, 'utf8'));
  } catch (error) {
    throw new SettingsError(`${leanJson} is not readable JSON: ${(error as Error).message}`);
  }
  const folder = (parsed as Record<string, unknown> | null)?.['data-folder'];
  return resolve(dirname(leanJson), typeof folder === 'string' && folder.trim() !== '' ? folder : 'data');
}

/** The nearest lean.json in `cwd` or one of its parents. */
export function findLeanJson(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, 'lean.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

export interface DataInputs {
  /** QC_MCP_DATA */
  env: string | undefined;
  /** QC_MCP_LEAN_CONFIG */
  leanConfig: string | undefined;
  /** plugins.research.data from tools.yaml or the overlay, with where it was set. */
  file: { value: string; at: string } | undefined;
  cwd: string;
  backend: 'quantconnect' | 'sandbox';
}

export function chooseDataSource(inputs: DataInputs): DataChoice {
  if (inputs.env) return { spec: inputs.env, origin: 'QC_MCP_DATA' };
  const off = inputs.leanConfig !== undefined && ['off', 'none', '0', 'false'].includes(inputs.leanConfig.toLowerCase());
  if (inputs.leanConfig && !off) {
    const path = existsSync(inputs.leanConfig) && statSync(inputs.leanConfig).isDirectory() ? join(inputs.leanConfig, 'lean.json') : inputs.leanConfig;
    if (!existsSync(path)) throw new SettingsError(`QC_MCP_LEAN_CONFIG: ${path} does not exist (point it at a LEAN CLI lean.json, or the folder holding one)`);
    return { spec: `lean:${leanDataFolder(path)}`, origin: `QC_MCP_LEAN_CONFIG (${path})` };
  }
  if (inputs.file) return { spec: inputs.file.value, origin: inputs.file.at };
  let note: string | undefined;
  if (!off) {
    const found = findLeanJson(inputs.cwd);
    if (found) {
      let folder: string | undefined;
      try {
        folder = leanDataFolder(found);
      } catch (error) {
        note = (error as Error).message;
      }
      if (folder && existsSync(folder)) return { spec: `lean:${folder}`, origin: `LEAN workspace ${found} (data-folder)` };
      if (folder) note = `${found} names the data folder ${folder}, which does not exist`;
    }
  }
  const withNote = note ? { note } : {};
  if (inputs.backend === 'sandbox')
    return { spec: 'sim:', origin: 'the sandbox default: no data source is configured, so research tools use the simulated market', ...withNote };
  return { spec: undefined, origin: 'none configured', ...withNote };
}
