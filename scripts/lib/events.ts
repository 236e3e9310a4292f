/** AppConfig extension events as the forwarder posts them: the JSON body, signed with the association's secret. */
import { randomBytes } from 'node:crypto';
import { signatureHeader } from '../../src/intake/signature.js';

export interface EventTarget {
  eventsUrl: string;
  signingSecret: string;
  app: { id: string; name: string };
  profile: { id: string; name: string };
}

const invocationId = (): string => randomBytes(6).toString('hex');

/** The parameters AppConfig passes the forwarder (the app drops SigningSecret before storing). */
const parameters = (t: EventTarget) => ({ EventsUrl: t.eventsUrl, SigningSecret: t.signingSecret });

export function preCreateEvent(t: EventTarget, document: string, version: number, description: string): string {
  return JSON.stringify({
    InvocationId: invocationId(),
    Type: 'PreCreateHostedConfigurationVersion',
    Parameters: parameters(t),
    Application: { Id: t.app.id, Name: t.app.name },
    ConfigurationProfile: { Id: t.profile.id, Name: t.profile.name },
    Description: description,
    Content: Buffer.from(document, 'utf8').toString('base64'),
    ContentType: 'application/json',
    ContentVersion: String(version),
  });
}

export function deploymentEvent(t: EventTarget, version: number, deploymentNumber: number, type = 'OnDeploymentStart'): string {
  return JSON.stringify({
    InvocationId: invocationId(),
    Type: type,
    Parameters: parameters(t),
    Application: { Id: t.app.id, Name: t.app.name },
    Environment: { Id: 'bench01', Name: 'bench' },
    ConfigurationProfile: { Id: t.profile.id, Name: t.profile.name },
    Description: null,
    DeploymentNumber: String(deploymentNumber),
    ConfigurationVersion: String(version),
  });
}

/** Headers exactly as src/forwarder/deliver.ts sends them. */
export const signedHeaders = (secret: string, body: string): Record<string, string> => ({
  'content-type': 'application/json',
  'x-appconfig-signature': signatureHeader(secret, body),
});

export async function postEvent(t: EventTarget, body: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(t.eventsUrl, { method: 'POST', headers: signedHeaders(t.signingSecret, body), body });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : null };
}
