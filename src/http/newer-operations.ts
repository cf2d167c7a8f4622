// C1 operations that Gatehouse serves although C1's OpenAPI document (../shared/c1-api/openapi.yaml)
// does not list them yet: they come from C1's newer SDKs (sdk-fields.md names their fields). The
// contract tests, which require every other served /api/v1 route to be in that document, let these by.
export const NEWER_SDK_OPERATIONS: ReadonlySet<string> = new Set([
  // POST /api/v1/tasks/{task_id}/action/update-grant-duration (TaskAuditView.grantDurationUpdated in sdk-fields.md).
  'c1.api.task.v1.TaskActionsService.UpdateGrantDuration',
]);
