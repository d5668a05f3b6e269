// The contract build: solc-js from npm, run as `npm run build:contracts` does, into a temp file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Interface } from 'ethers';
import { CONTRACT_NAMES } from '../../electron/core/chain/artifacts';

const build = (out: string, ...flags: string[]) => execFileSync(process.execPath, ['scripts/build-contracts.mjs', '--out', out, ...flags], { encoding: 'utf8' });

test('the contracts compile deterministically, with an event for every state change, and an unchanged build is skipped', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dstudio-contracts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const a = join(dir, 'a.json');
  assert.match(build(a), /compiled with solc 0\.8\.28/);
  // A second, independent compile of the same inputs: the workspace's own build output when it is
  // of these very inputs (saves a compile), otherwise a fresh one.
  const own = 'resources/contracts/build/contracts.json';
  const inputHash = (f: string) => (JSON.parse(readFileSync(f, 'utf8')) as { inputHash: string }).inputHash;
  let b = own;
  if (!existsSync(own) || inputHash(own) !== inputHash(a)) {
    b = join(dir, 'b.json');
    assert.match(build(b, '--force'), /compiled/);
  }
  assert.equal(readFileSync(a, 'utf8'), readFileSync(b, 'utf8'), 'same sources, same bytes');

  const before = statSync(a).mtimeMs;
  assert.match(build(a), /up to date/);
  assert.equal(statSync(a).mtimeMs, before, 'an up-to-date build leaves the file alone');

  const out = JSON.parse(readFileSync(a, 'utf8')) as { contracts: Record<string, { abi: unknown[]; bytecode: string }> };
  assert.deepEqual(Object.keys(out.contracts).sort(), [...CONTRACT_NAMES].sort());
  const events = (name: string) => {
    const names: string[] = [];
    new Interface(out.contracts[name]!.abi as never).forEachEvent((e) => names.push(e.name));
    return names;
  };
  assert.deepEqual(events('DatanetRegistry').sort(), ['DatanetOwnershipTransferred', 'DatanetRegistered', 'SnapshotPublished']);
  assert.deepEqual(events('ModelRegistry'), ['AdapterRegistered']);
  assert.deepEqual(events('AttributionRegistry'), ['ReceiptsAnchored', 'RevocationAnchored']);
  assert.ok(['EpochPublished', 'Claimed', 'EIP712DomainChanged', 'OwnershipTransferred'].every((e) => events('RewardDistributor').includes(e)));
  for (const name of CONTRACT_NAMES) assert.ok(out.contracts[name]!.bytecode.length > 100, `${name} has creation code`);
});
