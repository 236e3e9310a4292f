/**
 * Rows written straight into the database by tests of the layers below the API (queue, intake batches,
 * flag states), where saving an association through the Configure API would test something else.
 */
import type { Optional } from 'sequelize';
import type { AssociationAttrs, AssociationOptional } from '../../src/db/models.js';

/** What creating an association row takes: its attributes, less those the database fills in. */
type NewAssociation = Optional<AssociationAttrs, AssociationOptional>;

/** An association of site `site`, project FLAG, with every field an association row needs. */
export function associationFields(id: string, overrides: Partial<NewAssociation> = {}): NewAssociation {
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
