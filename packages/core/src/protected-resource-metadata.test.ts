import { describe, expect, it } from 'vitest';
import {
  canonicalResource,
  createProtectedResourceMetadata,
  protectedResourceMetadataUrl,
} from './protected-resource-metadata.js';

describe('Protected Resource Metadata (RFC 9728)', () => {
  it('puts the well-known segment between host and path', () => {
    expect(protectedResourceMetadataUrl('https://host.example/mcp').href).toBe(
      'https://host.example/.well-known/oauth-protected-resource/mcp',
    );
    expect(protectedResourceMetadataUrl('https://host.example/').href).toBe(
      'https://host.example/.well-known/oauth-protected-resource',
    );
    expect(protectedResourceMetadataUrl('http://127.0.0.1:8080/a/b').href).toBe(
      'http://127.0.0.1:8080/.well-known/oauth-protected-resource/a/b',
    );
  });

  it('canonicalizes the resource and refuses fragments', () => {
    expect(canonicalResource('HTTPS://Host.Example/mcp')).toBe('https://host.example/mcp');
    expect(canonicalResource('https://host.example/')).toBe('https://host.example');
    expect(() => canonicalResource('https://host.example/mcp#x')).toThrow(/fragment/);
  });

  it('builds the document', () => {
    expect(
      createProtectedResourceMetadata({
        resource: 'https://host.example/mcp',
        authorizationServers: ['https://issuer.example'],
        scopesSupported: ['files:read'],
        resourceName: 'Files',
      }),
    ).toEqual({
      resource: 'https://host.example/mcp',
      authorization_servers: ['https://issuer.example'],
      scopes_supported: ['files:read'],
      bearer_methods_supported: ['header'],
      resource_name: 'Files',
    });
    expect(() =>
      createProtectedResourceMetadata({ resource: 'https://h/mcp', authorizationServers: [] }),
    ).toThrow();
  });
});
