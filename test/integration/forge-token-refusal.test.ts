/**
 * When Jira refuses the stored Forge app system token (401), the installation's Jira work waits for
 * another token. What takes the refusal back, and what does not:
 * - Forge sending the very same token again with its own call (the hourly heartbeat): Forge still
 *   holds it valid, so the refusal was a passing one; the token is tried again.
 * - A refusal names the token Jira refused, not its issue time: a token stored in the same second
 *   (the `upgraded` event and a heartbeat together) is not marked refused with it.
 * - A page's call brings a fresh token while the stored one has expired without Jira having said so
 *   yet: the page's token is kept on standby and takes over the moment Jira refuses the stored one, so
 *   the page's own call succeeds instead of answering 503.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases.js';
import { startForgeHarness, type ForgeHarness } from '../support/forge-harness.js';
import { ForgeInstallations } from '../../src/forge/installations.js';
import { SEAL_PURPOSE, Sealer } from '../../src/secrets/sealed.js';
import { loadOperatorKey } from '../../src/secrets/signing-secrets.js';

describe.each(databaseKinds)('a Forge app system token Jira refused (%s)', (kind) => {
  let h: ForgeHarness;
  beforeAll(async () => {
    h = await startForgeHarness({ db: kind, worker: false });
  });
  afterAll(async () => {
    await h?.close();
  });

  const refusedAt = async () => (await h.service.models.ForgeInstallation.findByPk(h.inst.installationId))!.systemTokenRefusedAt;
  const projects = () => h.forgeApi('GET', '/api/jira/projects?query=F');

  it('is tried again when Forge sends the same token with its heartbeat', async () => {
    expect((await projects()).status).toBe(200);
    // Jira answers the stored (valid) token 401 once: it is marked refused, and the page gets 503.
    h.siteJira.faults.add({ status: 401, times: 1 });
    const refused = await h.forgeApi('GET', '/api/jira/projects?query=FL');
    expect(refused.status, refused.text).toBe(503);
    expect(await refusedAt()).not.toBeNull();
    // A page's call bringing the same token is no reason to trust it again...
    expect((await h.forgeApi('GET', '/api/jira/projects?query=FLA')).status).toBe(503);
    // ...Forge's own heartbeat bringing it is.
    expect((await h.forge.heartbeat(h.service.url, h.inst, { systemToken: h.inst.systemToken })).status).toBe(200);
    expect(await refusedAt()).toBeNull();
    expect((await projects()).status).toBe(200);
  });

  it('marks the refused token only, not another stored in the same second', async () => {
    // Another process of the app (the same database and operator key).
    const installations = new ForgeInstallations(h.service.db, h.service.models, new Sealer(loadOperatorKey(h.service.config), SEAL_PURPOSE.forgeAppToken));
    const issuedAt = Math.floor(Date.now() / 1000);
    expect(await installations.offerSystemToken(h.inst.installationId, 'token-one', issuedAt)).toBe(true);
    const first = await installations.systemToken(h.inst.installationId);
    expect(first.token).toBe('token-one');
    // Another Forge call of the same second stores its token (an equal issue time replaces)...
    expect(await installations.offerSystemToken(h.inst.installationId, 'token-two', issuedAt)).toBe(true);
    // ...then a Jira call made with the first comes back 401.
    await installations.markRefused(h.inst.installationId, first);
    expect(await refusedAt()).toBeNull();
    const second = await installations.systemToken(h.inst.installationId);
    expect(second.token).toBe('token-two');
    // A 401 to the token stored now does mark it.
    await installations.markRefused(h.inst.installationId, second);
    expect(await refusedAt()).not.toBeNull();
    // A token Jira takes, for the next test.
    expect(await installations.offerSystemToken(h.inst.installationId, h.forge.issueSystemToken(h.inst), issuedAt)).toBe(true);
  });

  it("takes the page's fresh token when the stored one turns out expired, and answers the page's call", async () => {
    expect((await projects()).status).toBe(200);
    // Hours pass without a heartbeat: the stored token expires. The page's call brings a fresh one.
    h.forge.expireSystemTokens(h.inst);
    h.forge.issueSystemToken(h.inst);
    const res = await h.forgeApi('GET', '/api/jira/projects?query=FLAG');
    expect(res.status, res.text).toBe(200);
    expect(await refusedAt()).toBeNull();
    expect((await projects()).status).toBe(200);
  });
});
