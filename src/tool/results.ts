/**
 * The one error contract. A failure the model can act on (bad argument, API success:false,
 * policy denial, not found) is an isError result saying what happened and what to do next.
 * An unknown tool is a protocol error. A bug throws.
 */
import type { CallToolResult } from '@modelcontextprotocol/server';

/** Thrown by handlers for failures the model can act on; becomes an isError result. */
export class ToolError extends Error {
  /** The upstream HTTP status, when the failure came from QuantConnect's answer. */
  upstreamStatus: number | undefined;
  /** Structured content of the isError result (QuantConnect's {success: false, errors}), when there is one. */
  structured: Record<string, unknown> | undefined;

  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ToolError';
  }

  withStatus(status: number): this {
    this.upstreamStatus = status;
    return this;
  }

  withStructured(structured: Record<string, unknown>): this {
    this.structured = structured;
    return this;
  }
}

export type ResultMeta = Record<string, unknown>;

/** Content after the text: resource links to files a tool wrote, images, and notes (a chart that could not be drawn). */
export type ExtraContent = CallToolResult['content'][number];

export function okResult(structured: Record<string, unknown>, meta?: ResultMeta, text?: string, extra: ExtraContent[] = []): CallToolResult {
  return {
    content: [{ type: 'text', text: text ?? JSON.stringify(structured) }, ...extra],
    structuredContent: structured,
    ...(meta && Object.keys(meta).length > 0 ? { _meta: meta } : {}),
  };
}

export function errorResult(message: string, details?: Record<string, unknown>, meta?: ResultMeta, structured?: Record<string, unknown>): CallToolResult {
  const text = details && Object.keys(details).length > 0 ? `${message}\n${JSON.stringify(details)}` : message;
  return {
    content: [{ type: 'text', text }],
    ...(structured ? { structuredContent: structured } : {}),
    isError: true,
    ...(meta && Object.keys(meta).length > 0 ? { _meta: meta } : {}),
  };
}
