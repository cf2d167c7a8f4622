// Wire shapes of C1's WebhooksService and WebhooksSearch (c1.api.webhooks.v1).
import { type Static, Type } from '@sinclair/typebox';
import { WEBHOOK_STATES } from '../../db/schema-webhooks.ts';
import {
  Description,
  IdRefs,
  Name,
  pageResponse,
  SearchText,
  searchRequest,
  strictObject,
  Timestamp,
  updateRequest,
} from '../../http/schemas.ts';

/** A destination URL: checked by the service (destination.ts), which names the field. */
const Url = Type.String({ maxLength: 2048 });

export const Webhook = Type.Object({
  id: Type.String(),
  displayName: Type.String(),
  description: Type.Optional(Type.String()),
  url: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Webhook = Static<typeof Webhook>;

export const CreateWebhookRequest = strictObject({
  displayName: Name,
  url: Url,
  description: Type.Optional(Description),
  /** Newer SDKs (sdk-fields.md): how long a 202 answer may take to call back, a proto Duration ("3600s"). */
  callbackTimeout: Type.Optional(Type.String({ maxLength: 64 })),
});
export type CreateWebhookRequest = Static<typeof CreateWebhookRequest>;

export const WEBHOOK_WRITABLE = ['displayName', 'description', 'url'] as const;
export type WebhookWritable = (typeof WEBHOOK_WRITABLE)[number];
export const WEBHOOK_READ_ONLY = ['id', 'createdAt', 'updatedAt', 'deletedAt'];

/** The webhook of an update: read-only fields a client echoes back are accepted and ignored. */
export const WebhookInput = strictObject({
  displayName: Type.Optional(Name),
  description: Type.Optional(Description),
  url: Type.Optional(Url),
  id: Type.Optional(Type.String({ maxLength: 64 })),
  createdAt: Type.Optional(Type.String({ maxLength: 64 })),
  updatedAt: Type.Optional(Type.String({ maxLength: 64 })),
  deletedAt: Type.Optional(Type.String({ maxLength: 64 })),
});
export type WebhookInput = Static<typeof WebhookInput>;
export const UpdateWebhookRequest = updateRequest('webhook', WebhookInput);

export const SearchWebhooksRequest = searchRequest({ query: Type.Optional(SearchText), refs: Type.Optional(IdRefs) });
export type SearchWebhooksRequest = Static<typeof SearchWebhooksRequest>;

export const WebhookResponse = Type.Object({ webhook: Webhook });
export const WebhookListResponse = pageResponse(Webhook);

const Open = Type.Object({}, { additionalProperties: true });
export const WebhookInstance = Type.Object({
  id: Type.String(),
  webhookId: Type.String(),
  state: Type.String({ enum: [...WEBHOOK_STATES] }),
  attempts: Type.Integer(),
  source: Type.Object({
    test: Type.Optional(Open),
    approvalStep: Type.Optional(Type.Object({ ticketId: Type.String() })),
    provisionStep: Type.Optional(Type.Object({ ticketId: Type.String() })),
  }),
  spec: Type.Object({ destination: Type.String() }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  lastAttemptedAt: Type.Optional(Timestamp),
  completedAt: Type.Optional(Timestamp),
  expiresAt: Type.Optional(Timestamp),
});
export type WebhookInstance = Static<typeof WebhookInstance>;
export const TestWebhookResponse = Type.Object({ webhook: WebhookInstance });
