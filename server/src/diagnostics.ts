import type { Connection, Diagnostic } from 'vscode-languageserver/node';
import { DiagnosticSeverity } from 'vscode-languageserver/node';
import type { Finding } from '../../core/src/checker';

/** Where a document's findings come from; each source replaces only its own. */
export type FindingSource = 'checks' | 'fixtures';

const SEVERITY: Record<Finding['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
};

/** A finding as an LSP diagnostic: the check id as `code`, the fix kept in `data` for code actions. */
export function toDiagnostic(finding: Finding): Diagnostic {
  return {
    range: finding.range,
    severity: SEVERITY[finding.severity],
    code: finding.code,
    source: 'lua-rules',
    message: finding.message,
    ...(finding.fix || finding.moreFixes ? { data: { ...(finding.fix ? { fix: finding.fix } : {}), ...(finding.moreFixes ? { moreFixes: finding.moreFixes } : {}) } } : {}),
  };
}

/**
 * The one place that publishes diagnostics. The checks and the fixture runs report
 * here separately; every publish sends the union for the document, so a fixture run
 * never wipes the checks' findings or the other way round.
 */
export class DiagnosticsPublisher {
  private readonly findings = new Map<string, Map<FindingSource, Finding[]>>();

  constructor(private readonly connection: Connection) {}

  set(uri: string, source: FindingSource, findings: Finding[], version?: number): void {
    let sources = this.findings.get(uri);
    if (!sources) {
      sources = new Map();
      this.findings.set(uri, sources);
    }
    sources.set(source, findings);
    this.publish(uri, version);
  }

  /** Every document that has findings from any source. */
  uris(): string[] {
    return [...this.findings.keys()];
  }

  get(uri: string): Finding[] {
    return [...(this.findings.get(uri)?.values() ?? [])].flat();
  }

  private publish(uri: string, version?: number): void {
    const diagnostics = this.get(uri).map(toDiagnostic);
    void this.connection.sendDiagnostics({ uri, ...(version !== undefined ? { version } : {}), diagnostics });
  }
}
