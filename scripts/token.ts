/** Prints a development token: `npm run token -- <userId> [name] [--roles admin,service]`. */
import { signDevToken } from '../src/auth/dev-token.js';
import { ConfigError, loadConfig } from '../src/config.js';

const args = process.argv.slice(2);
const rolesFlag = args.indexOf('--roles');
const roles = rolesFlag >= 0 ? (args.splice(rolesFlag, 2)[1] ?? '').split(',').filter(Boolean) : [];
const [userId, ...nameParts] = args;

if (!userId) {
  console.error('usage: npm run token -- <userId> [name] [--roles admin,service]');
  process.exit(2);
}

try {
  const { auth } = loadConfig();
  if (!auth.jwtSecret) {
    console.error('JWT_SECRET is not set: tokens of a JWKS deployment come from its identity provider.');
    process.exit(2);
  }
  const name = nameParts.join(' ') || undefined;
  console.log(await signDevToken({ userId, name, roles, secret: auth.jwtSecret }));
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
