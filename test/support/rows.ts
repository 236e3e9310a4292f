/**
 * Rows written straight into the database by tests of the layers below the API (queue, intake batches,
 * flag states), where saving an association through the Configure API would test something else.
 */
import type { AssociationAttrs } from '../../src/db/models.js';

type AssociationFields = Pick<
  AssociationAttrs,
  | 'id'
  | 'clientKey'
  | 'projectKey'
  | 'issueType'
  | 'region'
  | 'accountId'
  | 'applicationId'
  | 'applicationName'
  | 'configurationProfileId'
  | 'configurationProfileName'
  | 'extensionIdentifier'
  | 'extensionAssociationId'
>;

/** An association of site `site`, project FLAG, with every field an association row needs. */
export function associationFields(id: string, overrides: Partial<AssociationFields> = {}): AssociationFields {
  return {
    id,
    clientKey: 'site',
    projectKey: 'FLAG',
    issueType: 'Task',
    region: 'eu-west-1',
    accountId: '123456789012',
    applicationId: `app-${id}`,
    applicationName: 'shop',
    configurationProfileId: 'profile',
    configurationProfileName: 'flags',
    extensionIdentifier: 'jira-flag-tracker',
    extensionAssociationId: 'x',
    ...overrides,
  };
}
