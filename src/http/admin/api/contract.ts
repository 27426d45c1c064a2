/**
 * The admin API's answers as the Command Room reads them, each inferred from its route's handler
 * (ResponseOf), so the server's code is their one source: web/ imports these types only (the
 * `@keel/api` alias in web/tsconfig.json), and renaming a field a handler returns breaks the web
 * type check. Nothing here exists at run time.
 */
import type { AdminRole } from '../../../access/admin.js';
import type { adminsApi } from '../admins.js';
import type { alertsApi } from '../alerts.js';
import type { auditApi } from '../audit.js';
import type { infoApi } from '../config.js';
import type { dataApi } from '../data/index.js';
import type { keysApi } from '../keys.js';
import type { mcpApi } from '../mcp.js';
import type { redteamApi } from '../redteam.js';
import type { reportsApi } from '../reports.js';
import type { securityApi } from '../security.js';
import type { useCasesApi } from '../use-cases.js';
import type { valueApi } from '../value.js';
import type { ResponseOf } from './declare.js';
import type { capabilitiesApi } from './index.js';

type Item<L extends { data: readonly unknown[] }> = L['data'][number];

export type Role = AdminRole;
export type Whoami = ResponseOf<typeof infoApi, 'whoami'>;
export type Capabilities = ResponseOf<ReturnType<typeof capabilitiesApi>, 'capabilities'>;

export type KeyList = ResponseOf<typeof keysApi, 'list'>;
export type KeyInfo = ResponseOf<typeof keysApi, 'get'>;
export type CreatedKey = ResponseOf<typeof keysApi, 'create'>;
export type RotatedKey = ResponseOf<typeof keysApi, 'rotate'>;
export type AdminList = ResponseOf<typeof adminsApi, 'list'>;
export type AdminInfo = Item<AdminList>;

export type VerifyResult = ResponseOf<typeof auditApi, 'verify'>;
export type AuditPage = ResponseOf<typeof auditApi, 'list'>;
export type AuditEntry = Item<AuditPage>;

export type UseCaseList = ResponseOf<typeof useCasesApi, 'list'>;
export type UseCaseInfo = Item<UseCaseList>;
export type UseCaseStage = UseCaseInfo['stage'];
export type UseCaseDetail = ResponseOf<typeof useCasesApi, 'get'>;

export type AlertList = ResponseOf<typeof alertsApi, 'list'>;
export type Alert = ResponseOf<typeof alertsApi, 'get'>;
export type AlertState = Alert['state'];
export type Severity = Alert['severity'];

export type ValueReport = ResponseOf<typeof valueApi, 'report'>;
export type UseCaseValue = ValueReport['use_cases'][number];
export type ValueFigures = ValueReport['total'];
export type PeriodFigures = NonNullable<ValueReport['total_periods']>[number];
export type ForecastList = ResponseOf<typeof valueApi, 'forecasts'>;
export type SpendForecast = Item<ForecastList>;

export type UsageReport = ResponseOf<typeof reportsApi, 'usage'>;
export type UsageRow = Item<UsageReport>;
export type UsageMeasures = UsageReport['total'];
export type UsageDimension = UsageReport['by'][number];
export type TopReport = ResponseOf<typeof reportsApi, 'top'>;
export type TopRow = Item<TopReport>;
export type RefusalReport = ResponseOf<typeof reportsApi, 'refusals'>;
export type KeyActivityReport = ResponseOf<typeof reportsApi, 'keys'>;
export type KeyActivity = Item<KeyActivityReport>;
export type SecurityEvent = Item<ResponseOf<typeof securityApi, 'events'>>;
export type RedteamRunList = ResponseOf<typeof redteamApi, 'list'>;
export type RedteamRun = Item<RedteamRunList>;
export type RedteamRunDetail = ResponseOf<typeof redteamApi, 'get'>;
export type RedteamAttempt = RedteamRunDetail['worst'][number];
export type RedteamCategoryTally = RedteamRun['by_category'][number];

export type DatasetList = ResponseOf<typeof dataApi, 'listDatasets'>;
export type DatasetInfo = Item<DatasetList>;
export type DatasetVersionInfo = ResponseOf<typeof dataApi, 'getVersion'>;
export type DatasetProfile = NonNullable<DatasetVersionInfo['profile']>;
export type ColumnProfile = DatasetProfile['columns'][number];
export type VersionResults = ResponseOf<typeof dataApi, 'results'>;
export type DriftReport = VersionResults['drifts'][number]['report'];
export type ColumnDrift = DriftReport['columns'][number];
export type DataHealthInfo = ResponseOf<typeof dataApi, 'health'>;
export type MonitorStatus = DataHealthInfo['monitors'][number];
export type MonitorFeature = MonitorStatus['features'][number];
export type LineageGraphInfo = ResponseOf<typeof dataApi, 'lineage'>;
export type LineageNode = LineageGraphInfo['nodes'][number];

export type McpOverview = ResponseOf<typeof mcpApi, 'overview'>;
export type McpServer = McpOverview['servers'][number];
export type McpToolFigures = McpOverview['tools'][number];
export type McpKeyFigures = McpOverview['by_key'][number];
export type McpUseCaseFigures = McpOverview['by_use_case'][number];
export type McpApprovalList = ResponseOf<typeof mcpApi, 'approvals'>;
export type McpApproval = ResponseOf<typeof mcpApi, 'approval'>;
