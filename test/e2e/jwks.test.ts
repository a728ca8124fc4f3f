import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, connect, http, startGateway, tokenFor, type TestGateway } from '../support/gateway.js';
import { freePort } from '../support/ports.js';

let identityProvider: Server;
let gateway: TestGateway;
let signingKey: CryptoKey;

const sign = (key: CryptoKey, kid: string, sub = 'alice') =>
  new SignJWT({ name: 'Alice' }).setProtectedHeader({ alg: 'RS256', kid }).setSubject(sub).setExpirationTime('10m').sign(key);

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'campus-1', alg: 'RS256', use: 'sig' }] });
  const port = await freePort();
  identityProvider = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  await new Promise<void>((resolve) => identityProvider.listen(port, '127.0.0.1', resolve));
  gateway = await startGateway({ JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json` });
});
afterAll(async () => {
  await gateway?.stop();
  identityProvider?.close();
});

describe('tokens verified against a JWKS', () => {
  it('accepts an RS256 token of the identity provider, over HTTP and WebSocket', async () => {
    const token = await sign(signingKey, 'campus-1');
    expect((await http(gateway, '{ me { id name } }', {}, token)).data).toEqual({ me: { id: 'alice', name: 'Alice' } });
    const socket = connect(gateway, bearer(token));
    const me = socket.subscribe('{ me { id } }');
    await me.waitFor(1);
    expect(me.events[0]?.data).toEqual({ me: { id: 'alice' } });
    await socket.dispose();
  });

  it('refuses a token signed by another key, an unknown kid, and an HS256 token', async () => {
    const stranger = (await generateKeyPair('RS256')).privateKey;
    for (const token of [await sign(stranger, 'campus-1'), await sign(signingKey, 'campus-2'), await tokenFor('alice')]) {
      const response = await http(gateway, '{ me { id } }', {}, token);
      expect(response.status).toBe(401);
      expect(response.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    const socket = connect(gateway, bearer(await tokenFor('alice')));
    expect(await socket.closed).toBe(4403);
  });
});
