import * as vscode from 'vscode';
import type { StoreStatus } from '../../protocol/src/custom-messages';

/** The store's state in the status bar: connected, unavailable (with why), or not configured. */
export class StoreStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('luaRules.store', vscode.StatusBarAlignment.Left, 10);
  status: StoreStatus | undefined;

  constructor() {
    this.item.name = 'Lua Rules store';
    this.item.command = 'luaRules.showStoreStatus';
    this.show(undefined, 'starting…');
  }

  show(status: StoreStatus | undefined, note?: string, tooltip?: string): void {
    this.status = status;
    if (!status) {
      this.item.text = `$(${tooltip ? 'shield' : 'database'}) Lua Rules: ${note ?? 'server not running'}`;
      this.item.tooltip = tooltip ?? note;
      this.item.backgroundColor = undefined;
    } else if (status.state === 'connected') {
      this.item.text = `$(database) ${status.backend === 'postgres' ? 'PostgreSQL' : 'SQLite'} store`;
      this.item.tooltip = `Lua Rules store: ${status.display}\nServer runtime: ${status.runtime}`;
      this.item.backgroundColor = undefined;
    } else if (status.state === 'unavailable') {
      this.item.text = '$(warning) Lua Rules store unavailable';
      this.item.tooltip = `${status.display}: ${status.message ?? 'unavailable'}\nServer runtime: ${status.runtime}`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else {
      this.item.text = '$(database) Lua Rules: no store';
      this.item.tooltip = 'Set luaRules.store.url to publish rules and see their history';
      this.item.backgroundColor = undefined;
    }
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
