import * as vscode from 'vscode';
import { splitStorePassword } from '../../store/src/store-url';

const PASSWORD_KEY = 'luaRules.store.password';

/**
 * The store password lives in VS Code's SecretStorage (the OS keychain on desktop),
 * never in settings.json: a URL with a password typed into the settings is
 * rewritten without it and the password moved here.
 */
export class StoreSecrets {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  get(): Thenable<string | undefined> {
    return this.secrets.get(PASSWORD_KEY);
  }

  async set(password: string | undefined): Promise<void> {
    if (password) await this.secrets.store(PASSWORD_KEY, password);
    else await this.secrets.delete(PASSWORD_KEY);
  }

  get onDidChange(): vscode.Event<vscode.SecretStorageChangeEvent> {
    return this.secrets.onDidChange;
  }

  /** Moves a password found in `luaRules.store.url` into SecretStorage; true when it did. */
  async moveFromSettings(): Promise<boolean> {
    const config = vscode.workspace.getConfiguration('luaRules');
    const inspected = config.inspect<string>('store.url');
    let moved = false;
    const targets: [string | undefined, vscode.ConfigurationTarget][] = [
      [inspected?.globalValue, vscode.ConfigurationTarget.Global],
      [inspected?.workspaceValue, vscode.ConfigurationTarget.Workspace],
      [inspected?.workspaceFolderValue, vscode.ConfigurationTarget.WorkspaceFolder],
    ];
    for (const [value, target] of targets) {
      if (typeof value !== 'string') continue;
      const { url, password } = splitStorePassword(value.trim());
      if (password === undefined) continue;
      await this.set(password);
      await config.update('store.url', url, target);
      moved = true;
    }
    return moved;
  }

  /** Asks for the password (masked) and stores it; an empty answer removes it. */
  async prompt(): Promise<boolean> {
    const value = await vscode.window.showInputBox({ title: 'Lua Rules: store password', prompt: 'PostgreSQL password for luaRules.store.url (kept in SecretStorage; empty removes it)', password: true, ignoreFocusOut: true });
    if (value === undefined) return false;
    await this.set(value === '' ? undefined : value);
    return true;
  }
}
