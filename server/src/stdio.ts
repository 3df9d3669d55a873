import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './main';

/**
 * Starts the language server on stdin/stdout (what `lua-rules lsp --stdio` runs).
 * Run directly as a module (e.g. by vscode-languageclient's TransportKind.ipc), the
 * transport flags vscode-languageserver understands (--node-ipc, --socket=, --pipe=)
 * are honoured too.
 */
export function startStdioServer(): void {
  const otherTransport = process.argv.some((arg) => arg === '--node-ipc' || arg.startsWith('--socket=') || arg.startsWith('--pipe='));
  startServer(otherTransport ? createConnection(ProposedFeatures.all) : createConnection(ProposedFeatures.all, process.stdin, process.stdout));
}

if (require.main === module) startStdioServer();
