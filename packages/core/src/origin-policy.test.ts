import { describe, expect, it } from 'vitest';
import { createOriginPolicy } from './origin-policy.js';

describe('origin policy', () => {
  it('on loopback: allows its own and loopback origins and hosts, refuses others', () => {
    const policy = createOriginPolicy('http://127.0.0.1:8080/mcp');
    expect(policy.allowsOrigin(undefined)).toBe(true);
    expect(policy.allowsOrigin('http://localhost:8080')).toBe(true);
    expect(policy.allowsOrigin('http://evil.example')).toBe(false);
    expect(policy.allowsHost('LOCALHOST:8080')).toBe(true);
    expect(policy.allowsHost('evil.example:8080')).toBe(false);
    expect(policy.allowsHost(undefined)).toBe(false);
  });

  it('on a public host: checks origins, leaves Host to the proxy unless told', () => {
    const policy = createOriginPolicy('https://files.example.com/mcp');
    expect(policy.allowsOrigin('https://files.example.com')).toBe(true);
    expect(policy.allowsOrigin('http://files.example.com')).toBe(false);
    expect(policy.allowsHost('anything')).toBe(true);
    expect(
      createOriginPolicy('https://files.example.com/mcp', {
        allowedHosts: ['files.example.com'],
      }).allowsHost('other'),
    ).toBe(false);
  });

  it('a refused Host names the host expected and the two fixes behind a proxy', () => {
    expect(createOriginPolicy('http://127.0.0.1:8080/mcp').hostRefusal('127.0.0.1:8082')).toBe(
      'Forbidden: Host 127.0.0.1:8082 is not allowed; this server expects Host 127.0.0.1:8080 ' +
        '(the host of the resource URL http://127.0.0.1:8080/mcp). Behind a reverse proxy, either ' +
        'forward the Host clients use (nginx: proxy_set_header Host $http_host) and make the ' +
        'resource URL the one clients use, or set trustProxy: true so X-Forwarded-Host is checked instead',
    );
    const listed = createOriginPolicy('https://files.example.com/mcp', {
      allowedHosts: ['files.example.com', 'files.internal'],
    });
    expect(listed.hostRefusal(undefined)).toMatch(
      /^Forbidden: Host \(none\) is not allowed; this server expects Host one of files\.example\.com, files\.internal \(allowedHosts\)\./,
    );
  });
});
