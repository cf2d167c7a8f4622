import type { Core } from '../../core.ts';
import { searchRoute } from '../../http/routes.ts';
import type { Api } from '../../http/types.ts';
import { ListEventsRequest, ListEventsResponse } from './schemas.ts';

export async function systemLogRoutes(api: Api, core: Core): Promise<void> {
  searchRoute(
    api,
    '/systemlog/events',
    {
      operationId: 'c1.api.systemlog.v1.SystemLogService.ListEvents',
      tags: ['System Log'],
      summary: 'List system log events',
      description:
        "The tenant's system log: one OCSF 1.3 event per change made through the API, the CLI, imports, syncs and the " +
        'background sweep (API Activity, class 6003), and one per token request (Authentication, class 3002), each ' +
        'written in the same transaction as its change. Ascending by default (`sortDirection`); `since` (inclusive) and ' +
        '`until` (exclusive) filter by time; `sinceEventUid` gives the events after that one and `untilEventUid` those ' +
        'up to it (inclusive), so a reader that passes the last `metadata.uid` it saw as `sinceEventUid` misses nothing ' +
        'and gets nothing twice, also while events are being written: an event is listed only once every transaction ' +
        'that could come before it has ended. A bad uid or timestamp is a 400 naming the field. Paged by ' +
        '`pageSize`/`pageToken`. Super Administrators and Read-Only Super Administrators only (`systemlog:read`). ' +
        'See docs/systemlog.md.',
      body: ListEventsRequest,
      response: ListEventsResponse,
    },
    (tenantId, body, page) => core.services.systemLog.list(tenantId, body, page),
  );
}
