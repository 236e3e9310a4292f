import { describe, expect, it } from 'vitest';
import { ApiError, AuthenticationFailed } from '../../../src/http/errors.js';
import { errorPage } from '../../../src/http/error-page.js';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('errorPage', () => {
  it('tells the admin whose page ran out to reload it from Jira, without the reason the log keeps', () => {
    const page = errorPage(new AuthenticationFailed('jwt_expired', 'tenant-1'));
    expect(text(page)).toContain('This page could not confirm who you are');
    expect(text(page)).toContain('Reload the page from Jira.');
    expect(page).not.toContain('jwt_expired');
    expect(page).not.toContain('tenant-1');
  });

  it('shows a refusal in its own words, and an outage with the advice to come back', () => {
    expect(text(errorPage(new ApiError(403, 'not_site_admin', 'Only Jira site administrators can configure AppConfig feature flags.')))).toContain(
      'You cannot open this page Only Jira site administrators can configure AppConfig feature flags.',
    );
    expect(text(errorPage(new ApiError(503, 'database_unavailable', 'The app cannot reach its database right now; nothing was changed. Try again shortly.')))).toContain(
      'The app cannot show this page right now The app cannot reach its database right now; nothing was changed. Try again shortly. Reload the page in a minute.',
    );
  });

  it('escapes whatever the message holds', () => {
    const page = errorPage(new ApiError(400, 'invalid_issue', 'issueKey "<img src=x onerror=alert(1)>" is not a key'));
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('runs no inline script and loads only Jira\'s host script', () => {
    const page = errorPage(new ApiError(500, 'internal_error', 'Something went wrong on our side; please try again.'));
    expect([...page.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual(['<script src="https://connect-cdn.atl-paas.net/all.js" async>']);
    expect(text(page)).toContain('Error code: internal_error (HTTP 500)');
  });
});
