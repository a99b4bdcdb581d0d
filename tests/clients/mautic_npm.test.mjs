// A real Mautic client library from npm (`mautic`, FieldControl's unofficial
// Node.js bindings) against a real spoor server: the calls its README shows,
// with HTTP Basic auth as a Mautic user would configure it.
//
// Started with `node --test tests/clients/`; SPOOR_BIN selects the binary.
// Each run has its own data directory, port 0 and a ready file; every wait
// has a deadline.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Mautic from 'mautic';
import { cli, startSpoor } from '../browser/harness.mjs';

// The browser suite's harness starts spoor and runs its CLI the same way.

let dataDir;
let spoor;
let user;
let client;

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spoor-mautic-npm-'));
  user = JSON.parse(await cli(['user', 'create', '--email', 'integrator@example.com',
    '--role', 'editor', '--data', dataDir]));
  assert.equal(typeof user.password, 'string');
  spoor = await startSpoor(dataDir, ['--api-basic-auth']);
  client = new Mautic({
    baseUrl: `${spoor.url}/api`,
    auth: { username: user.email, password: user.password },
  });
});

after(async () => {
  if (spoor) await spoor.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

// What the library returns: {status, data}, for errors too.
function expectContact(res, status, what) {
  assert.equal(res.status, status, `${what}: ${JSON.stringify(res.data)}`);
  assert.equal(typeof res.data.contact, 'object', what);
  return res.data.contact;
}

test('contacts: create, get, list by search, edit, editOrCreate, delete', async () => {
  // As the README shows it, owner included (Spoor has no owners: ignored).
  const created = expectContact(await client.contacts.create({
    firstname: 'Luiz', lastname: 'Freneda', email: 'Luiz@Freneda.example', owner: 1,
  }), 201, 'create');
  assert.ok(Number.isInteger(created.id) && created.id > 0);
  assert.equal(created.fields.all.email, 'luiz@freneda.example');
  assert.equal(created.fields.all.firstname, 'Luiz');
  assert.equal(created.fields.all.id, created.id);
  assert.equal(created.fields.core.email.value, 'luiz@freneda.example');
  assert.equal(created.points, 0);
  const id = created.id;

  // Creating the same email again updates that contact (200, same id).
  const again = expectContact(await client.contacts.create({
    email: 'luiz@freneda.example', city: 'Campinas',
  }), 200, 'create with a known email');
  assert.equal(again.id, id);
  assert.equal(again.fields.all.city, 'Campinas');
  assert.equal(again.fields.all.lastname, 'Freneda');

  const got = expectContact(await client.contacts.get(id), 200, 'get');
  assert.equal(got.id, id);
  assert.equal(got.fields.all.lastname, 'Freneda');

  const listed = await client.contacts.list({ search: 'email:luiz@freneda.example' });
  assert.equal(listed.status, 200);
  assert.equal(listed.data.total, '1');
  assert.deepEqual(Object.keys(listed.data.contacts), [String(id)]);
  assert.equal(listed.data.contacts[id].fields.all.firstname, 'Luiz');

  const none = await client.contacts.list({ search: 'email:nobody@freneda.example' });
  assert.equal(none.status, 200);
  assert.equal(none.data.total, '0');
  assert.deepEqual(none.data.contacts, {});

  // edit = PATCH: only the given fields change.
  const edited = expectContact(await client.contacts.edit(id, { firstname: 'Luis' }), 200, 'edit');
  assert.equal(edited.fields.all.firstname, 'Luis');
  assert.equal(edited.fields.all.lastname, 'Freneda');
  assert.equal(edited.fields.all.city, 'Campinas');

  // editOrCreate = PUT: an existing id is replaced as a whole...
  const replaced = expectContact(await client.contacts.editOrCreate(id, {
    email: 'luiz@freneda.example', firstname: 'Luiz',
  }), 200, 'editOrCreate (existing)');
  assert.equal(replaced.id, id);
  assert.equal(replaced.fields.all.firstname, 'Luiz');
  assert.ok(!replaced.fields.all.lastname, `lastname cleared: ${replaced.fields.all.lastname}`);
  assert.ok(!replaced.fields.all.city, `city cleared: ${replaced.fields.all.city}`);

  // ...and an unknown one creates a contact (201, with a new id).
  const made = expectContact(await client.contacts.editOrCreate(987654321, {
    email: 'new@freneda.example', lastname: 'Nova',
  }), 201, 'editOrCreate (unknown)');
  assert.notEqual(made.id, id);
  assert.equal(made.fields.all.lastname, 'Nova');

  // PATCH of an unknown id: 404 in Mautic's error shape.
  const missing = await client.contacts.edit(987654321, { firstname: 'X' });
  assert.equal(missing.status, 404);
  assert.equal(missing.data.errors[0].code, 404);
  assert.equal(missing.data.errors[0].message, 'Item was not found.');

  const deleted = expectContact(await client.contacts.delete(id), 200, 'delete');
  assert.equal(deleted.id, null);
  assert.equal(deleted.fields.all.email, 'luiz@freneda.example');
  const gone = await client.contacts.get(id);
  assert.equal(gone.status, 404);
  assert.equal(gone.data.errors[0].message, 'Item was not found.');
});

test('contacts: activity and UTM tags', async () => {
  const c = expectContact(await client.contacts.create({ email: 'utm@freneda.example' }), 201, 'create');
  const utm = await client.contacts.addUTMTags(c.id, {
    utm_campaign: 'spring', utm_source: 'newsletter', utm_medium: 'email',
    utm_content: 'header', utm_term: 'shoes',
  });
  assert.equal(utm.status, 200, JSON.stringify(utm.data));
  assert.equal(utm.data.contact.id, c.id);

  // Spoor keeps UTM tags on the contact's timeline.
  const activity = await client.contacts.getActivityEvents(c.id);
  assert.equal(activity.status, 200, JSON.stringify(activity.data));
  assert.ok(Array.isArray(activity.data.events));
  const hit = activity.data.events.find((e) => e.details.utm_campaign === 'spring');
  assert.ok(hit, JSON.stringify(activity.data.events));
  assert.equal(hit.contactId, c.id);
  assert.equal(hit.details.utm_source, 'newsletter');
  assert.equal(hit.details.utm_term, 'shoes');
});

test('wrong credentials and a bad payload answer in Mautic\'s error shape', async () => {
  const stranger = new Mautic({
    baseUrl: `${spoor.url}/api`, auth: { username: user.email, password: 'not-the-password' },
  });
  const denied = await stranger.contacts.list();
  assert.equal(denied.status, 401);
  assert.equal(denied.data.errors[0].code, 401);

  const bad = await client.contacts.create({ email: 'not an email' });
  assert.equal(bad.status, 400, JSON.stringify(bad.data));
  assert.equal(bad.data.errors[0].code, 400);
  assert.match(bad.data.errors[0].message, /^email: /);
  assert.ok(Array.isArray(bad.data.errors[0].details.email));
});
