import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse as parseJsonc } from 'jsonc-parser';
import type { ValidateFunction } from 'ajv';
import * as luaparse from 'luaparse';
import { loadContextSchema, parseContextSchema } from '../../core/src/checker/context-schema';
import { FORBIDDEN_GLOBALS, FORBIDDEN_LIBRARY_MEMBERS, SAFE_BASE_FUNCTIONS, SAFE_LIBRARIES } from '../../core/src/executor/sandbox-globals';
import { configureLuals, findRulesFolders, LualsError, planLualsFiles } from '../../core/src/luals/configure-project';
import { LUALS_BUILTIN_LIBRARIES, LuarcError, mergeLuarc, newLuarc } from '../../core/src/luals/luarc';
import { generateMeta } from '../../core/src/luals/meta-file';
import { checkLuaRule } from '../../core/src/checker';
import { isLuaCatsMetaFile } from '../../core/src/model/lua-header';
import { luaRuleFromSource } from '../../core/src/rules-folder/rule-file';

const REPO = join(__dirname, '..', '..');
const EXPECTED_META = join(__dirname, 'expected', 'rules-context.meta.lua');

function exampleMeta(): string {
  const load = loadContextSchema(join(REPO, 'rules', 'context.schema.json'));
  assert.ok(load.ok);
  return generateMeta({ schema: load.schema, schemaFile: 'rules/context.schema.json' });
}

function schemaMeta(schema: unknown): string {
  const load = parseContextSchema(JSON.stringify(schema), 'test.schema.json');
  assert.ok(load.ok);
  return generateMeta({ schema: load.schema, schemaFile: 'test.schema.json' });
}

/** The part of a meta file between two section comments. */
function section(meta: string, from: string, to?: string): string {
  const start = meta.indexOf(from);
  assert.ok(start >= 0, `section ${from}`);
  const end = to === undefined ? meta.length : meta.indexOf(to, start);
  return meta.slice(start, end);
}

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lua-rules-luals-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('luals: the generated meta file', () => {
  it('for the example schema is exactly the expected file (test/core/expected/rules-context.meta.lua)', () => {
    // After a deliberate change to the generator: UPDATE_EXPECTED=1 npx tsx --test test/core/luals.test.ts
    if (process.env['UPDATE_EXPECTED'] === '1') writeFileSync(EXPECTED_META, exampleMeta());
    assert.equal(exampleMeta(), readFileSync(EXPECTED_META, 'utf8'));
  });

  it('is what lua-rules luals writes for a copy of the example project', () => {
    const project = join(dir, 'copy');
    cpSync(join(REPO, 'rules'), join(project, 'rules'), { recursive: true });
    configureLuals(project);
    assert.equal(readFileSync(join(project, 'rules', '.luals', 'lua-rules.lua'), 'utf8'), readFileSync(EXPECTED_META, 'utf8'));
  });

  it('is Lua that parses, and defines exactly the sandbox\'s globals and library members', () => {
    const meta = exampleMeta();
    const ast = luaparse.parse(meta, { luaVersion: '5.3' }) as unknown as { body: Array<Record<string, unknown>> };
    const globals = new Set<string>();
    const members = new Map<string, Set<string>>();
    for (const statement of ast.body) {
      if (statement['type'] === 'AssignmentStatement') {
        for (const target of statement['variables'] as Array<{ type: string; name?: string }>) if (target.type === 'Identifier') globals.add(target.name!);
      } else if (statement['type'] === 'FunctionDeclaration') {
        const id = statement['identifier'] as { type: string; name?: string; base?: { name: string }; identifier?: { name: string } };
        if (id.type === 'Identifier') globals.add(id.name!);
        else if (id.type === 'MemberExpression') {
          const set = members.get(id.base!.name) ?? new Set<string>();
          set.add(id.identifier!.name);
          members.set(id.base!.name, set);
        }
      }
    }
    // Library values (math.pi) are fields of the library class.
    for (const match of meta.matchAll(/---@class (\w+)lib\n((?:---@field .*\n)*)/g)) {
      const set = members.get(match[1]!) ?? new Set<string>();
      for (const field of match[2]!.matchAll(/---@field (\w+) /g)) set.add(field[1]!);
      members.set(match[1]!, set);
    }
    assert.deepEqual([...globals].sort(), ['context', '_G', '_VERSION', ...SAFE_BASE_FUNCTIONS, ...Object.keys(SAFE_LIBRARIES)].sort());
    for (const [library, names] of Object.entries(SAFE_LIBRARIES)) assert.deepEqual([...(members.get(library) ?? [])].sort(), [...names].sort(), library);
    assert.deepEqual([...members.keys()].sort(), Object.keys(SAFE_LIBRARIES).sort());
    for (const forbidden of Object.keys(FORBIDDEN_GLOBALS)) assert.ok(!globals.has(forbidden), forbidden);
    for (const member of Object.keys(FORBIDDEN_LIBRARY_MEMBERS)) assert.doesNotMatch(meta, new RegExp(`function ${member.replace('.', '\\.')}\\(`));
  });

  it('types the result contract: RuleResult and the three decisions as an alias', () => {
    const meta = exampleMeta();
    assert.match(meta, /---@alias Decision\n---\| "autonomous" # .*\n---\| "collaborative" # .*\n---\| "escalated" # .*\n/);
    assert.match(meta, /---@class RuleResult\n---@field decision Decision .*\n---@field confidence number .*\n---@field reasoning string .*\n/);
  });

  it('turns enums into aliases, arrays into T[], maps into table<string, T>, required fields into non-optional ones', () => {
    const meta = section(schemaMeta({
      type: 'object',
      required: ['id'],
      properties: {
        id: { type: 'string' },
        status: { enum: ['open', 'closed', 3, null], description: 'The status.\nSecond line.' },
        tags: { type: 'array', items: { type: 'string' } },
        items: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' } } } },
        scores: { type: 'object', additionalProperties: { type: 'number' } },
        maybe: { type: ['string', 'null'] },
        either: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
        'my-key': { type: 'boolean' },
        end: { type: 'number' },
        free: {},
        open: { type: 'object', properties: { a: { type: 'number' } }, additionalProperties: true },
      },
    }), '-- The context', '-- The sandbox');
    assert.equal(meta, [
      '-- The context',
      '',
      '---@class Context',
      '---@field id string',
      '---@field status? Context.status The status. Second line.',
      '---@field tags? string[]',
      '---@field items? Context.items.item[]',
      '---@field scores? table<string, number>',
      '---@field maybe? string?',
      '---@field either? string|integer',
      '---@field ["my-key"]? boolean',
      '---@field ["end"]? number',
      '---@field free? any',
      '---@field open? Context.open',
      '',
      '---The status. Second line.',
      '---@alias Context.status',
      '---| "open"',
      '---| "closed"',
      '---| 3',
      '---| nil',
      '',
      '---@class Context.items.item',
      '---@field sku? string',
      '',
      '---@class Context.open',
      '---@field a? number',
      '---@field [string] any',
      '',
      '---The context the rule is evaluated with (typed from test.schema.json).',
      '---@type Context',
      'context = {}',
      '',
      '',
    ].join('\n'));
  });

  it('follows $ref to one class per definition, and survives a recursive schema', () => {
    const meta = schemaMeta({
      type: 'object',
      definitions: { node: { type: 'object', properties: { value: { type: 'number' }, next: { $ref: '#/definitions/node' } } } },
      properties: { head: { $ref: '#/definitions/node' }, tail: { $ref: '#/definitions/node' }, broken: { $ref: '#/definitions/missing' } },
    });
    assert.match(meta, /---@field head\? Context\.node\n---@field tail\? Context\.node\n---@field broken\? any\n/);
    assert.match(meta, /---@class Context\.node\n---@field value\? number\n---@field next\? Context\.node\n/);
    assert.equal(meta.match(/---@class Context\.node\n/g)?.length, 1);
  });

  it('without a schema, context is an open table; category schemas add classes to cast to', () => {
    const category = parseContextSchema('{"type": "object", "properties": {"x": {"type": "number"}}}', 'context.epic.schema.json');
    assert.ok(category.ok);
    const meta = generateMeta({ categorySchemas: new Map([['epic', category.schema]]) });
    assert.match(meta, /---@class Context_epic\n---@field x\? number\n/);
    assert.match(meta, /local ctx = context --\[\[@as Context_epic\]\]/);
    assert.match(meta, /no context\.schema\.json: any fields\)\.\n---@type table<string, any>\ncontext = \{\}\n/);
  });
});

describe('luals: .luarc.json', () => {
  let validate: ValidateFunction;
  let settingsSchema: { properties: Record<string, { properties?: Record<string, unknown> }> };
  before(() => {
    settingsSchema = JSON.parse(readFileSync(join(REPO, 'schemas', 'luals', 'settings.schema.json'), 'utf8')) as typeof settingsSchema;
    // LuaLS's schema uses VS Code's keywords (markdownDescription, scope...): not strict.
    validate = new Ajv({ strict: false, allErrors: true }).compile(settingsSchema);
  });

  /** Every key path we write must name a setting the schema knows (the schema itself allows unknown keys). */
  function assertKnownKeys(value: Record<string, unknown>): void {
    for (const [section, settings] of Object.entries(value)) {
      if (section === '$schema') continue;
      const known = settingsSchema.properties[section];
      assert.ok(known, `unknown section ${section}`);
      for (const key of Object.keys(settings as Record<string, unknown>)) assert.ok(settingsSchema.properties[`${section}.${key}`], `unknown setting ${section}.${key}`);
    }
  }

  it('a new .luarc.json is valid against LuaLS\'s published settings schema (schemas/luals/)', () => {
    const value = JSON.parse(newLuarc({ library: ['rules/.luals'] })) as Record<string, unknown>;
    assert.equal(validate(value), true, JSON.stringify(validate.errors));
    assertKnownKeys(value);
    assert.deepEqual(value['runtime'], { version: 'Lua 5.3', builtin: Object.fromEntries(LUALS_BUILTIN_LIBRARIES.map((l) => [l, 'disable'])) });
    assert.deepEqual(value['diagnostics'], { globals: ['context'] });
    assert.deepEqual(value['workspace'], { library: ['rules/.luals'] });
  });

  it('the validation has teeth: a wrong version or library state is refused', () => {
    assert.equal(validate({ runtime: { version: 'Lua 9' } }), false);
    assert.equal(validate({ 'runtime.builtin': { io: 'off' } }), false);
    assert.equal(validate({ 'workspace.library': 'rules' }), false);
  });

  it('our list of LuaLS libraries is the schema\'s runtime.builtin (all but the basic types)', () => {
    const builtin = settingsSchema.properties['runtime.builtin']!.properties!;
    assert.deepEqual([...LUALS_BUILTIN_LIBRARIES].sort(), Object.keys(builtin).filter((k) => k !== 'builtin').sort());
  });

  it('a merge keeps the user\'s settings, comments and form, extends lists and stays valid', () => {
    const user = [
      '{',
      '    // team settings',
      '    "runtime.version": "Lua 5.4",',
      '    "runtime.builtin": { "io": "enable", "string": "default" },',
      '    "diagnostics": { "globals": ["vim", "context"], "disable": ["lowercase-global"] },',
      '    "workspace.library": ["lib/types"],',
      '    "hint.enable": true,',
      '    "completion": { "callSnippet": "Replace" }',
      '}',
      '',
    ].join('\n');
    const merged = mergeLuarc(user, { library: ['rules/.luals'] });
    assert.match(merged, /\/\/ team settings/);
    const parsed = parseJsonc(merged) as Record<string, unknown>;
    assert.equal(parsed['runtime.version'], 'Lua 5.3');
    assert.equal(parsed['runtime'], undefined, 'edits the dotted form the user has, adds no second one');
    assert.deepEqual(parsed['diagnostics'], { globals: ['vim', 'context'], disable: ['lowercase-global'] });
    assert.deepEqual(parsed['workspace.library'], ['lib/types', 'rules/.luals']);
    assert.equal(parsed['hint.enable'], true);
    assert.deepEqual(parsed['completion'], { callSnippet: 'Replace' });
    assert.equal((parsed['runtime.builtin'] as Record<string, string>)['io'], 'disable');
    assert.equal(Object.keys(parsed)[0], '$schema');
    assert.equal(validate(parsed), true, JSON.stringify(validate.errors));
    assert.equal(mergeLuarc(merged, { library: ['rules/.luals'] }), merged, 'a second merge changes nothing');
  });

  it('a broken .luarc.json is one clear error and is left untouched', () => {
    const cases: [string, RegExp][] = [
      ['{ "runtime": ', /\.luarc\.json:1: not valid JSON/],
      ['[1, 2]', /must hold a JSON object/],
      ['{"runtime": "5.3"}', /"runtime" must be an object/],
      ['{"diagnostics": {"globals": "context"}}', /"diagnostics\.globals" must be a list/],
      ['{"runtime.builtin": []}', /"runtime\.builtin" must be an object/],
    ];
    for (const [text, message] of cases) assert.throws(() => mergeLuarc(text, { library: ['x'] }), (e: unknown) => e instanceof LuarcError && message.test(e.message));

    const project = join(dir, 'broken-rc');
    mkdirSync(join(project, 'rules'), { recursive: true });
    writeFileSync(join(project, 'rules', 'context.schema.json'), '{"type": "object"}');
    writeFileSync(join(project, '.luarc.json'), '{ "runtime": ');
    assert.throws(() => configureLuals(project), LualsError);
    assert.equal(readFileSync(join(project, '.luarc.json'), 'utf8'), '{ "runtime": ');
  });
});

describe('luals: rules folders of a project', () => {
  it('are the folders with a context schema; without one, the topmost folders with rules', () => {
    const a = join(dir, 'folders-a');
    mkdirSync(join(a, 'team1', 'rules', 'sub'), { recursive: true });
    mkdirSync(join(a, 'team2'), { recursive: true });
    mkdirSync(join(a, 'node_modules', 'x'), { recursive: true });
    writeFileSync(join(a, 'team1', 'rules', 'context.schema.json'), '{}');
    writeFileSync(join(a, 'team1', 'rules', 'context.epic.schema.json'), '{}');
    writeFileSync(join(a, 'team2', 'context.schema.json'), '{}');
    writeFileSync(join(a, 'node_modules', 'x', 'context.schema.json'), '{}');
    assert.deepEqual(findRulesFolders(a).map((f) => [f.dir.slice(a.length), [...f.categorySchemaFiles.keys()]]), [['/team1/rules', ['epic']], ['/team2', []]]);

    const b = join(dir, 'folders-b');
    mkdirSync(join(b, 'rules', 'nested'), { recursive: true });
    writeFileSync(join(b, 'rules', 'a.lua'), 'return {}');
    writeFileSync(join(b, 'rules', 'nested', 'b.lua'), 'return {}');
    assert.deepEqual(findRulesFolders(b).map((f) => [f.dir.slice(b.length), f.schemaFile]), [['/rules', undefined]]);
    const planned = planLualsFiles(b);
    assert.match(planned[0]!.text, /---@type table<string, any>\ncontext = \{\}/);
    assert.deepEqual((JSON.parse(planned[1]!.text) as { workspace: { library: string[] } }).workspace.library, ['rules/.luals']);
  });

  it('a broken context schema stops before anything is written', () => {
    const project = join(dir, 'broken-schema');
    mkdirSync(join(project, 'rules'), { recursive: true });
    writeFileSync(join(project, 'rules', 'context.schema.json'), '{"type": ');
    assert.throws(() => configureLuals(project), (e: unknown) => e instanceof LualsError && /context schema .* is not valid JSON/.test(e.message));
    assert.throws(() => readFileSync(join(project, '.luarc.json')), /ENOENT/);
  });
});

describe('luals: rules and LuaLS annotations live together', () => {
  const typedRule = [
    '---@rule typed',
    '---@category epic',
    '',
    '---@param ctx Context',
    '---@return RuleResult',
    'local function decide(ctx)',
    '  local m = ctx.metrics or {} ---@type Context.metrics',
    '  return { decision = "escalated", confidence = 0.5, reasoning = tostring(m.wsjf_score) }',
    'end',
    'return decide(context)',
    '',
  ].join('\n');

  it('LuaCATS annotations in a rule\'s header are neither load errors nor warnings; typos of ours still are', () => {
    const loaded = luaRuleFromSource(typedRule, 'typed.lua', 'typed');
    assert.ok(loaded.ok, JSON.stringify(loaded));
    assert.equal(loaded.definition.category, 'epic');
    assert.deepEqual(checkLuaRule(typedRule).findings.map((f) => f.code), []);
    const typo = typedRule.replace('---@category', '---@categroy');
    assert.deepEqual(checkLuaRule(typo).findings.map((f) => f.code), ['invalid-annotation']);
  });

  it('the generated meta file is not checked as a rule (the editor may open it)', () => {
    assert.deepEqual(checkLuaRule(exampleMeta()).findings, []);
    assert.equal(isLuaCatsMetaFile(exampleMeta()), true);
    assert.equal(isLuaCatsMetaFile(typedRule), false);
  });

  it('so it is not a rule for run, test and publish either (no way around the checks)', () => {
    const loaded = luaRuleFromSource('---@meta\nreturn { decision = "autonomous", confidence = 1, reasoning = "x" }\n', 'x.lua', 'x');
    assert.deepEqual(loaded, { ok: false, errors: ['a LuaCATS definition file (it starts with ---@meta), not a rule'] });
  });
});

describe('luals: odd input', () => {
  it('a .luarc.json with a byte-order mark keeps it and merges', () => {
    const merged = mergeLuarc('\uFEFF{"hint.enable": true}', { library: ['x'] });
    assert.ok(merged.startsWith('\uFEFF{'));
    assert.equal((parseJsonc(merged.slice(1)) as Record<string, unknown>)['hint.enable'], true);
  });

  it('schema text cannot break out of a comment line or a string; colliding names get their own classes', () => {
    const meta = section(schemaMeta({
      type: 'object',
      properties: {
        'a-b': { type: 'object', properties: { x: { type: 'number' } } },
        a_b: { type: 'object', properties: { y: { type: 'number' } } },
        d: { type: 'string', description: 'one\n---@class Evil\nthree' },
        q: { enum: ['a"b\n---@class X'] },
        self: { $ref: '#' },
      },
    }), '-- The context', '-- The sandbox');
    assert.doesNotMatch(meta, /^---@class Evil|^---@class X/m);
    assert.match(meta, /---@field \["a-b"\]\? Context\.a_b\n---@field a_b\? Context\.a_b2\n/);
    assert.match(meta, /---@field self\? Context\n/);
    assert.match(meta, /---\| "a\\"b\\n---@class X"\n/);
    luaparse.parse(meta, { luaVersion: '5.3' });
  });
});
