// The suite's statement check (refuseUnqualifiedComparison in test/helpers/infra.ts), which every
// core of the suite runs before each statement.
import { describe, expect, it } from 'vitest';
import { refuseUnqualifiedComparison } from '../helpers/infra.ts';

describe('refuseUnqualifiedComparison', () => {
  it('refuses two unqualified columns compared, and lets qualified ones and values through', () => {
    // The shape Drizzle wrote for GET app's owner subquery (src/modules/apps/store.ts).
    expect(() =>
      refuseUnqualifiedComparison(
        `select (select array_agg("user_id") from "app_owners" where "tenant_id" = "tenant_id" and "app_id" = "id") from "apps"`,
      ),
    ).toThrow('two unqualified columns compared ("tenant_id" = "tenant_id")');
    expect(() => refuseUnqualifiedComparison('update t set x = 1 where ("a" = "b")')).toThrow('("a" = "b")');
    for (const fine of [
      `select 1 from "app_owners" where "app_owners"."tenant_id" = "apps"."tenant_id"`,
      `select 1 from "apps" where "tenant_id" = $1 and "id" = $2`,
      `select 1 from "apps" where "apps"."id" = "x"`,
      `select 1 from t where "name" = 'x'`,
    ]) {
      expect(() => refuseUnqualifiedComparison(fine), fine).not.toThrow();
    }
  });
});
