/**
 * generated/tools.ts: one GeneratedToolSpec per tool, emitted with ts-morph.
 * Every piece of spec text goes in through JSON.stringify, so it lands as an escaped literal.
 * The module has type-only imports, so it runs wherever it is placed (tests import it from a temp dir).
 */
import { Project, VariableDeclarationKind, type CodeBlockWriter } from 'ts-morph';
import type { GenerationIR, ToolIR } from '../ir.js';
import { tsHeader } from './header.js';

const literal = (value: unknown): string => JSON.stringify(value);

function writeCall(writer: CodeBlockWriter, tool: ToolIR): void {
  const path = literal(tool.path);
  if (tool.method !== 'POST') throw new Error(`tool '${tool.name}': only POST operations are emitted (got ${tool.method})`);
  if (tool.contentType === null) {
    writer.write(`call: (client, _body, init) => typed(client).POST(${path}, init),`);
  } else {
    writer.write(`call: (client, body, init) => typed(client).POST(${path}, { ...init, body: body as Body<${path}> }),`);
  }
}

function writeTool(writer: CodeBlockWriter, tool: ToolIR): void {
  writer.write('{').indent(() => {
    const fields: [string, unknown][] = [
      ['name', tool.name],
      ['title', tool.title],
      ['description', tool.description],
      ['toolset', tool.toolset],
      ['risk', tool.risk],
      ['severity', tool.severity],
      ['method', tool.method],
      ['path', tool.path],
      ['contentType', tool.contentType],
      ['variant', tool.variant],
      ['inputSchema', tool.inputSchema],
      ['outputSchema', tool.outputSchema],
      ['inject', tool.inject],
      ['defaults', tool.defaults],
      ['extraInputs', tool.extraInputs],
      ['handler', tool.handler],
    ];
    for (const [key, value] of fields) writer.writeLine(`${key}: ${literal(value)},`);
    writeCall(writer, tool);
  });
  writer.write('},').newLine();
}

export function emitTools(ir: GenerationIR): string {
  const project = new Project({ useInMemoryFileSystem: true });
  const file = project.createSourceFile('tools.ts', '', { overwrite: true });
  file.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: 'openapi-fetch', namedImports: ['Client'] });
  file.addImportDeclaration({ isTypeOnly: true, moduleSpecifier: './openapi.js', namedImports: ['paths'] });
  file.addImportDeclaration({
    isTypeOnly: true,
    moduleSpecifier: '../src/tool/generated-tool.js',
    namedImports: ['ApiClient', 'GeneratedToolSpec'],
  });
  file.addTypeAlias({
    name: 'Body',
    typeParameters: [{ name: 'P', constraint: 'keyof paths' }],
    type: 'paths[P] extends { post: { requestBody?: { content: infer C } } } ? C[keyof C] : never',
  });
  // The runtime hands over an untyped client (src/ does not import generated types); here it is typed by the spec's paths.
  file.addVariableStatement({
    declarationKind: VariableDeclarationKind.Const,
    declarations: [{ name: 'typed', initializer: '(client: ApiClient): Client<paths> => client as unknown as Client<paths>' }],
  });
  file.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    declarations: [
      {
        name: 'generatedTools',
        type: 'readonly GeneratedToolSpec[]',
        initializer: (writer) => {
          writer.write('[').newLine();
          writer.indent(() => {
            for (const tool of ir.tools) writeTool(writer, tool);
          });
          writer.write(']');
        },
      },
    ],
  });
  file.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    declarations: [{ name: 'localToolNames', type: 'readonly string[]', initializer: literal(ir.localTools) }],
  });
  file.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    declarations: [
      {
        name: 'toolsets',
        type: 'readonly { name: string; description: string; default: boolean }[]',
        initializer: JSON.stringify(ir.toolsets, null, 2),
      },
    ],
  });
  return `${tsHeader(ir)}${file.getFullText()}`;
}
