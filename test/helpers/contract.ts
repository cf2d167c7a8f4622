// Validates response bodies against C1's openapi.yaml (filled in by the contract work).
export function checkContract(_method: string, _path: string, _status: number, _body: unknown): void {}
