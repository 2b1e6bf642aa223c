// The pool's worker when the server runs from its TypeScript sources (tests, bench): tsx loads pool-worker.ts.
import { tsImport } from 'tsx/esm/api';

const tasks = await tsImport('./pool-worker.ts', import.meta.url);
export const { egChunk, dcorChunk, bh, call } = tasks;
