import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './main';

/** Starts the language server on stdin/stdout (what `lua-rules lsp --stdio` runs). */
export function startStdioServer(): void {
  startServer(createConnection(ProposedFeatures.all, process.stdin, process.stdout));
}

if (require.main === module) startStdioServer();
