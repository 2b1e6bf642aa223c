/** The contract between generated/tools.ts and the runtime. */
import type { ToolMeta } from './meta.js';
import type { InputSource } from '../config/tools-schema.js';
import type { QuantConnectClient } from '../qc/client.js';

/** The openapi-fetch client, untyped here: generated/tools.ts types each call by the spec's paths. */
export type ApiClient = QuantConnectClient['api'];

export type JsonSchema = { [key: string]: unknown };

/** Options the runtime passes through to openapi-fetch for one upstream call. */
export interface CallInit {
  [option: string]: unknown;
  signal?: AbortSignal;
  parseAs: 'text';
  bodySerializer?: (body: unknown) => NonNullable<RequestInit['body']>;
  redirect?: RequestInit['redirect'];
  fetch?: (input: Request) => Promise<Response>;
}

export interface UpstreamResponse {
  data?: unknown;
  error?: unknown;
  response: Response;
}

export interface GeneratedToolSpec extends ToolMeta {
  method: string;
  path: string;
  contentType: 'application/json' | 'multipart/form-data' | null;
  variant: string | null;
  inputSchema: JsonSchema;
  outputSchema: JsonSchema;
  inject: Record<string, InputSource>;
  defaults: Record<string, InputSource>;
  extraInputs: string[];
  handler: string | null;
  /** One typed POST through openapi-fetch. */
  call: (client: ApiClient, body: unknown, init: CallInit) => Promise<UpstreamResponse>;
}
