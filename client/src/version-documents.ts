import * as vscode from 'vscode';
import { LUA_RULE_SUFFIX, PATTERN_RULE_SUFFIX } from '../../core/src/rules-folder/file-names';
import type { ServerApi } from './server-api';

export const VERSION_SCHEME = 'lua-rules-version';

/** `lua-rules-version:/<rule>/v<N>.lua`: a stored version, opened read-only. */
export function versionUri(rule: string, version: number, kind: string): vscode.Uri {
  return vscode.Uri.from({ scheme: VERSION_SCHEME, path: `/${encodeURIComponent(rule)}/v${version}${kind === 'pattern' ? PATTERN_RULE_SUFFIX : LUA_RULE_SUFFIX}` });
}

export function parseVersionUri(uri: vscode.Uri): { rule: string; version: number } | undefined {
  const match = /^\/([^/]+)\/v(\d+)\./.exec(uri.path);
  return match ? { rule: decodeURIComponent(match[1]!), version: Number(match[2]) } : undefined;
}

/**
 * Stored versions as a read-only file system (registered with `isReadonly`), so the
 * editor refuses edits and saves: a published version is immutable. Content comes
 * from the store through the server; versions never change, so they are cached.
 */
export class VersionFileSystem implements vscode.FileSystemProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.emitter.event;
  private readonly cache = new Map<string, Uint8Array>();

  constructor(private readonly api: ServerApi) {}

  private async content(uri: vscode.Uri): Promise<Uint8Array> {
    const key = uri.toString();
    const cached = this.cache.get(key);
    if (cached) return cached;
    const wanted = parseVersionUri(uri);
    if (!wanted) throw vscode.FileSystemError.FileNotFound(uri);
    const result = await this.api.versionContent(wanted.rule, wanted.version);
    if (!result.ok) throw vscode.FileSystemError.FileNotFound(`${uri.path}: ${result.message}`);
    const bytes = new TextEncoder().encode(result.content);
    this.cache.set(key, bytes);
    return bytes;
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    if (!parseVersionUri(uri)) return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
    const bytes = await this.content(uri);
    return { type: vscode.FileType.File, ctime: 0, mtime: 0, size: bytes.byteLength, permissions: vscode.FilePermission.Readonly };
  }

  readFile(uri: vscode.Uri): Promise<Uint8Array> {
    return this.content(uri);
  }

  watch(): vscode.Disposable {
    return { dispose: () => undefined };
  }

  readDirectory(): [string, vscode.FileType][] {
    return [];
  }

  private readonly refuse = (uri: vscode.Uri): never => {
    throw vscode.FileSystemError.NoPermissions(`${uri.path}: a published version cannot be changed; publish a new one`);
  };
  createDirectory(uri: vscode.Uri): void {
    this.refuse(uri);
  }
  writeFile(uri: vscode.Uri): void {
    this.refuse(uri);
  }
  delete(uri: vscode.Uri): void {
    this.refuse(uri);
  }
  rename(uri: vscode.Uri): void {
    this.refuse(uri);
  }
}
