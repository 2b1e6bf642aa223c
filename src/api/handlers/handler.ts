/** What a hand-written handler receives and returns (the handlers import this; index.ts lists them). */
import type { GeneratedToolSpec } from '../../tool/generated-tool.js';
import type { ToolContext, ToolReturn } from '../../tool/tool.js';
import type { SchemasDoc } from '../upstream.js';

export interface ApiHandlerInput {
  spec: GeneratedToolSpec;
  /** The validated request body, server-side values filled in. */
  body: Record<string, unknown>;
  /** The model's arguments, including handler-only inputs. */
  args: Record<string, unknown>;
  ctx: ToolContext;
  schemas: SchemasDoc;
  /**
   * Checks a body against the spec's request schema (throws the same ToolError as the generic path).
   * Already done before the handler runs, unless the body lacks a property the handler fills (inputs.optional).
   */
  check: (body: Record<string, unknown>) => void;
}

export type ApiHandler = (input: ApiHandlerInput) => Promise<ToolReturn>;
