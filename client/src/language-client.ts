import type * as vscode from 'vscode';
import { LanguageClient, TransportKind } from 'vscode-languageclient/node';
import type { LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import { STORE_CWD_ENV, STORE_PASSWORD_ENV, STORE_URL_ENV } from '../../protocol/src/server-environment';
import type { RuntimeChoice } from './settings';

export interface ServerLaunch {
  /** dist/server.js inside the extension. */
  serverModule: string;
  runtime: RuntimeChoice & { ok: true };
  storeUrl: string;
  password: string | undefined;
  ruleGlobs: string[];
  /** The folder whose settings are used and against which a relative sqlite: path resolves (the first workspace folder). */
  folder: vscode.WorkspaceFolder | undefined;
  outputChannel: vscode.LogOutputChannel;
}

/**
 * The language client. The server runs as a separate Node process on the chosen
 * runtime; the store URL and password reach it through its environment, so the
 * password is never in settings.json, an LSP message or a trace.
 *
 * Nothing here outlives the client: the server registers the file watchers it needs
 * (`workspace/didChangeWatchedFiles`, dynamically) and the `luaRules` section it
 * listens to, and the client library disposes both when the client stops. (Passing a
 * watcher in `synchronize.fileEvents` would leave it to us to dispose on every
 * restart, and overlap the server's own registration; `configurationSection` is
 * deprecated in favour of the server pulling `workspace/configuration`.)
 */
export function createLanguageClient(launch: ServerLaunch): LanguageClient {
  const folder = launch.folder?.uri.fsPath;
  const env: NodeJS.ProcessEnv = { ...process.env, [STORE_URL_ENV]: launch.storeUrl, [STORE_PASSWORD_ENV]: launch.password ?? '', ...(folder ? { [STORE_CWD_ENV]: folder } : {}) };
  const run = { module: launch.serverModule, transport: TransportKind.stdio, ...(launch.runtime.runtime ? { runtime: launch.runtime.runtime } : {}), options: { env, ...(folder ? { cwd: folder } : {}) } };
  // When VS Code runs the extension in debug mode (.vscode/launch.json), the server
  // listens for a debugger on 6009 ("Attach to Language Server").
  const serverOptions: ServerOptions = { run, debug: { ...run, options: { ...run.options, execArgv: ['--nolazy', '--inspect=6009'] } } };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      ...launch.ruleGlobs.map((pattern) => ({ scheme: 'file', pattern })),
      { scheme: 'untitled', language: 'lua' },
      { scheme: 'file', pattern: '**/context*.schema.json' },
    ],
    outputChannel: launch.outputChannel,
    middleware: {
      // The server's fixture lenses only show a result (no command); clicking one
      // re-runs that fixture and prints the full result (Run Rule on Fixture).
      provideCodeLenses: async (document, token, next) => {
        const lenses = await next(document, token);
        return lenses?.map((lens) => {
          const fixture = lens.command?.arguments?.[0];
          if (lens.command && lens.command.command === '' && typeof fixture === 'string') {
            lens.command = { ...lens.command, command: 'luaRules.runOnFixture', arguments: [{ uri: document.uri, fixture }], tooltip: `Run ${fixture} again and show the result` };
          }
          return lens;
        });
      },
    },
  };
  return new LanguageClient('luaRules', 'Lua Rules', serverOptions, clientOptions);
}
