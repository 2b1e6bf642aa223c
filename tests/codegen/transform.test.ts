/** Table-driven tests of the schema and operation transformers on small fixture specs. */
import { describe, expect, it } from 'vitest';
import { GenerationError } from '../../codegen/transform/operation.js';
import { SchemaTransformer } from '../../codegen/transform/schema.js';
import { ir, post, spec, tools } from '../helpers/fixture-spec.js';

const obj = (properties: Record<string, unknown>, required?: string[]) => ({ type: 'object', properties, ...(required ? { required } : {}) });

describe('transformSchema', () => {
  const cases: { name: string; schemas: Record<string, unknown>; root: string; check: (defs: Map<string, Record<string, unknown>>) => void }[] = [
    {
      name: 'a self-referencing cycle stays a $ref and terminates',
      schemas: { Node: obj({ value: { type: 'integer' }, children: { type: 'array', items: { $ref: '#/components/schemas/Node' } } }) },
      root: 'Node',
      check: (defs) => {
        expect((defs.get('Node')?.properties as Record<string, { items: unknown }>).children?.items).toEqual({ $ref: '#/$defs/Node' });
      },
    },
    {
      name: 'a two-schema cycle converts both once',
      schemas: { A: obj({ b: { $ref: '#/components/schemas/B' } }), B: obj({ a: { $ref: '#/components/schemas/A' } }) },
      root: 'A',
      check: (defs) => expect([...defs.keys()].sort()).toEqual(['A', 'B']),
    },
    {
      name: 'allOf of objects is merged: properties and required united',
      schemas: {
        Base: obj({ id: { type: 'string' } }, ['id']),
        Derived: { allOf: [{ $ref: '#/components/schemas/Base' }, obj({ extra: { type: 'integer' } }, ['extra'])] },
      },
      root: 'Derived',
      check: (defs) => {
        const derived = defs.get('Derived')!;
        expect(Object.keys(derived.properties as object).sort()).toEqual(['extra', 'id']);
        expect((derived.required as string[]).sort()).toEqual(['extra', 'id']);
        expect(derived.allOf).toBeUndefined();
      },
    },
    {
      name: 'nullable adds null to the type and to an enum',
      schemas: { N: obj({ s: { type: 'string', nullable: true, enum: ['a', 'b'] } }) },
      root: 'N',
      check: (defs) => {
        const s = (defs.get('N')?.properties as Record<string, Record<string, unknown>>).s!;
        expect(s.type).toEqual(['string', 'null']);
        expect(s.enum).toEqual(['a', 'b', null]);
        expect(s.nullable).toBeUndefined();
      },
    },
    {
      name: 'arrays of refs keep the refs; oneOf becomes a lenient anyOf',
      schemas: {
        Item: obj({ x: { type: 'number' } }),
        List: obj({ items: { type: 'array', items: { oneOf: [{ $ref: '#/components/schemas/Item' }, { type: 'string' }] } } }),
      },
      root: 'List',
      check: (defs) => {
        const items = (defs.get('List')?.properties as Record<string, { items: Record<string, unknown> }>).items?.items ?? {};
        expect(items.anyOf).toEqual([{ $ref: '#/$defs/Item' }, { type: 'string' }]);
        expect(defs.has('Item')).toBe(true);
      },
    },
    {
      name: 'examples and other documentation-only keywords are dropped',
      schemas: { E: obj({ a: { type: 'string', example: 'x', examples: ['y'], xml: { name: 'a' } } }) },
      root: 'E',
      check: (defs) => expect((defs.get('E')?.properties as Record<string, unknown>).a).toEqual({ type: 'string' }),
    },
  ];
  it.each(cases)('$name', ({ schemas, root, check }) => {
    const transformer = new SchemaTransformer(spec({}, schemas));
    transformer.ref(root, '/test');
    check(transformer.defs);
  });

  it.each([
    ['a missing component', { $ref: '#/components/schemas/Nope' }, /missing schema #\/components\/schemas\/Nope at #\/paths/],
    ['a remote reference', { $ref: 'https://example.invalid/s.json#/X' }, /only local \$refs are supported/],
    ['a reference to a non-schema component', { $ref: '#/components/responses/X' }, /does not point at a component schema/],
  ])('rejects %s, naming the JSON pointer', (_label, schema, message) => {
    expect(() => ir(spec({ '/x': post(schema) }), tools({ x: { operation: 'POST /x' } }))).toThrow(message);
  });
});

describe('transformOperation', () => {
  const variants = {
    Rename: obj({ id: { type: 'integer' }, newName: { type: 'string' } }, ['id', 'newName']),
    Replace: obj({ id: { type: 'integer' }, content: { type: 'string' } }, ['id', 'content']),
    Body: { oneOf: [{ $ref: '#/components/schemas/Rename' }, { $ref: '#/components/schemas/Replace' }] },
  };

  it('splits a oneOf body into one tool per variant, with flat inputs', () => {
    const result = ir(
      spec({ '/files/update': post({ $ref: '#/components/schemas/Body' }) }, variants),
      tools({ rename: { operation: 'POST /files/update', variant: 'Rename' }, replace: { operation: 'POST /files/update', variant: 'Replace' } }),
    );
    const byName = Object.fromEntries(result.tools.map((t) => [t.name, t]));
    expect(Object.keys(byName.rename!.inputSchema.properties as object)).toEqual(['id', 'newName']);
    expect(byName.replace!.inputSchema.required).toEqual(['id', 'content']);
    expect(byName.rename!.request).toEqual({ $ref: '#/$defs/Rename' });
  });

  it.each([
    ['no variant on a oneOf body', {}, /must set 'variant:' to one of Rename, Replace/],
    ['an unknown variant', { variant: 'Move' }, /variant 'Move', which is not one of Rename, Replace/],
  ])('fails on %s', (_label, extra, message) => {
    expect(() =>
      ir(spec({ '/files/update': post({ $ref: '#/components/schemas/Body' }) }, variants), tools({ t: { operation: 'POST /files/update', ...extra } })),
    ).toThrow(message);
  });

  it('applies omit, inject, default_from, require and extra inputs', () => {
    const body = obj({ projectId: { type: 'integer' }, start: { type: 'integer' }, codeSourceId: { type: 'string' }, organizationId: { type: 'string' } }, [
      'organizationId',
    ]);
    const [tool] = ir(
      spec({ '/x': post(body) }),
      tools({
        x: {
          operation: 'POST /x',
          inputs: {
            omit: ['start'],
            inject: { codeSourceId: 'agent_name' },
            default_from: { organizationId: 'organization_id' },
            require: ['projectId'],
            extra: { timeout_s: { type: 'integer' } },
          },
        },
      }),
    ).tools;
    expect(Object.keys(tool!.inputSchema.properties as object).sort()).toEqual(['organizationId', 'projectId', 'timeout_s']);
    expect(tool!.inputSchema.required).toEqual(['projectId']);
    expect(tool!.inject).toEqual({ codeSourceId: 'agent_name' });
    expect(tool!.defaults).toEqual({ organizationId: 'organization_id' });
    expect(tool!.extraInputs).toEqual(['timeout_s']);
    expect((tool!.inputSchema.properties as Record<string, { description?: string }>).organizationId?.description).toBe("Default: the server's");
  });

  it('describes inputs from input_descriptions, at every depth, and lets a tool override a description or type', () => {
    const item = obj({ name: { type: 'string', description: 'The name of a thing.' }, step: { type: 'number', description: 'Movement, should be positive.' } });
    const body = obj({
      projectId: { type: 'integer', description: 'Id of the project that contains the thing.' },
      format: { description: 'Format of the answer.' },
      things: { type: 'array', items: item },
    });
    const file = tools({ x: { operation: 'POST /x', inputs: { override: { format: { type: 'string', description: 'Answer format, e.g. json' } } } } });
    const [tool] = ir(spec({ '/x': post(body) }), { ...file, input_descriptions: { projectId: 'Project id', step: 'Increment, > 0' } }).tools;
    const props = tool!.inputSchema.properties as Record<string, Record<string, unknown>>;
    expect(props.projectId).toEqual({ type: 'integer', description: 'Project id' });
    expect(props.format).toEqual({ type: 'string', description: 'Answer format, e.g. json' });
    const nested = (props.things?.items as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(nested.step?.description).toBe('Increment, > 0');
    expect(nested.name?.description).toBe('Name of a thing'); // spec text, without "The" and the final period
  });

  it('refuses an override of an input the tool does not show, and override keywords other than description and type', () => {
    const body = obj({ a: { type: 'string' } });
    expect(() => ir(spec({ '/x': post(body) }), tools({ x: { operation: 'POST /x', inputs: { override: { b: { description: 'B' } } } } }))).toThrow(
      /overrides input 'b', which it does not show/,
    );
    expect(() => tools({ x: { operation: 'POST /x', inputs: { override: { a: { description: 'A', seconds: null } as never } } } })).toThrow();
  });

  it('optional: a required property the model may leave out, for a handler that fills it; without a handler it is an error', () => {
    const body = obj({ projectId: { type: 'integer' }, nodeId: { type: 'string' } }, ['projectId', 'nodeId']);
    const [tool] = ir(spec({ '/x': post(body) }), tools({ x: { operation: 'POST /x', handler: 'fill', inputs: { optional: ['nodeId'] } } })).tools;
    expect(Object.keys(tool!.inputSchema.properties as object)).toEqual(['projectId', 'nodeId']);
    expect(tool!.inputSchema.required).toEqual(['projectId']);
    expect(() => ir(spec({ '/x': post(body) }), tools({ x: { operation: 'POST /x', inputs: { optional: ['nodeId'] } } }))).toThrow(
      /tool 'x': optional inputs need a handler that fills them/,
    );
    expect(() => ir(spec({ '/x': post(body) }), tools({ x: { operation: 'POST /x', handler: 'fill', inputs: { optional: ['node'] } } }))).toThrow(
      /names input\(s\) node that the request body does not have/,
    );
  });

  it('names an input that the body does not have', () => {
    expect(() => ir(spec({ '/x': post(obj({ a: { type: 'string' } })) }), tools({ x: { operation: 'POST /x', inputs: { omit: ['b'] } } }))).toThrow(
      /tool 'x' names input\(s\) b that the request body does not have/,
    );
  });

  it('keeps spec text as data: descriptions with quotes, backticks and ${} stay literal', () => {
    const evil = 'Ends here."); process.exit(1); ("` ${process.env.SECRET} */ <script>';
    const [tool] = ir(spec({ '/x': post(obj({ a: { type: 'string', description: evil } })) }), tools({ x: { operation: 'POST /x' } })).tools;
    expect((tool!.inputSchema.properties as Record<string, { description: string }>).a?.description).toContain('process.exit(1)');
  });

  it('derives a lenient output schema from the 200 response: scalars by name only, containers widened, open', () => {
    const response = obj({ ok: { type: 'boolean' }, when: { type: 'string', format: 'date-time' }, dict: { type: 'object' }, list: { type: 'array' } });
    const [tool] = ir(spec({ '/x': post(undefined, response) }), tools({ x: { operation: 'POST /x' } })).tools;
    expect(tool!.outputSchema).toEqual({
      type: 'object',
      properties: {
        ok: {},
        when: {},
        dict: { type: ['array', 'null', 'object'] },
        list: { type: ['array', 'null', 'object'] },
      },
    });
  });
});

describe('coverage: every operation mapped or excluded', () => {
  const base = { '/a/read': post(undefined), '/b/read': post(undefined) };

  it('fails on an unmapped operation, naming its path and pointer', () => {
    try {
      ir(spec(base), tools({ a: { operation: 'POST /a/read' } }));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(GenerationError);
      expect((error as GenerationError).problems).toEqual([expect.stringContaining('unmapped operation POST /b/read (#/paths/~1b~1read/post)')]);
    }
  });

  it('accepts an operation listed under excluded', () => {
    expect(ir(spec(base), tools({ a: { operation: 'POST /a/read' } }, { 'POST /b/read': 'not needed' })).tools).toHaveLength(1);
  });

  it('fails on a tool whose operation is gone, naming the tool and the path', () => {
    expect(() => ir(spec(base), tools({ a: { operation: 'POST /a/read' }, b: { operation: 'POST /b/read' }, c: { operation: 'POST /c/read' } }))).toThrow(
      /tool 'c' maps POST \/c\/read, which is not in the spec/,
    );
  });

  it('fails on an excluded operation that no longer exists', () => {
    expect(() => ir(spec(base), tools({ a: { operation: 'POST /a/read' }, b: { operation: 'POST /b/read' } }, { 'POST /gone': 'x' }))).toThrow(
      /excluded operation POST \/gone is not in the spec/,
    );
  });
});
