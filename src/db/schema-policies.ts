// Policies (C1's c1.api.policy.v1.Policy): the steps a grant, revoke or certify task takes.
// Their trees (steps, rules, post actions) are JSONB in the API's own shape, validated by the
// policies service on write. Apps and entitlements name policies by tenant-scoped foreign keys
// (schema.ts), NO ACTION: a policy in use is not deleted. Migration 0011 adds a trigger on
// tenants that inserts each tenant's built-in policies (src/modules/policies/builtin.ts).
import { sql } from 'drizzle-orm';
import { boolean, check, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { created, updated } from './columns.ts';
import { tenants } from './schema.ts';

const TYPES = ['GRANT', 'REVOKE', 'CERTIFY', 'ACCESS_REQUEST', 'PROVISION'].map((t) => `'POLICY_TYPE_${t}'`).join(', ');

export const policies = pgTable(
  'policies',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    id: text('id').notNull(),
    displayName: text('display_name').notNull(),
    policyType: text('policy_type').notNull(),
    /** Key → {steps: [PolicyStep]}: the baseline key (the type in lower case) and the keys rules name. */
    policySteps: jsonb('policy_steps').$type<Record<string, { steps?: object[] }>>().notNull().default({}),
    /** [{condition, policyKey}], at most 16: the first whose condition holds picks the steps. */
    rules: jsonb('rules').$type<{ condition?: string; policyKey?: string }[]>().notNull().default([]),
    postActions: jsonb('post_actions').$type<{ certifyRemediateImmediately?: boolean }[]>().notNull().default([]),
    reassignTasksToDelegates: boolean('reassign_tasks_to_delegates').notNull().default(false),
    systemBuiltin: boolean('system_builtin').notNull().default(false),
    createdAt: created(),
    updatedAt: updated(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    check('policies_type_ck', sql`${t.policyType} in (${sql.raw(TYPES)})`),
    check(
      'policies_shape_ck',
      sql`jsonb_typeof(${t.policySteps}) = 'object' and jsonb_typeof(${t.rules}) = 'array' and jsonb_array_length(${t.rules}) <= 16 and jsonb_typeof(${t.postActions}) = 'array'`,
    ),
  ],
);
