/** Seeds a running double from a plain JSON document (used by main.ts --seed and by demos). */
import type { AwsDouble } from './index.js';
import type { ExtensionParameterSpec, KeySpec, Scope } from './state.js';

export interface AwsSeed {
  keys?: KeySpec[];
  extensions?: ({ name: string; id?: string; description?: string; parameters: Record<string, ExtensionParameterSpec> } & Partial<Scope>)[];
  applications?: ({
    name: string;
    id?: string;
    profiles?: {
      name: string;
      type: string;
      id?: string;
      /** Content as text, or any other JSON value (stored as its JSON text). */
      versions?: { content: unknown; contentType?: string; description?: string }[];
    }[];
  } & Partial<Scope>)[];
  associations?: ({ extension: string; resourceArn: string; parameters: Record<string, string> } & Partial<Scope>)[];
}

/** Applies the seed; returns the IDs it created, by application and profile name. */
export function applySeed(double: AwsDouble, seed: AwsSeed): Record<string, { id: string; profiles: Record<string, string> }> {
  const created: Record<string, { id: string; profiles: Record<string, string> }> = {};
  for (const key of seed.keys ?? []) double.addKey(key);
  for (const ext of seed.extensions ?? []) double.addExtension(ext);
  for (const app of seed.applications ?? []) {
    const a = double.addApplication(app);
    created[app.name] = { id: a.id, profiles: {} };
    for (const profile of app.profiles ?? []) {
      const p = double.addProfile(a.id, profile);
      created[app.name]!.profiles[profile.name] = p.id;
      for (const v of profile.versions ?? []) {
        const content = typeof v.content === 'string' ? v.content : JSON.stringify(v.content, null, 2);
        double.addHostedVersion(a.id, p.id, content, { contentType: v.contentType, description: v.description });
      }
    }
  }
  for (const assoc of seed.associations ?? []) double.addExtensionAssociation(assoc);
  return created;
}
