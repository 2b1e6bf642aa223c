/** Hand-written handlers named by `handler:` in tools.yaml, for tools that are more than one POST. */
import type { ApiHandler } from './handler.js';
import { authorizeConnection } from './authorize-connection.js';
import { createLiveAlgorithm } from './create-live-algorithm.js';
import { readBacktest } from './read-backtest.js';

export type { ApiHandler, ApiHandlerInput } from './handler.js';

export const apiHandlers: Record<string, ApiHandler> = { authorizeConnection, createLiveAlgorithm, readBacktest };
