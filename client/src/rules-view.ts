import * as vscode from 'vscode';
import { readableTime } from './format-time';
import type { StoreRuleSummary } from '../../protocol/src/custom-messages';
import type { ServerApi } from './server-api';

type Node =
  | { kind: 'category'; name: string; rules: StoreRuleSummary[] }
  | { kind: 'rule'; rule: StoreRuleSummary }
  | { kind: 'pending'; rule: StoreRuleSummary; pending: StoreRuleSummary['pending'][number] }
  | { kind: 'engine'; rule: StoreRuleSummary; engine: StoreRuleSummary['servedBy'][number] }
  | { kind: 'message'; text: string };

/** The rule a tree item stands for, handed to the item's commands (history, rollback, approve). */
export interface RuleNodeArgument {
  rule: string;
  version?: number;
}

/**
 * The "Lua Rules" view: the store's rules by category, each with its live version,
 * status, pending approvals and the engines serving it (from their heartbeats).
 * Refreshed when the server reports a change in the store, and every 30 s for the
 * heartbeats (which are not changes).
 */
export class RulesView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly timer: NodeJS.Timeout;
  /** The rules of the last refresh, for tests and quick picks. */
  rules: StoreRuleSummary[] = [];

  constructor(private readonly api: ServerApi) {
    this.timer = setInterval(() => this.refresh(), 30_000);
  }

  refresh(): void {
    this.changed.fire(undefined);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) {
      let overview;
      try {
        overview = await this.api.storeOverview();
      } catch (e) {
        return [{ kind: 'message', text: (e as Error).message }];
      }
      if (!overview.ok) return [{ kind: 'message', text: overview.message }];
      this.rules = overview.rules;
      if (overview.rules.length === 0) return [{ kind: 'message', text: 'No rules published yet' }];
      const byCategory = new Map<string, StoreRuleSummary[]>();
      for (const rule of overview.rules) byCategory.set(rule.category, [...(byCategory.get(rule.category) ?? []), rule]);
      return [...byCategory.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, rules]) => ({ kind: 'category', name, rules }));
    }
    if (node.kind === 'category') return node.rules.map((rule) => ({ kind: 'rule', rule }));
    if (node.kind === 'rule') return [...node.rule.pending.map((pending) => ({ kind: 'pending' as const, rule: node.rule, pending })), ...node.rule.servedBy.map((engine) => ({ kind: 'engine' as const, rule: node.rule, engine }))];
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'message':
        return new vscode.TreeItem(node.text);
      case 'category': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
        item.iconPath = new vscode.ThemeIcon('folder');
        item.description = `${node.rules.length} rule${node.rules.length === 1 ? '' : 's'}`;
        return item;
      }
      case 'rule': {
        const r = node.rule;
        const hasChildren = r.pending.length > 0 || r.servedBy.length > 0;
        const item = new vscode.TreeItem(r.name, hasChildren ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
        const live = r.liveVersion === null ? 'no live version' : `v${r.liveVersion}`;
        // Short: the sidebar is narrow. Kind, latest version and description are in the tooltip.
        item.description = `${r.liveVersion === null ? 'not live' : `v${r.liveVersion} live`}${r.pending.length > 0 ? ` · ${r.pending.length} pending` : ''}`;
        item.tooltip = `${r.name} (${r.kind})\n${r.description ?? ''}\nlive: ${live}, latest: v${r.headVersion}, status: ${r.status}`;
        item.iconPath = new vscode.ThemeIcon(r.pending.length > 0 ? 'watch' : 'symbol-function');
        item.contextValue = r.pending.length > 0 ? 'rule-pending' : 'rule';
        // Issue 14: a disabled rule says so first (no engine evaluates it), and offers Enable instead of Disable.
        if (r.disabled) {
          item.description = `disabled · ${item.description}`;
          item.tooltip += `\nDISABLED by ${r.disabled.by} at ${r.disabled.at}${r.disabled.message ? `: ${r.disabled.message}` : ''}`;
          item.iconPath = new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground'));
          item.contextValue = `${item.contextValue}-disabled`;
        }
        item.id = `rule:${r.name}`;
        item.command = { command: 'luaRules.showHistory', title: 'Show History', arguments: [{ rule: r.name } satisfies RuleNodeArgument] };
        return item;
      }
      case 'pending': {
        const p = node.pending;
        const item = new vscode.TreeItem(`v${p.version} pending`);
        item.description = `needs ${p.approvalsMissing} approval${p.approvalsMissing === 1 ? '' : 's'}`;
        item.tooltip = `v${p.version} by ${p.author}${p.message ? `: ${p.message}` : ''}\n${p.approvalsMissing} approval${p.approvalsMissing === 1 ? '' : 's'} missing; click to approve`;
        item.iconPath = new vscode.ThemeIcon('person-add');
        item.contextValue = 'pending';
        item.command = { command: 'luaRules.approve', title: 'Approve', arguments: [{ rule: node.rule.name, version: p.version } satisfies RuleNodeArgument] };
        return item;
      }
      case 'engine': {
        const e = node.engine;
        const item = new vscode.TreeItem(`${e.host}: v${e.version}`);
        item.description = e.status;
        item.iconPath = new vscode.ThemeIcon(e.status === 'running' ? 'server-process' : 'debug-stop');
        item.tooltip = `engine ${e.engineId} on ${e.host} serves v${e.version}; ${e.status}, last heartbeat ${readableTime(e.lastSeen)} (${e.lastSeen})`;
        return item;
      }
    }
  }

  /** Issue 14 (tests): the tree item of one rule, from a fresh overview. */
  async itemOf(name: string): Promise<vscode.TreeItem | undefined> {
    for (const category of await this.getChildren()) {
      for (const node of await this.getChildren(category)) if (node.kind === 'rule' && node.rule.name === name) return this.getTreeItem(node);
    }
    return undefined;
  }

  dispose(): void {
    clearInterval(this.timer);
    this.changed.dispose();
  }
}
