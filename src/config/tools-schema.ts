/**
 * The shape of tools.yaml and of an operator overlay (QC_MCP_TOOLS), as zod schemas.
 * Codegen reads the mapping fields; the runtime reads the operator fields.
 */
import { z } from 'zod';
import { GuardSectionSchema } from './guard-schema.js';
import { PolicyFieldsShape, PolicySectionSchema } from './policy-schema.js';

export const RISKS = ['read', 'write', 'execute', 'destructive', 'financial'] as const;
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Risk = (typeof RISKS)[number];
export type Severity = (typeof SEVERITIES)[number];

/** Runtime values a tool input can be filled from (never from the model for `inject`). */
export const INPUT_SOURCES = ['agent_name', 'organization_id'] as const;
export type InputSource = (typeof INPUT_SOURCES)[number];

const toolName = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'tool names match ^[A-Za-z0-9_.-]{1,128}$');
const operationRef = z.string().regex(/^(GET|POST|PUT|PATCH|DELETE) \/\S*$/, 'an operation is "METHOD /path", for example "POST /backtests/read"');

/** Fields an operator may set on a tool or toolset, in tools.yaml or in an overlay. */
const operatorToolFields = PolicyFieldsShape;
const { enabled: _toolsetEnabled, ...toolsetPolicyFields } = PolicyFieldsShape;

export const ToolsetSchema = z
  .object({
    description: z.string().min(1),
    default: z.boolean().describe('Whether the toolset is enabled out of the box.'),
    ...toolsetPolicyFields,
  })
  .strict();

export const InputsSchema = z
  .object({
    omit: z.array(z.string()).optional().describe('Request properties not exposed to the model.'),
    require: z.array(z.string()).optional().describe('Properties required by this tool even if the spec makes them optional.'),
    optional: z
      .array(z.string())
      .optional()
      .describe("Properties the spec requires that the model may leave out: the tool's handler fills them (for example a free live node)."),
    inject: z.record(z.string(), z.enum(INPUT_SOURCES)).optional().describe('Properties hidden from the model and always filled by the server.'),
    default_from: z.record(z.string(), z.enum(INPUT_SOURCES)).optional().describe('Properties the model may set, filled by the server when omitted.'),
    accept: z
      .array(z.string())
      .optional()
      .describe("Injected properties the model may still pass (as clients of the official server do); the server's value is what is sent."),
    extra: z
      .record(z.string(), z.record(z.string(), z.unknown()))
      .optional()
      .describe('Extra input properties (JSON Schema) consumed by a hand-written handler, not sent upstream.'),
    override: z
      .record(z.string(), z.object({ description: z.string().min(1).optional(), type: z.string().optional() }).strict())
      .optional()
      .describe('Per input property, a description or type laid over what tools/list shows; the request is still checked against the spec.'),
  })
  .strict();

export const ToolEntrySchema = z
  .object({
    operation: operationRef.optional().describe('The spec operation this tool calls (mapping field).'),
    variant: z.string().optional().describe("For a oneOf request body: the component schema of this tool's branch."),
    toolset: z.string().optional(),
    risk: z.enum(RISKS).optional(),
    severity: z.enum(SEVERITIES).optional(),
    title: z.string().optional(),
    description: z.string().optional().describe('Overrides the description taken from the spec.'),
    inputs: InputsSchema.optional(),
    handler: z.string().optional().describe('A hand-written handler in src/api/handlers instead of one POST.'),
    ...operatorToolFields,
  })
  .strict();

/** Settings of the hand-written plugins; the environment (QC_MCP_DATA, QC_MCP_EXPORT_DIR) wins over these. */
export const PluginsSectionSchema = z
  .object({
    research: z
      .object({
        data: z
          .string()
          .regex(/^((csv|lean|objectstore):.+|sim:.*)$/, 'csv:DIR, lean:DIR, objectstore:PREFIX or sim:')
          .optional()
          .describe('Price data source; a relative DIR is relative to this file.'),
      })
      .strict()
      .optional(),
    portfolio: z
      .object({
        export_dir: z.string().min(1).optional().describe('Folder for CSV exports (export: true); relative to this file. Default QC_MCP_STATE_DIR/exports.'),
      })
      .strict()
      .optional(),
  })
  .strict();

export const ToolsFileSchema = z
  .object({
    policy: PolicySectionSchema.optional(),
    toolsets: z.record(z.string(), ToolsetSchema),
    tools: z.record(toolName, ToolEntrySchema),
    excluded: z.record(operationRef, z.string().min(1)).optional().describe('Spec operations deliberately not mapped, with the reason.'),
    input_descriptions: z
      .record(z.string(), z.string().min(1))
      .optional()
      .describe("One-line descriptions of generated tools' input properties, by property name, in place of the spec text (a tool's inputs.override wins)."),
    plugins: PluginsSectionSchema.optional(),
    guard: GuardSectionSchema.optional().describe('Live risk guard: rules applied to running deployments without the agent (docs/operators.md).'),
  })
  .strict();

/** An operator overlay: operator fields only. */
export const OverlayFileSchema = z
  .object({
    policy: PolicySectionSchema.optional(),
    toolsets: z.record(z.string(), z.object({ default: z.boolean().optional(), ...toolsetPolicyFields }).strict()).optional(),
    tools: z.record(toolName, z.object(operatorToolFields).strict()).optional(),
    plugins: PluginsSectionSchema.optional(),
    guard: GuardSectionSchema.optional(),
  })
  .strict();

export type ToolsFile = z.infer<typeof ToolsFileSchema>;
export type ToolEntry = z.infer<typeof ToolEntrySchema>;
export type OverlayFile = z.infer<typeof OverlayFileSchema>;
