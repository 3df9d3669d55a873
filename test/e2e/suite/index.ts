/**
 * Entry point the extension host loads as `extensionTestsPath`: runs the mocha suite
 * inside the workbench with the real `vscode` API. Output goes to the console, which
 * the workbench forwards to the page (`codeAutomationLog`); the promise's outcome
 * becomes the exit code (`codeAutomationExit`). Also used by the @vscode/test-electron
 * runner (scripts/run-e2e-electron.mjs) where VS Code can be downloaded.
 */
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  const grep = process.env['LUA_RULES_E2E_GREP'];
  if (grep) mocha.grep(grep);
  mocha.suite.emit('pre-require', globalThis, 'workbench.suite', mocha);
  // Loaded after pre-require so describe/it are defined; bundled by esbuild.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('./workbench.suite');
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} e2e test${failures === 1 ? '' : 's'} failed`)) : resolve()));
  });
}
