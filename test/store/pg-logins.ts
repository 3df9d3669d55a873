/**
 * Login roles for PostgreSQL tests (issue 14). On PostgreSQL the author of a write is
 * the database user, so a test that needs several people (an author and the others
 * who approve) needs a login for each: this sets up the store's group roles
 * (`migrate --roles`, as the owner URL given) and one login per person, member of the
 * group roles named, and hands back each one's URL.
 *
 *   const people = await createLogins(ownerUrl, { ann: ['lua_rules_author'], bob: ['lua_rules_approver'] });
 *   await cli(['approve', 'x', '--version', '1', '--store', people.url('bob')]);
 *
 * Roles are cluster-wide, so the login names carry a random suffix (`people.name('bob')`
 * is what the store records); the group roles are shared and created once.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type GroupRole } from '../../store/src';

export interface Logins {
  /** The store URL that logs in as this person. */
  url(who: string): string;
  /** The database user name, as the store records it. */
  name(who: string): string;
}

export async function createLogins(ownerUrl: string, people: Record<string, readonly GroupRole[]>): Promise<Logins> {
  const store = openStore(ownerUrl);
  try {
    await store.installRoles();
  } finally {
    await store.close();
  }
  const suffix = randomBytes(3).toString('hex');
  const urls = new Map<string, { name: string; url: string }>();
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    for (const [who, roles] of Object.entries(people)) {
      if (!/^[a-z][a-z0-9_]*$/.test(who)) throw new Error(`createLogins: '${who}' is not a plain lower-case name`);
      const name = `${who}_${suffix}`;
      const password = `pw-${randomBytes(6).toString('hex')}`;
      await client.query(`CREATE ROLE ${name} LOGIN PASSWORD '${password}'`);
      for (const role of roles) await client.query(`GRANT ${role} TO ${name}`);
      const url = new URL(ownerUrl);
      url.username = name;
      url.password = password;
      urls.set(who, { name, url: url.toString() });
    }
  } finally {
    await client.end();
  }
  const get = (who: string): { name: string; url: string } => {
    const found = urls.get(who);
    if (found === undefined) throw new Error(`createLogins: no login for '${who}' (made: ${[...urls.keys()].join(', ')})`);
    return found;
  };
  return { url: (who) => get(who).url, name: (who) => get(who).name };
}
