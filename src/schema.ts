/** What the app's zod schemas (AppConfig events, Configure request bodies) share. */

/** A field's own message for when it is left out; a value of the wrong type keeps zod's message. */
export const whenMissing = (message: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? message : undefined) });
