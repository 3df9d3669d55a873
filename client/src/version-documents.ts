import * as vscode from 'vscode';
import type { ServerApi } from './server-api';

export const VERSION_SCHEME = 'lua-rules-version';

/** `lua-rules-version:/<rule>/v<N>.lua`: a stored version, opened read-only. */
export function versionUri(rule: string, version: number, kind: string): vscode.Uri {
  return vscode.Uri.from({ scheme: VERSION_SCHEME, path: `/${encodeURIComponent(rule)}/v${version}${kind === 'pattern' ? '.rule.json' : '.lua'}` });
}

export function parseVersionUri(uri: vscode.Uri): { rule: string; version: number } | undefined {
  const match = /^\/([^/]+)\/v(\d+)\./.exec(uri.path);
  return match ? { rule: decodeURIComponent(match[1]!), version: Number(match[2]) } : undefined;
}

/** Serves stored versions from the store (through the server); documents of this scheme are read-only. */
export class VersionDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly api: ServerApi) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const wanted = parseVersionUri(uri);
    if (!wanted) throw new Error(`not a Lua Rules version: ${uri.toString()}`);
    const result = await this.api.versionContent(wanted.rule, wanted.version);
    if (!result.ok) throw new Error(result.message);
    return result.content;
  }
}
