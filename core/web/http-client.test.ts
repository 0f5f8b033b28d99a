import { describe, expect, it } from '@jest/globals';
import { httpClientOptions, httpClientSchema } from './http-client';

describe('http client options: extra headers (a Mimir tenant)', () => {
  it('sends the configured headers beside the bearer token', () => {
    const cfg = httpClientSchema.parse({ headers: { 'X-Scope-OrgID': 'team-a' }, bearerToken: 's3cret' });
    expect(httpClientOptions(cfg, '/').headers).toEqual({
      'X-Scope-OrgID': 'team-a',
      Authorization: 'Bearer s3cret',
    });
  });

  it('refuses credentials smuggled in as a header, naming the right option', () => {
    const r = httpClientSchema.safeParse({ headers: { authorization: 'Bearer x' } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('set Authorization with basicAuth or bearerToken');
  });
});
