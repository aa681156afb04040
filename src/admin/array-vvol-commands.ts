/**
 * VVol operations as vCenter drives them through VASA, for operators and tests:
 * create, delete, resize, metadata, show, query, snapshot, revert, fast and full
 * clone; binding to PEs for hosts.
 */
import { Command, Option } from 'commander';
import type { BindResult, UnbindResult } from '../array/binding';
import { hex4, vvolIdInDiskPath } from '../array/ids';
import { VVOL_TYPES, VvolType } from '../array/models';
import type { LogicalDisk } from '../array/types';
import { example } from './command-help';
import { ldDetail } from './format';
import { bindingList } from './format-tables';
import { constraints, keyValues, size } from './parse';
import { errorValue, ItemFailure, Output, run, Session } from './run';
import { capacity, kv } from './text';

function summary(ld: LogicalDisk): string[] {
  return [kv('VVOL ID', ld.vvolId ?? '---'), kv('LDN(h)', hex4(ld.ldn)), kv('LD Name', ld.name), kv('LD Capacity', capacity(ld.capacity))];
}

function show(s: Session, vvolId: string): Output {
  const d = s.engine.vvolDetail(vvolId);
  const meta = Object.entries(d.metadata).map(([k, v]) => `  ${k}=${v}`);
  return { value: d, text: [...ldDetail(d, s.engine.getPool(d.arrayId, d.poolNo)), '--- VVOL Metadata ---', ...(meta.length ? meta : ['  ---'])] };
}

function bindOutput(results: BindResult[]): Output {
  const failures: ItemFailure[] = [];
  const text: string[] = [];
  for (const r of results) {
    if (r.ok) text.push(`${r.vvolId}: bound to the PE ${hex4(r.handle.peLdn)}h (${r.handle.peId}), secondary id ${r.handle.secondaryId}`);
    else failures.push({ item: r.vvolId, error: r.error });
  }
  const value = results.map((r) => (r.ok ? r : { vvolId: r.vvolId, ok: false, error: errorValue(r.error) }));
  return { value, text, failures };
}

function unbindOutput(host: string, results: UnbindResult[]): Output {
  const failures: ItemFailure[] = [];
  const text: string[] = [];
  for (const r of results) {
    if (r.ok) text.push(`${r.vvolId}: unbound for the host ${host}`);
    else failures.push({ item: r.vvolId, error: r.error });
  }
  const value = results.map((r) => (r.ok ? r : { vvolId: r.vvolId, ok: false, error: errorValue(r.error) }));
  return { value, text, failures };
}

const metaOption = () => new Option('--meta <KEY=VALUE...>', 'metadata key/value pairs');

function addVvolGroup(array: Command): void {
  const vvol = array.command('vvol').description('VVol operations (create, delete, resize, meta, show, query, snapshot, revert, fastclone, clone)');

  example(vvol.command('create').description('create a VVol in a Storage Container (below 1 GB it is created with 1 GB and a warning)')
    .requiredOption('--pool <pool>', 'Storage Container: pool number (0000h) or name')
    .addOption(new Option('--type <type>', 'VVol type').choices(VVOL_TYPES).makeOptionMandatory())
    .requiredOption('--size <size>', 'size: <N>[m|g|t] (default unit g)', size)
    .option('--thick', 'reserve the whole capacity at creation')
    .addOption(metaOption())
    .action((o: { pool: string; type: VvolType; size: number; thick?: boolean; meta?: string[] }, cmd: Command) => run(cmd, (s) => {
      const c = s.engine.createVvol(s.ref, { pool: o.pool, type: o.type, sizeBytes: o.size, thick: !!o.thick, metadata: keyValues(o.meta) });
      return { value: c, text: summary(c.ld), warnings: c.warnings };
    })), 'vvol create --pool 0000h --type data --size 20g --meta VMW_VmID=vm-1');

  example(vvol.command('delete').description('delete a VVol (a snapshot VVol is deleted in the background)')
    .argument('<vvolId>', 'VVol id (naa.6…, as vSphere shows it)')
    .action((id: string, _o: unknown, cmd: Command) => run(cmd, (s) => {
      const r = s.engine.deleteVvol(id);
      const text = r.background ? `Deletion of the VVOL ${id} continues in the background${r.taskId ? ` (task ${r.taskId})` : ''}.` : `The VVOL ${id} was deleted.`;
      return { value: r, text };
    })), 'vvol delete naa.6…');

  example(vvol.command('resize').description('grow a VVol')
    .argument('<vvolId>', 'VVol id')
    .requiredOption('--size <size>', 'new size: <N>[m|g|t]', size)
    .action((id: string, o: { size: number }, cmd: Command) => run(cmd, (s) => {
      const ld = s.engine.resizeVvol(id, o.size);
      return { value: ld, text: summary(ld) };
    })), 'vvol resize naa.6… --size 40g');

  example(vvol.command('meta').description('set VVol metadata')
    .argument('<vvolId>', 'VVol id')
    .argument('<KEY=VALUE...>', 'metadata')
    .action((id: string, items: string[], _o: unknown, cmd: Command) => run(cmd, (s) => {
      const kv2 = keyValues(items);
      s.engine.updateVvolMetadata(id, kv2);
      return { value: s.engine.vvolDetail(id).metadata, text: `Updated ${Object.keys(kv2).length} metadata key(s) of the VVOL ${id}.` };
    })), 'vvol meta naa.6… VMW_VVolName=disk1');

  example(vvol.command('show').description('VVol detail (LD detail and metadata); also of the config-VVol a vSphere disk file path names (3.1.3)')
    .argument('<vvolId>', 'VVol id, or a disk file path "[container] naa.6…/disk.vmdk"')
    .action((id: string, _o: unknown, cmd: Command) => run(cmd, (s) => show(s, vvolIdInDiskPath(id) ?? id))), 'vvol show naa.6…', 'vvol show "[VVolDS] naa.6…/vm1.vmdk"');

  example(vvol.command('query').description('VVol ids whose metadata matches (KEY=VALUE, or KEY for presence); all arrays unless --array')
    .argument('[KEY=VALUE...]', 'constraints')
    .action((items: string[], _o: unknown, cmd: Command) => run(cmd, (s) => {
      const ids = s.engine.queryVvols(constraints(items), s.opts.array);
      return { value: ids, text: ids };
    })), 'vvol query VMW_VmID=vm-1');

  example(vvol.command('snapshot').description('take a snapshot (an ESV generation of the VVol)')
    .argument('<vvolId>', 'VVol id of the base volume')
    .addOption(metaOption())
    .action((id: string, o: { meta?: string[] }, cmd: Command) => run(cmd, (s) => {
      const esv = s.engine.snapshot(id, o.meta ? keyValues(o.meta) : undefined);
      return { value: esv, text: [kv('ESV Name', esv.name), kv('LDN(h)', hex4(esv.ldn)), kv('Generation', esv.generation ?? '-'), kv('VVOL ID', esv.vvolId ?? '---')] };
    })), 'vvol snapshot naa.6…');

  example(vvol.command('revert').description('make a VVol equal to one of its snapshots')
    .argument('<vvolId>', 'VVol id of the base volume')
    .argument('<snapshotVvolId>', 'VVol id of the snapshot')
    .action((id: string, snap: string, _o: unknown, cmd: Command) => run(cmd, (s) => {
      const ld = s.engine.revert(id, snap);
      return { value: ld, text: `The VVOL ${id} was reverted to the snapshot ${snap}.` };
    })), 'vvol revert naa.6… naa.6…');

  example(vvol.command('fastclone').description('fast (linked) clone: an FCV sharing the source\'s data')
    .argument('<vvolId>', 'source VVol id')
    .addOption(metaOption())
    .action((id: string, o: { meta?: string[] }, cmd: Command) => run(cmd, (s) => {
      const ld = s.engine.fastClone(id, { metadata: keyValues(o.meta) });
      return { value: ld, text: summary(ld) };
    })), 'vvol fastclone naa.6…');

  example(vvol.command('clone').description('full clone (DynamicDataReplication), copied in the background as a task')
    .argument('<vvolId>', 'source VVol id')
    .option('--pool <pool>', 'Storage Container for the copy (default: the source\'s)')
    .addOption(metaOption())
    .action((id: string, o: { pool?: string; meta?: string[] }, cmd: Command) => run(cmd, (s) => {
      const r = s.engine.fullClone(id, { pool: o.pool, metadata: keyValues(o.meta) });
      return { value: r, text: [...summary(r.ld), kv('Task ID', r.taskId)] };
    })), 'vvol clone naa.6… --pool 0001h');
}

export function addVvolCommands(array: Command): void {
  addVvolGroup(array);
  example(array.command('bind').description('bind VVols to a PE the host can see')
    .argument('<host>', 'ESXi host name')
    .argument('<vvolId...>', 'VVol ids')
    .action((host: string, ids: string[], _o: unknown, cmd: Command) => run(cmd, (s) => bindOutput(s.engine.bindVvols(host, ids)))),
  'bind esxi01 naa.6…');

  example(array.command('unbind').description('unbind VVols for a host')
    .argument('<host>', 'ESXi host name')
    .argument('<vvolId...>', 'VVol ids')
    .action((host: string, ids: string[], _o: unknown, cmd: Command) => run(cmd, (s) => unbindOutput(host, s.engine.unbindVvols(host, ids.map((vvolId) => ({ vvolId })))))),
  'unbind esxi01 naa.6…');

  example(array.command('unbind-all').description('drop every binding of a host (after it restarted)')
    .argument('<host>', 'ESXi host name')
    .action((host: string, _o: unknown, cmd: Command) => run(cmd, (s) => {
      const n = s.engine.unbindAllFromHost(host);
      return { value: { host, unbound: n }, text: `${n} binding(s) of the host ${host} were dropped.` };
    })), 'unbind-all esxi01');

  example(array.command('bindings').description('list the PE bindings of the array')
    .option('--host <host>', 'only bindings used by this host')
    .action((o: { host?: string }, cmd: Command) => run(cmd, (s) => {
      const b = s.engine.listBindings(s.ref, o.host);
      return { value: b, text: bindingList(b) };
    })), 'bindings --host esxi01');
}
