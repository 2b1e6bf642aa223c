/** Every hand-written plugin the server loads. Add a plugin here to serve its tools. */
import type { Plugin } from '../src/tool/tool.js';
import guard from './guard/index.js';
import live from './live/index.js';
import meta from './meta/index.js';
import portfolio from './portfolio/index.js';
import research from './research/index.js';
import studies from './studies/index.js';
import universe from './universe/index.js';
import workflows from './workflows/index.js';
import { closePool } from './quant/pool.js';

export const plugins: Plugin[] = [meta, research, portfolio, universe, workflows, studies, guard, live];

/** Stops what the plugins started on demand (the shared worker pool); the runtime calls it on close. */
export const closePlugins = (): Promise<void> => closePool();
