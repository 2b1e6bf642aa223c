/**
 * The floors of src/, read from the imports themselves (TypeScript's own pre-processor, so type-only
 * and dynamic imports count): no arrow from a lower floor to a higher one, no import circle, and
 * generated/ and codegen/ reached only from the inventory and the lazy `generate` command. Plugins
 * share plugins/quant instead of importing each other, and reach src/ only below the server.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** Lowest first. A folder imports its own files and folders on strictly lower floors only. */
const FLOORS: Record<string, number> = {
  util: 0,
  config: 1,
  qc: 1,
  charts: 1,
  tool: 2,
  api: 3,
  policy: 3,
  sandbox: 4,
  server: 5,
  http: 6,
  console: 6,
  cli: 7,
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import of a file, resolved to a repository path (.js -> .ts). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => normalize(join(dirname(file), name)).replace(/\.js$/, '.ts'));
}

const room = (path: string): string | undefined => (path.startsWith('src/') ? path.split('/')[1] : undefined);
const SRC = files('src');
const PLUGINS = files('plugins');
const GRAPH = new Map([...SRC, ...PLUGINS].map((file) => [file, importsOf(file)]));

describe('the floors of src/', () => {
  it('every folder of src/ has a floor', () => {
    const rooms = new Set(SRC.map((f) => room(f) as string));
    expect([...rooms].filter((r) => !(r in FLOORS))).toEqual([]);
  });

  it('no arrow runs from a lower floor to a higher one, or sideways between rooms', () => {
    const wrong: string[] = [];
    for (const file of SRC) {
      const from = room(file) as string;
      for (const target of GRAPH.get(file) ?? []) {
        const to = room(target);
        if (to === undefined || to === from) continue;
        if ((FLOORS[to] ?? 99) >= (FLOORS[from] ?? -1)) wrong.push(`${file} -> ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('generated/ is imported only by the inventory, and codegen/ only by the lazy generate command', () => {
    const outside = (prefix: string) => SRC.filter((file) => (GRAPH.get(file) ?? []).some((t) => t.startsWith(prefix)));
    expect(outside('generated/')).toEqual(['src/server/inventory.ts']);
    expect(outside('plugins/')).toEqual(['src/server/inventory.ts']);
    expect(outside('codegen/')).toEqual(['src/cli/main.ts']);
  });

  it('plugins share plugins/quant instead of importing each other, and reach src/ only below the server', () => {
    const wrong: string[] = [];
    for (const file of PLUGINS) {
      const own = file.split('/')[1] as string;
      for (const target of GRAPH.get(file) ?? []) {
        const to = room(target);
        if (to !== undefined && (FLOORS[to] ?? 99) >= FLOORS.sandbox!) wrong.push(`${file} -> ${target}`);
        if (target.startsWith('plugins/') && file !== 'plugins/index.ts') {
          const other = target.split('/')[1] as string;
          if (other !== own && other !== 'quant') wrong.push(`${file} -> ${target}`);
        }
        if (target.startsWith('generated/')) wrong.push(`${file} -> ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('there is no import circle among the files of src/ and plugins/', () => {
    // Tarjan's strongly connected components; any component of more than one file is a circle.
    let index = 0;
    const order = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const circles: string[][] = [];
    const visit = (file: string): void => {
      order.set(file, index);
      low.set(file, index++);
      stack.push(file);
      onStack.add(file);
      for (const next of GRAPH.get(file) ?? []) {
        if (!GRAPH.has(next)) continue;
        if (!order.has(next)) {
          visit(next);
          low.set(file, Math.min(low.get(file)!, low.get(next)!));
        } else if (onStack.has(next)) low.set(file, Math.min(low.get(file)!, order.get(next)!));
      }
      if (low.get(file) === order.get(file)) {
        const component: string[] = [];
        let top: string;
        do {
          top = stack.pop()!;
          onStack.delete(top);
          component.push(top);
        } while (top !== file);
        if (component.length > 1) circles.push(component.sort());
      }
    };
    for (const file of GRAPH.keys()) if (!order.has(file)) visit(file);
    expect(circles).toEqual([]);
  });

  it('the checks above see real imports (a smoke test of the reader)', () => {
    expect(GRAPH.get('src/server/runtime.ts')).toContain('src/server/inventory.ts');
    expect(relative('.', 'src/server/inventory.ts')).toBe('src/server/inventory.ts');
    expect(GRAPH.get('src/server/inventory.ts')?.some((t) => t.startsWith('generated/'))).toBe(true);
  });
});
