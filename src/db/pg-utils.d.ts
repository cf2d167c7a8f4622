// node-postgres's value mapping, which its own Query binds values with (untyped in @types/pg).
declare module 'pg/lib/utils.js' {
  export function prepareValue(value: unknown): unknown;
}
