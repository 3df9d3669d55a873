import type { CancellationToken, LanguageClient } from 'vscode-languageclient/node';
import type {
  ConvertRuleResult,
  HistoryResult,
  ImpactParams,
  ImpactResult,
  ListFixturesResult,
  PublishCheckResult,
  PublishParams,
  PublishResult,
  RollbackParams,
  ApproveParams,
  RuleSwitchParams,
  RuleSwitchResult,
  RunRuleParams,
  RunRuleResult,
  StoreOverviewResult,
  StoreStatus,
  VersionChangeResult,
  VersionContentResult,
} from '../../protocol/src/custom-messages';
import {
  ApproveRequest,
  ConvertRuleRequest,
  HistoryRequest,
  ImpactRequest,
  ListFixturesRequest,
  PublishCheckRequest,
  PublishRequest,
  RollbackRequest,
  RuleSwitchRequest,
  RunRuleRequest,
  StoreOverviewRequest,
  StoreStatusRequest,
  VersionContentRequest,
} from '../../protocol/src/custom-messages';

/** The server's custom requests (protocol/src/custom-messages.ts) as methods, refusing clearly when the server is not running. */
export class ServerApi {
  constructor(private readonly client: () => LanguageClient | undefined) {}

  /** Throws when there is no running server; every method is async, so callers get a rejected promise. */
  private running(): LanguageClient {
    const client = this.client();
    if (!client || !client.isRunning()) throw new Error('the Lua Rules language server is not running (see the "Lua Rules" output)');
    return client;
  }

  async listFixtures(uri: string): Promise<ListFixturesResult> {
    return this.running().sendRequest(ListFixturesRequest, { uri });
  }
  async runRule(params: RunRuleParams): Promise<RunRuleResult> {
    return this.running().sendRequest(RunRuleRequest, params);
  }
  async convert(uri: string): Promise<ConvertRuleResult> {
    return this.running().sendRequest(ConvertRuleRequest, { uri });
  }
  async storeStatus(): Promise<StoreStatus> {
    return this.running().sendRequest(StoreStatusRequest);
  }
  async storeOverview(): Promise<StoreOverviewResult> {
    return this.running().sendRequest(StoreOverviewRequest);
  }
  async impact(params: ImpactParams, token?: CancellationToken): Promise<ImpactResult> {
    return this.running().sendRequest(ImpactRequest, params, token);
  }
  async publishCheck(uri: string): Promise<PublishCheckResult> {
    return this.running().sendRequest(PublishCheckRequest, { uri });
  }
  async publish(params: PublishParams): Promise<PublishResult> {
    return this.running().sendRequest(PublishRequest, params);
  }
  async history(rule: string): Promise<HistoryResult> {
    return this.running().sendRequest(HistoryRequest, { rule });
  }
  async versionContent(rule: string, version: number): Promise<VersionContentResult> {
    return this.running().sendRequest(VersionContentRequest, { rule, version });
  }
  async rollback(params: RollbackParams): Promise<VersionChangeResult> {
    return this.running().sendRequest(RollbackRequest, params);
  }
  async approve(params: ApproveParams): Promise<VersionChangeResult> {
    return this.running().sendRequest(ApproveRequest, params);
  }
  /** Issue 14: Disable Rule… / Enable Rule. */
  async ruleSwitch(params: RuleSwitchParams): Promise<RuleSwitchResult> {
    return this.running().sendRequest(RuleSwitchRequest, params);
  }
}
