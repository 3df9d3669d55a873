import type { Connection, InitializeParams, InitializeResult } from 'vscode-languageserver/node';
import {
  CodeActionKind,
  CodeLensRefreshRequest,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  TextDocuments,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { fixturesPathFor, isRuleFile, rulePathsFor, ruleFileKind } from '../../core/src/rules-folder/file-names';
import { quickFixes } from './code-actions';
import { Debouncer } from './debouncer';
import { DiagnosticsPublisher } from './diagnostics';
import { registerExtensionRequests } from './extension-requests';
import { FixtureScheduler } from './fixture-scheduler';
import type { FixtureRunReport } from './fixture-scheduler';
import { completionItems, fixtureLenses, hover, symbols } from './language-features';
import type { FixturesRanParams } from '../../protocol/src/custom-messages';
import { FixturesRanNotification } from '../../protocol/src/custom-messages';
import { SETTINGS_SECTION } from '../../protocol/src/settings';
import { RuleDocuments, uriToPath } from './rule-documents';
import { parseSettings } from './settings';
import { checkWorkspace } from './workspace-check';

/**
 * The Lua Rules language server: a thin LSP layer over the checker in core.
 * Diagnostics are debounced per document and published in one place; fixtures run
 * after edits without blocking requests; the workspace is checked once at startup.
 */
export function startServer(connection: Connection): void {
  const textDocuments = new TextDocuments(TextDocument);
  const documents = new RuleDocuments(textDocuments);
  const publisher = new DiagnosticsPublisher(connection);
  const checks = new Debouncer();
  let clientCapabilities: InitializeParams['capabilities'] = {};

  const fixtures = new FixtureScheduler(documents, (report: FixtureRunReport) => {
    const analysis = documents.analysis(report.ruleUri);
    if (analysis) {
      analysis.fixtureRun = report.run;
      analysis.fixtureVersion = report.version;
    }
    publisher.set(report.ruleUri, 'fixtures', report.run.ruleFindings);
    if (textDocuments.get(report.fixturesUri) || report.fixtureFileFindings.length > 0) publisher.set(report.fixturesUri, 'fixtures', report.fixtureFileFindings);
    const counts: FixturesRanParams = {
      uri: report.ruleUri,
      version: report.version,
      passed: report.run.outcomes.filter((o) => o.status === 'passed').length,
      failed: report.run.outcomes.filter((o) => o.status === 'failed').length,
      errors: report.run.outcomes.filter((o) => o.status === 'error').length,
    };
    void connection.sendNotification(FixturesRanNotification, counts);
    if (clientCapabilities.workspace?.codeLens?.refreshSupport) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
  });

  const checkNow = (uri: string): void => {
    const document = textDocuments.get(uri);
    if (!document) return;
    const analysis = documents.check(uri, document.getText(), document.version);
    publisher.set(uri, 'checks', analysis.findings, document.version);
  };

  const documentChanged = (document: TextDocument, immediately: boolean): void => {
    const uri = document.uri;
    if (immediately) checkNow(uri);
    else checks.schedule(uri, documents.settings.diagnosticsDelayMs, () => checkNow(uri));
    const path = uriToPath(uri) ?? uri;
    const kind = ruleFileKind(path);
    if (isRuleFile(path) && documents.text(fixturesPathFor(uri)) !== undefined) fixtures.schedule(uri, document.version);
    if (kind === 'fixtures') {
      for (const ruleUri of rulePathsFor(uri)) if (documents.text(ruleUri) !== undefined) fixtures.schedule(ruleUri, textDocuments.get(ruleUri)?.version ?? 0);
    }
    if (kind === 'context-schema') {
      documents.schemasChanged();
      for (const open of textDocuments.all()) if (open.uri !== uri) checks.schedule(open.uri, documents.settings.diagnosticsDelayMs, () => checkNow(open.uri));
    }
  };

  const loadSettings = async (): Promise<void> => {
    let raw: unknown;
    if (clientCapabilities.workspace?.configuration) {
      try {
        // The first folder's settings, as the extension reads its own (client/src/extension.ts): one server serves the window.
        raw = await connection.workspace.getConfiguration({ section: SETTINGS_SECTION, ...(settingsScope ? { scopeUri: settingsScope } : {}) });
      } catch {
        raw = undefined;
      }
    }
    const { settings, problems } = parseSettings(raw ?? initializationSettings);
    for (const problem of problems) connection.console.warn(problem);
    documents.settings = settings;
    documents.schemasChanged();
  };

  let initializationSettings: unknown;
  let settingsScope: string | undefined;

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    clientCapabilities = params.capabilities;
    const options = params.initializationOptions as { settings?: unknown } | undefined;
    initializationSettings = options?.settings;
    const roots = (params.workspaceFolders ?? []).map((f) => uriToPath(f.uri)).filter((p): p is string => p !== undefined);
    if (roots.length === 0 && params.rootUri) {
      const root = uriToPath(params.rootUri);
      if (root) roots.push(root);
    }
    documents.workspaceRoots = roots;
    settingsScope = params.workspaceFolders?.[0]?.uri ?? params.rootUri ?? undefined;
    documents.settings = parseSettings(initializationSettings).settings;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: ['.', '"', "'", '@', '='] },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        documentSymbolProvider: true,
        codeLensProvider: { resolveProvider: false },
      },
      serverInfo: { name: 'lua-rules', version: '0.1.0' },
    };
  });

  connection.onInitialized(async () => {
    if (clientCapabilities.workspace?.didChangeConfiguration?.dynamicRegistration) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION }).catch(() => undefined);
    }
    if (clientCapabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration) {
      void connection.client
        .register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.lua' }, { globPattern: '**/*.{rule,fixtures,schema}.json' }] })
        .catch(() => undefined);
    }
    await loadSettings();
    await checkWorkspace(connection, documents, publisher, (uri) => textDocuments.get(uri) !== undefined, clientCapabilities.window?.workDoneProgress === true);
  });

  connection.onDidChangeConfiguration(async (change) => {
    const settings = (change.settings as Record<string, unknown> | null | undefined)?.[SETTINGS_SECTION];
    if (settings !== undefined) initializationSettings = settings;
    await loadSettings();
    if (!documents.settings.runFixtures) {
      // Fixtures switched off: their findings and lenses go too.
      for (const uri of publisher.uris()) publisher.set(uri, 'fixtures', []);
      for (const document of textDocuments.all()) {
        const analysis = documents.analysis(document.uri);
        if (analysis) delete analysis.fixtureRun;
      }
      if (clientCapabilities.workspace?.codeLens?.refreshSupport) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
    }
    for (const document of textDocuments.all()) documentChanged(document, true);
  });

  connection.onDidChangeWatchedFiles((params) => {
    let schemaChanged = false;
    for (const change of params.changes) {
      const kind = ruleFileKind(uriToPath(change.uri) ?? change.uri);
      if (kind === 'context-schema') schemaChanged = true;
      if (!kind || kind === 'context-schema' || textDocuments.get(change.uri)) continue;
      // A closed rule file changed on disk (a pull, a checkout) or went away.
      if (change.type === FileChangeType.Deleted) {
        publisher.set(change.uri, 'checks', []);
        publisher.set(change.uri, 'fixtures', []);
      } else {
        const text = documents.text(change.uri);
        if (text !== undefined) publisher.set(change.uri, 'checks', documents.check(change.uri, text, 0, false).findings);
      }
      const ruleUris = kind === 'fixtures' ? rulePathsFor(change.uri) : kind === 'lua' || kind === 'pattern' ? [change.uri] : [];
      for (const ruleUri of ruleUris) {
        const open = textDocuments.get(ruleUri);
        if (open) fixtures.schedule(ruleUri, open.version);
      }
    }
    if (schemaChanged) {
      documents.schemasChanged();
      for (const document of textDocuments.all()) documentChanged(document, false);
    }
  });

  textDocuments.onDidOpen((event) => documentChanged(event.document, true));
  textDocuments.onDidChangeContent((event) => documentChanged(event.document, false));
  textDocuments.onDidClose((event) => {
    checks.cancel(event.document.uri);
    documents.forget(event.document.uri);
  });

  /** Completion, hover and symbols are for Lua rules; JSON files get their help from the JSON schemas. */
  const isLua = (uri: string): boolean => {
    const kind = ruleFileKind(uriToPath(uri) ?? uri);
    return kind === 'lua' || (kind === undefined && !uri.endsWith('.json'));
  };

  connection.onCompletion((params) => {
    const document = textDocuments.get(params.textDocument.uri);
    if (!document || !isLua(document.uri)) return [];
    return completionItems(document.getText(), params.position, documents.schemaFor(document.uri), documents.analysis(document.uri));
  });

  connection.onHover((params) => {
    const document = textDocuments.get(params.textDocument.uri);
    if (!document || !isLua(document.uri)) return null;
    return hover(document.getText(), params.position, documents.schemaFor(document.uri), documents.analysis(document.uri));
  });

  connection.onCodeAction((params) => quickFixes(params, publisher.get(params.textDocument.uri)));

  connection.onDocumentSymbol((params) => {
    const document = textDocuments.get(params.textDocument.uri);
    return document && isLua(document.uri) ? symbols(document.getText()) : [];
  });

  connection.onCodeLens((params) => fixtureLenses(documents.analysis(params.textDocument.uri)));

  // The VS Code extension's requests (runs, the store); in their own module.
  const extensionRequests = registerExtensionRequests(connection, documents);

  connection.onShutdown(async () => {
    await extensionRequests.dispose();
    checks.dispose();
    fixtures.dispose();
  });

  textDocuments.listen(connection);
  connection.listen();
}
