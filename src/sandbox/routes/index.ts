/** Every sandbox route, keyed "POST /path" like the spec's operations. */
import { buildRoutes } from './builds.js';
import type { Route } from './common.js';
import { fileRoutes } from './files.js';
import { liveRoutes } from './live.js';
import { miscRoutes } from './misc.js';
import { projectRoutes } from './projects.js';

export type { Route, RouteContext, Timing } from './common.js';

export const routes: Record<string, Route> = { ...projectRoutes, ...fileRoutes, ...buildRoutes, ...liveRoutes, ...miscRoutes };
