/** Hand-written handlers named by `handler:` in tools.yaml, for tools that are more than one POST. */
import type { GeneratedToolSpec } from '../../tool/generated-tool.js';
import type { ToolContext, ToolReturn } from '../../tool/tool.js';
import type { SchemasDoc } from '../api-tools.js';
import { authorizeConnection } from './authorize-connection.js';
import { readBacktest } from './read-backtest.js';

export interface ApiHandlerInput {
  spec: GeneratedToolSpec;
  /** The validated request body, server-side values filled in. */
  body: Record<string, unknown>;
  /** The model's arguments, including handler-only inputs. */
  args: Record<string, unknown>;
  ctx: ToolContext;
  schemas: SchemasDoc;
}

export type ApiHandler = (input: ApiHandlerInput) => Promise<ToolReturn>;

export const apiHandlers: Record<string, ApiHandler> = { authorizeConnection, readBacktest };
