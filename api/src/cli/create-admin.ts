// Creates the first administrator (or promotes an existing account with --promote).
//   node api/src/cli/create-admin.ts --email admin@example.org --name "Admin"      (password on stdin)
//   MAILLAGE_ADMIN_PASSWORD=… node api/src/cli/create-admin.ts --email … --name …
// It opens the same database as the server (DATABASE_URL, or the embedded PGlite folder:
// stop the server first in that mode, PGlite allows one process at a time).
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { createDb, type DbHandle } from '@maillage/sql';
import { hashPassword, PASSWORD_MAX, PASSWORD_MIN } from '../plugins/app/passwords.ts';
import { findUserByEmail, insertUser, setRole } from '../repositories/users.repository.ts';

const USAGE = `usage: node api/src/cli/create-admin.ts --email <address> [--name <display name>] [--promote]
  The password is read from MAILLAGE_ADMIN_PASSWORD, or else from the first line of stdin.
  --promote  make an existing account admin (its password is left as it is)`;

async function readPassword(): Promise<string> {
  const fromEnv = process.env.MAILLAGE_ADMIN_PASSWORD;
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) process.stderr.write('Mot de passe / password: ');
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

/** Runs the command; `open` gives the database (tests pass their own). Returns the exit code. */
export async function main(argv: string[], open: () => Promise<DbHandle> = createDb): Promise<number> {
  let values: { email?: string | undefined; name?: string | undefined; promote?: boolean | undefined; help?: boolean | undefined };
  try {
    ({ values } = parseArgs({ args: argv, options: { email: { type: 'string' }, name: { type: 'string' }, promote: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const email = values.email?.trim();
  if (!email || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    console.error(`--email: a valid e-mail address is needed\n${USAGE}`);
    return 2;
  }
  const handle = await open();
  try {
    const existing = await findUserByEmail(handle.db, email);
    if (existing) {
      if (!values.promote) {
        console.error(`an account already exists for ${email} (role ${existing.role}); add --promote to make it admin`);
        return 1;
      }
      await setRole(handle.db, existing.id, 'admin');
      console.log(`account ${existing.id} (${email}) is now admin`);
      return 0;
    }
    const password = await readPassword();
    if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
      console.error(`the password must have ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`);
      return 2;
    }
    const displayName = values.name?.trim() || 'Administration';
    const id = await insertUser(handle.db, { email, passwordHash: await hashPassword(password), displayName, role: 'admin' });
    console.log(`admin account ${id} created for ${email} (${handle.mode}: ${handle.location})`);
    return 0;
  } finally {
    await handle.close();
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
