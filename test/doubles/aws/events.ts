/**
 * The extension events the double raises, shaped like the payload AppConfig hands an extension's
 * action (see test/fixtures/event-pre-create.json). Only PreCreateHostedConfigurationVersion is raised.
 */
export interface ExtensionEvent {
  InvocationId: string;
  Type: 'PreCreateHostedConfigurationVersion';
  Parameters: Record<string, string>;
  Application: { Id: string; Name: string };
  ConfigurationProfile: { Id: string; Name: string };
  Description?: string;
  Content: string;
  ContentType: string;
  ContentVersion: string;
}

export interface ExtensionEventMeta {
  associationId: string;
  extensionId: string;
  extensionName: string;
  accountId: string;
  region: string;
}

export type ExtensionEventListener = (event: ExtensionEvent, meta: ExtensionEventMeta) => void | Promise<void>;

export class EventHub {
  private readonly listeners = new Set<ExtensionEventListener>();

  on(cb: ExtensionEventListener): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Awaits every listener: a PRE_* action is synchronous, and one that fails blocks the save. */
  async emit(event: ExtensionEvent, meta: ExtensionEventMeta): Promise<void> {
    for (const cb of [...this.listeners]) await cb(event, meta);
  }
}
