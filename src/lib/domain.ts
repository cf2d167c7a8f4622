// Tenant domains: host names, as clients type them before /api/v1 and as they appear in client ids.
// The port is the server's (GATEHOUSE_PUBLIC_PORT), never part of a tenant's name.

const HOST = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** A DNS host name (lowercase letters, digits, hyphens, dots), without a port. */
export const isHostName = (name: string): boolean => HOST.test(name);

/** Why `domain` (lowercased, trimmed) is not a tenant domain, or undefined when it is one. */
export function tenantDomainProblem(domain: string): string | undefined {
  const port = /^(.*):(\d*)$/.exec(domain);
  if (port && HOST.test(port[1])) {
    return (
      `"${domain}" has a port: a tenant domain is a host name without one (${port[1]}); ` +
      'the port belongs to the server: set GATEHOUSE_PUBLIC_PORT'
    );
  }
  if (!HOST.test(domain)) return `"${domain}" is not a host name`;
  return undefined;
}
