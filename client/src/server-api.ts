import type { LanguageClient } from 'vscode-languageclient/node';
import type {
  ApproveParams,
  ConvertRuleResult,
  HistoryResult,
  ListFixturesResult,
  PublishCheckResult,
  PublishParams,
  PublishResult,
  RollbackParams,
  RunRuleParams,
  RunRuleResult,
  StoreOverviewResult,
  StoreStatus,
  VersionChangeResult,
  VersionContentResult,
} from '../../server/src/extension-protocol';
import {
  APPROVE_REQUEST,
  CONVERT_RULE_REQUEST,
  HISTORY_REQUEST,
  LIST_FIXTURES_REQUEST,
  PUBLISH_CHECK_REQUEST,
  PUBLISH_REQUEST,
  ROLLBACK_REQUEST,
  RUN_RULE_REQUEST,
  STORE_OVERVIEW_REQUEST,
  STORE_STATUS_REQUEST,
  VERSION_CONTENT_REQUEST,
} from '../../server/src/extension-protocol';

/** Typed calls to the server's custom requests (`extension-protocol.ts`). */
export class ServerApi {
  constructor(private readonly client: () => LanguageClient | undefined) {}

  private async request<R>(method: string, params: unknown): Promise<R> {
    const client = this.client();
    if (!client || !client.isRunning()) throw new Error('the Lua Rules language server is not running (see the "Lua Rules" output)');
    return client.sendRequest<R>(method, params);
  }

  listFixtures(uri: string): Promise<ListFixturesResult> {
    return this.request(LIST_FIXTURES_REQUEST, { uri });
  }
  runRule(params: RunRuleParams): Promise<RunRuleResult> {
    return this.request(RUN_RULE_REQUEST, params);
  }
  convert(uri: string): Promise<ConvertRuleResult> {
    return this.request(CONVERT_RULE_REQUEST, { uri });
  }
  storeStatus(): Promise<StoreStatus> {
    return this.request(STORE_STATUS_REQUEST, {});
  }
  storeOverview(): Promise<StoreOverviewResult> {
    return this.request(STORE_OVERVIEW_REQUEST, {});
  }
  publishCheck(uri: string): Promise<PublishCheckResult> {
    return this.request(PUBLISH_CHECK_REQUEST, { uri });
  }
  publish(params: PublishParams): Promise<PublishResult> {
    return this.request(PUBLISH_REQUEST, params);
  }
  history(rule: string): Promise<HistoryResult> {
    return this.request(HISTORY_REQUEST, { rule });
  }
  versionContent(rule: string, version: number): Promise<VersionContentResult> {
    return this.request(VERSION_CONTENT_REQUEST, { rule, version });
  }
  rollback(params: RollbackParams): Promise<VersionChangeResult> {
    return this.request(ROLLBACK_REQUEST, params);
  }
  approve(params: ApproveParams): Promise<VersionChangeResult> {
    return this.request(APPROVE_REQUEST, params);
  }
}
