/** What every tool declares about itself, whoever writes it: codegen's IR, a generated spec, a plugin's defineTool, the runtime's ToolDefinition. */
import type { Risk, Severity } from '../config/tools-schema.js';

export interface ToolMeta {
  /** Unique, ^[A-Za-z0-9_.-]{1,128}$; the official server's names for API tools. */
  name: string;
  title: string;
  description: string;
  toolset: string;
  risk: Risk;
  severity: Severity;
}
