// Column helpers every schema file uses; here, apart from schema.ts, so that schema files that
// import each other (schema.ts ↔ schema-policies.ts) can load in either order.
import { timestamp } from 'drizzle-orm/pg-core';

export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date', precision: 3 });
export const created = () => ts('created_at').notNull().defaultNow();
export const updated = () => ts('updated_at').notNull().defaultNow();
