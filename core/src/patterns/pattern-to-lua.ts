import { BANDS } from '../model/decision';
import type { MetricPattern, PatternRuleDefinition, RegexPattern } from '../model/rule';
import { formatNumber, metricPath } from './evaluate-pattern-rule';
import { regexToLuaPattern } from './regex-to-lua-pattern';
import { luaFixed } from '../executor/stdlib/number-text';

/**
 * `lua-rules convert`: a Lua rule that gives exactly the results of a pattern rule
 * (decision, confidence and reasoning; proven by test/core/pattern-convert.test.ts
 * over generated contexts). Teams move frequently edited pattern
 * rules to Lua; this makes that move mechanical. Throws NotConvertible for a
 * regex that Lua patterns cannot express.
 */
export function patternRuleToLua(rule: PatternRuleDefinition): string {
  const lines: string[] = [`---@rule ${rule.name}`];
  if (rule.category !== undefined) lines.push(`---@category ${rule.category}`);
  if (rule.description !== undefined) lines.push(`---@description ${rule.description.replace(/\s+/g, ' ')}`);
  if (rule.threshold !== undefined) lines.push(`---@threshold ${rule.threshold}`);
  if (rule.consensus !== undefined) lines.push(`---@consensus ${rule.consensus}`);
  lines.push(
    `-- Converted from ${rule.origin} by \`lua-rules convert\`: same decision, confidence and reasoning.`,
    '',
    '-- Reads a path from the context; nil when any step is missing or not a table.',
    'local function get(value, ...)',
    '  for i = 1, select("#", ...) do',
    '    if type(value) ~= "table" then return nil end',
    '    value = value[select(i, ...)]',
    '  end',
    '  return value',
    'end',
    '',
    '-- Integers print as integers, other numbers with two decimals.',
    'local function num(n)',
    '  if n == 0 then return "0" end',
    '  if math.type(n) == "integer" then return string.format("%d", n) end',
    '  return string.format("%.2f", n)',
    'end',
    '',
    'local sum, parts = 0, {}',
    'local value, score',
  );
  for (const pattern of rule.patterns) {
    lines.push('');
    lines.push(...(pattern.type === 'metric' ? metricLua(pattern) : regexLua(pattern)));
    lines.push('sum = sum + score');
  }
  lines.push(
    '',
    `local confidence = sum / ${rule.patterns.length}`,
    'local decision = "escalated"',
    `if confidence >= ${BANDS.autonomous} then`,
    '  decision = "autonomous"',
    `elseif confidence >= ${BANDS.collaborative} then`,
    '  decision = "collaborative"',
    'end',
    '',
    'return {',
    '  decision = decision,',
    '  confidence = confidence,',
    '  reasoning = string.format("Pattern score %.2f: ", confidence) .. table.concat(parts, "; "),',
    '}',
    '',
  );
  return lines.join('\n');
}

/** A Lua string literal for any text (printable ASCII kept, the rest escaped by byte). */
export function luaString(text: string): string {
  let out = '"';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (byte >= 0x20 && byte < 0x7f) out += ch;
    else out += `\\${byte.toString().padStart(3, '0')}`;
  }
  return out + '"';
}

function luaNumber(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 2 ** 31 ? String(n) : String(n).includes('e') || String(n).includes('.') ? String(n) : `${n}.0`;
}

function pathArgs(path: string[]): string {
  return path.map(luaString).join(', ');
}

function metricLua(p: MetricPattern): string[] {
  const w = luaNumber(p.weight);
  const t = luaNumber(p.threshold);
  const name = p.metric;
  return [
    `-- metric ${name}: full weight at ${formatNumber(p.threshold)} or more`,
    `value = get(context, ${pathArgs(metricPath(name))})`,
    'if type(value) ~= "number" then',
    `  score = ${w} * 0.5`,
    `  parts[#parts + 1] = string.format(${luaString(`${name} missing scores %.2f`)}, score)`,
    `elseif value >= ${t} then`,
    `  score = ${w}`,
    `  parts[#parts + 1] = ${luaString(`${name} `)} .. num(value) .. ${luaString(` >= ${formatNumber(p.threshold)} scores ${luaFixed(p.weight, 2)}`)}`,
    'else',
    `  score = math.max(0, ${w} * value / ${t})`,
    `  parts[#parts + 1] = ${luaString(`${name} `)} .. num(value) .. string.format(${luaString(` < ${formatNumber(p.threshold).replace(/%/g, '%%')} scores %.2f`)}, score)`,
    'end',
  ];
}

function regexLua(p: RegexPattern): string[] {
  const { pattern, lowerSubject } = regexToLuaPattern(p.regex, p.flags);
  const w = luaNumber(p.weight);
  const subject = lowerSubject ? 'string.lower(value)' : 'value';
  return [
    `-- regex on ${p.field}: /${p.regex}/${p.flags ?? ''}`,
    `value = get(context, ${pathArgs(p.field.split('.'))})`,
    'if type(value) ~= "string" then',
    `  score = ${w} * 0.5`,
    `  parts[#parts + 1] = string.format(${luaString(`${p.field} missing scores %.2f`)}, score)`,
    `elseif string.find(${subject}, ${luaString(pattern)}) then`,
    `  score = ${w}`,
    `  parts[#parts + 1] = ${luaString(`${p.field} matches scores ${luaFixed(p.weight, 2)}`)}`,
    'else',
    '  score = 0',
    `  parts[#parts + 1] = ${luaString(`${p.field} does not match scores 0.00`)}`,
    'end',
  ];
}
