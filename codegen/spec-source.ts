/** Locate, read, hash and parse the pinned QuantConnect spec, then apply the overlays. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { parseYamlFile } from '../src/config/load-yaml.js';
import { SETTINGS } from '../src/config/settings.js';
import { applyOverlay, type OverlayNote } from './overlay.js';

export const DEFAULT_SPEC_PATH = SETTINGS.spec.default;

export interface LoadedSpec {
  /** The spec after overlays: an OpenAPI 3.0 document. */
  doc: Record<string, unknown>;
  sha256: string;
  path: string;
  overlayNotes: OverlayNote[];
}

export class SpecMissingError extends Error {
  constructor(path: string) {
    super(
      `spec not found at ${path}.\n` +
        `  Fetch it with \`npm run spec:pull\` (or QC_SPEC_SOURCE=/path/to/QuantConnect-Platform-2.0.0.yaml npm run spec:pull),\n` +
        `  or point QC_SPEC at a copy.`,
    );
    this.name = 'SpecMissingError';
  }
}

export const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

const OverlayFile = z
  .object({
    overlay: z.literal(1),
    actions: z.array(
      z
        .object({
          target: z.string().startsWith('/'),
          set: z.unknown().optional(),
          remove: z.literal(true).optional(),
          reason: z.string().min(1),
        })
        .strict()
        .refine((a) => (a.set === undefined) !== (a.remove === undefined), 'an action has exactly one of `set` or `remove`'),
    ),
  })
  .strict();
export type SpecOverlay = z.infer<typeof OverlayFile>;

export function readOverlays(dir: string): { file: string; overlay: SpecOverlay }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => ({ file: join(dir, f), overlay: parseYamlFile(join(dir, f), OverlayFile) }));
}

export function loadSpec(specPath: string, overlayDir: string | undefined): LoadedSpec {
  if (!existsSync(specPath)) throw new SpecMissingError(specPath);
  const text = readFileSync(specPath, 'utf8');
  const doc = parse(text) as unknown;
  if (typeof doc !== 'object' || doc === null || !('paths' in doc)) {
    throw new Error(`${specPath}: not an OpenAPI document (no "paths")`);
  }
  const overlayNotes: OverlayNote[] = [];
  for (const { file, overlay } of overlayDir ? readOverlays(overlayDir) : []) {
    overlayNotes.push(...applyOverlay(doc, overlay.actions, file));
  }
  return { doc: doc as Record<string, unknown>, sha256: sha256(text), path: specPath, overlayNotes };
}
