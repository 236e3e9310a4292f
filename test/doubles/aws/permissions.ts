/** IAM as far as the double needs it: a key's allow list of actions, with `*` wildcards as in a policy. */
import type { KeySpec } from './state.js';
import { AwsFault } from './wire.js';

function matches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(action);
}

export function isAllowed(key: KeySpec, action: string): boolean {
  return key.allow === '*' || key.allow.some((p) => matches(p, action));
}

/** Throws AWS's AccessDeniedException, worded as IAM words it for an identity-based policy. */
export function requireAllowed(key: KeySpec, action: string, resourceArn: string): void {
  if (isAllowed(key, action)) return;
  throw new AwsFault(
    403,
    'AccessDeniedException',
    `User: ${key.userArn} is not authorized to perform: ${action} on resource: ${resourceArn} because no identity-based policy allows the ${action} action`,
  );
}
