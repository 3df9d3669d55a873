import type { EngineServiceOptions } from '../../service/src/engine-service';
import type { Store } from '../../store/src';

/**
 * Options for an engine service started in a test's own process: every field the
 * service needs, with quiet defaults (no decision log, no circuit breaker, no output, a
 * heartbeat rarely), and the test's own choices on top. One place, so a field added to
 * EngineServiceOptions is added here once rather than in each test that starts one.
 */
export function serviceOptions(store: Store, storeUrl: string, dir: string, overrides: Partial<EngineServiceOptions> = {}): EngineServiceOptions {
  return {
    store,
    storeUrl,
    host: '127.0.0.1',
    port: 0,
    maxBodyBytes: 1 << 20,
    decisionLog: false,
    logLevel: 'silent',
    heartbeatIntervalMs: 60_000,
    requestTimeMs: 2000,
    breakerFailures: 0,
    breakerCoolDownMs: 30_000,
    maxPending: 256,
    graceMs: 5000,
    cwd: dir,
    stderr: () => undefined,
    ...overrides,
  };
}
