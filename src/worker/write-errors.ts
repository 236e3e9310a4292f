/**
 * Typed failures of a Jira write that the worker's error handlers (error-handlers.ts) decide on. They
 * say what happened to the write, so nothing downstream has to read a URL to find out.
 */
import type { JiraError } from '../jira/index.js';

/**
 * A create whose answer never came (timeout, dropped connection, 500/502/504): Jira may have made the
 * issue. Its intent stays saved, so the retry looks for the issue before it creates anything.
 */
export class LostCreate extends Error {
  override readonly name = 'LostCreate';

  constructor(override readonly cause: JiraError) {
    super(`the answer to a create was lost (${cause.message}); the issue is looked for before it is created again`);
  }
}

/**
 * An edit (its fields, its comment and its sync property, in one call) whose answer never came: Jira may
 * have applied it, or may still be applying it. Its intent stays saved, so the retry reads the issue's
 * sync property before it writes again; the retry waits for Jira to have finished, or a read made while
 * the first call is still under way finds nothing and the comment would be posted twice.
 */
export class LostEdit extends Error {
  override readonly name = 'LostEdit';

  constructor(override readonly cause: JiraError) {
    super(`the answer to an edit was lost (${cause.message}); the issue is read before it is written again`);
  }
}

/**
 * A bulk create made some issues and refused others for a moment (429 or a 5xx per element): the
 * refused ones are tried again later; nothing was created for them.
 */
export class CreateDeferred extends Error {
  override readonly name = 'CreateDeferred';

  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(`Jira refused to create some issues for now (${status}): ${detail}`);
  }
}
