/** Parse a YAML file against a zod schema; every error names the file, line and key path. */
import { readFileSync } from 'node:fs';
import type { Document, LineCounter } from 'yaml';
import { lazyRequire } from '../util/lazy-require.js';
import type { z } from 'zod';

/** The YAML library, loaded on first use: a server started without an overlay reads tools.yaml from its build cache. */
export const yaml = lazyRequire<typeof import('yaml')>('yaml');

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function lineOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[]): number | undefined {
  // Walk up the path until a node with a source range is found.
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true);
    if (yaml().isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

export function parseYamlText<S extends z.ZodType>(text: string, file: string, schema: S): z.infer<S> {
  const { LineCounter, parseDocument } = yaml();
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0] ?? e.message}`),
    );
  }
  const data: unknown = doc.toJS() ?? {};
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new ConfigError(
      file,
      parsed.error.issues.map((issue) => {
        const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(top level)';
        const line = lineOf(doc, counter, issue.path);
        return `${line === undefined ? '' : `line ${line}: `}${where}: ${issue.message}`;
      }),
    );
  }
  return parsed.data as z.infer<S>;
}

/** A configuration file's text; a file that cannot be read is a ConfigError naming it. */
export function readConfigText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read: ${(error as Error).message}`]);
  }
}

export function parseYamlFile<S extends z.ZodType>(file: string, schema: S): z.infer<S> {
  return parseYamlText(readConfigText(file), file, schema);
}
