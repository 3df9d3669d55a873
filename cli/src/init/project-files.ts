/**
 * The files of a new rules project (`lua-rules init`): one example rule with its
 * fixtures and context schema, a README, a .gitignore and the editor
 * recommendations. The LuaLS files (`.luarc.json`, the meta file) are added by
 * the init command from core/src/luals, like `lua-rules luals` writes them.
 */

export const EXAMPLE_RULE = 'rules/order_approval.lua';

const CONTEXT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Rule context',
  description: 'The global `context` every rule reads: describe your own fields here.',
  type: 'object',
  properties: {
    order_id: { type: 'string', description: 'Identifier of the order, e.g. "order-42".' },
    amount: { type: 'number', minimum: 0, description: 'Order total in the account currency.' },
    customer: {
      type: 'object',
      description: 'Who placed the order.',
      properties: {
        tier: { enum: ['gold', 'silver', 'standard'], description: 'Loyalty tier.' },
        years: { type: 'integer', minimum: 0, description: 'Years as a customer.' },
      },
    },
  },
};

const RULE = `---@rule order_approval
---@category order
---@description Decides whether an order can be approved without a person, from its amount and the customer's tier.

-- Three tiers:
--   autonomous     up to 1,000 for gold customers
--   collaborative  up to 5,000
--   escalated      everything else (and orders without an amount)
local amount = context.amount
local tier = context.customer and context.customer.tier or "standard"

if amount == nil then
  return { decision = "escalated", confidence = 0.5, reasoning = "No amount given: a person decides" }
end

if amount <= 1000 and tier == "gold" then
  return {
    decision = "autonomous",
    confidence = 0.95,
    reasoning = string.format("Gold customer, amount %s within the automatic limit", amount),
  }
elseif amount <= 5000 then
  return {
    decision = "collaborative",
    confidence = 0.8,
    reasoning = string.format("Amount %s (%s customer): a second pair of eyes", amount, tier),
  }
end

return {
  decision = "escalated",
  confidence = 0.5,
  reasoning = string.format("Amount %s is above 5,000: a person decides", amount),
}
`;

const FIXTURES = {
  fixtures: [
    { name: 'gold-small-order', context: { order_id: 'order-1', amount: 800, customer: { tier: 'gold', years: 4 } }, expect: { decision: 'autonomous', confidence: 0.95 } },
    { name: 'medium-order', context: { order_id: 'order-2', amount: 2500, customer: { tier: 'silver', years: 1 } }, expect: { decision: 'collaborative', reasoning: 'second pair of eyes' } },
    { name: 'large-order', context: { order_id: 'order-3', amount: 12000, customer: { tier: 'gold', years: 9 } }, expect: { decision: 'escalated', confidence: { min: 0, max: 0.69 } } },
    { name: 'no-amount', context: { order_id: 'order-4' }, expect: { decision: 'escalated', reasoning: 'No amount' } },
  ],
};

const README = `# Rules

Business rules written in Lua, run by Lua Rules
in a sandbox (no files, no network, no clock; instruction, memory and time limits).

| file | what it is |
|---|---|
| \`rules/*.lua\` | the rules: each reads the global \`context\` and returns \`{ decision, confidence, reasoning }\` |
| \`rules/*.fixtures.json\` | beside each rule: contexts and what the rule must decide for them |
| \`rules/context.schema.json\` | the JSON Schema of \`context\`: edit it to describe your own fields |
| \`.luarc.json\`, \`rules/.luals/\` | settings and definitions for the Lua language server (LuaLS): regenerate with \`npx lua-rules luals\` after changing the schema |

## Test

\`\`\`sh
npx lua-rules test rules/      # every fixture; the last line is "N passed, N failed"
npx lua-rules check rules/     # the contract checks (missing return, bad decision, unknown context field...)
\`\`\`

## Run

\`\`\`sh
npx lua-rules run rules/order_approval.lua --fixture gold-small-order
echo '{"amount": 300, "customer": {"tier": "gold"}}' | npx lua-rules run rules/order_approval.lua --context - --json
\`\`\`

## Publish

Rules go live through a store (\`sqlite:<file>\` or \`postgres://...\`); publishing runs
the checks and fixtures first and refuses a rule that fails them.

\`\`\`sh
npx lua-rules publish rules/*.lua --store sqlite:.lua-rules/rules.db --author "$USER"
npx lua-rules serve --store sqlite:.lua-rules/rules.db     # an engine that picks up every publish
curl -s -X POST http://127.0.0.1:8080/v1/evaluate/order -H 'content-type: application/json' -d '{"amount": 300, "customer": {"tier": "gold"}}'
\`\`\`

## Editors

VS Code: install the recommended extensions (Lua Rules, and the Lua language server
if you want its completion too). Neovim and other editors: \`npx lua-rules lsp --stdio\`
is the language server; \`lua_ls\` reads \`.luarc.json\`.
`;

const GITIGNORE = `# the local rule store (sqlite:.lua-rules/rules.db)
.lua-rules/
# lua-rules test --coverage
coverage/
node_modules/
`;

const EXTENSIONS = { recommendations: ['lua-rules.lua-rules', 'sumneko.lua'] };

const json = (value: unknown): string => JSON.stringify(value, null, 2) + '\n';

/** The template files, by path relative to the new project (with /). */
export function projectFiles(): Map<string, string> {
  return new Map([
    ['README.md', README],
    ['.gitignore', GITIGNORE],
    ['.vscode/extensions.json', json(EXTENSIONS)],
    ['rules/context.schema.json', json(CONTEXT_SCHEMA)],
    [EXAMPLE_RULE, RULE],
    ['rules/order_approval.fixtures.json', json(FIXTURES)],
  ]);
}
