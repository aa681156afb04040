/**
 * Writes the relation model as the Table D-1 document (see model.ts for how the table
 * is read). VMs go out in pages: the VVol names and namespaces of one page come from
 * one metadata query, are written, and are dropped before the next page.
 */
import { hex4 } from '../array/ids';
import { FILE_VERSION, INFO_TYPE, RelationModel, RelationSource, VmEntry } from './model';
import { xmlTime } from './paths';
import type { Attrs, XmlStreamWriter } from './xml-writer';

const NAME_KEY = 'VMW_VVolName';
const NAMESPACE_KEY = 'VMW_VVolNamespace';

export interface DocumentTimes {
  startedAt: number;
  /** Read when everything else is written: the finish time of the collection. */
  finishedAt: () => number;
}

export interface DocumentOptions {
  vCenterServer: string;
  /** About how many VVols' metadata one page fetches. */
  pageVvols?: number;
}

type Page = ReturnType<RelationSource['ldsById']>;

function membersOf(vm: VmEntry): number[] {
  const out: number[] = [];
  if (vm.config !== null) out.push(vm.config);
  out.push(...vm.data);
  if (vm.swap !== null) out.push(vm.swap);
  out.push(...vm.memory);
  return out;
}

/** The LD number, VVOL name (VMW_VVolName, else the LD name) and namespace of a member; undefined if it was deleted meanwhile. */
function describeLd(page: Page, ldId: number): { id: string; name: string; namespace: string } | undefined {
  const ld = page.get(ldId);
  if (!ld) return undefined;
  return { id: hex4(ld.ldn), name: ld.metadata[NAME_KEY] ?? ld.name, namespace: ld.metadata[NAMESPACE_KEY] ?? '' };
}

function list<T>(w: XmlStreamWriter, tag: string, items: readonly T[], each: (item: T) => void): void {
  if (items.length === 0) return w.leaf(tag);
  w.start(tag);
  for (const it of items) each(it);
  w.end();
}

/** An element whose children are `id` leaves (snapshot, rv); a leaf when it has none. */
function withIdChildren(w: XmlStreamWriter, tag: string, attrs: Attrs, children: [string, number[] | undefined][]): void {
  if (children.every(([, ldns]) => !ldns?.length)) return w.leaf(tag, attrs);
  w.start(tag, attrs);
  for (const [name, ldns] of children) for (const ldn of ldns ?? []) w.leaf(name, [['id', hex4(ldn)]]);
  w.end();
}

function writeVm(w: XmlStreamWriter, vm: VmEntry, page: Page, model: RelationModel): void {
  const described = (ids: number[]) => ids.flatMap((ld) => {
    const d = describeLd(page, ld);
    return d ? [{ ld, ...d }] : [];
  });
  w.start('VM', [['name', vm.name], ['id', vm.id]]);
  const config = vm.config === null ? undefined : describeLd(page, vm.config);
  if (config) withIdChildren(w, 'configVVOL', [['Id', config.id], ['name', config.name]], [['rv', model.children.get(vm.config as number)?.rvs]]);
  list(w, 'dataList', described(vm.data), (d) => {
    const c = model.children.get(d.ld);
    withIdChildren(w, 'dataVVOL', [['id', d.id], ['name', d.name], ['namespace', d.namespace]], [['snapshot', c?.snapshots], ['rv', c?.rvs]]);
  });
  const swap = vm.swap === null ? undefined : describeLd(page, vm.swap);
  if (swap) w.leaf('swapVVOL', [['id', swap.id], ['name', swap.name], ['namespace', swap.namespace]]);
  list(w, 'memoryList', described(vm.memory), (m) => w.leaf('memoryVVOL', [['id', m.id], ['name', m.name], ['namespace', m.namespace]]));
  if (vm.source) w.leaf('fastcloneSourceVM', [['name', model.vmNames.get(vm.source) ?? vm.source]]);
  list(w, 'fastcloneTargetList', vm.targets ?? [], (t) => w.leaf('fastcloneTargetVM', [['name', model.vmNames.get(t) ?? t]]));
  w.end();
}

async function writeVms(w: XmlStreamWriter, source: RelationSource, model: RelationModel, all: VmEntry[], pageVvols: number): Promise<void> {
  if (all.length === 0) return w.leaf('validVVOLList');
  w.start('validVVOLList');
  let i = 0;
  while (i < all.length) {
    const vms: VmEntry[] = [];
    const ids: number[] = [];
    while (i < all.length && (ids.length < pageVvols || vms.length === 0)) {
      const vm = all[i++];
      vms.push(vm);
      ids.push(...membersOf(vm));
    }
    const page = source.ldsById(ids, [NAME_KEY, NAMESPACE_KEY]);
    for (const vm of vms) {
      writeVm(w, vm, page, model);
      await w.drain();
    }
  }
  w.end();
}

async function writeUnmanaged(w: XmlStreamWriter, model: RelationModel): Promise<void> {
  const u = model.unmanaged;
  w.start('unManageVVOLList');
  if (u.invalid.length === 0) w.leaf('invalidVVOLList');
  else {
    w.start('invalidVVOLList');
    for (const ldn of u.invalid) {
      w.leaf('invalidVVOL', [['id', hex4(ldn)]]);
      await w.drain();
    }
    w.end();
  }
  if (u.deleting.length + u.cloning.length === 0) w.leaf('actionVVOLList');
  else {
    w.start('actionVVOLList');
    for (const d of u.deleting) {
      w.leaf('deletingVVOL', [['id', hex4(d.ldn)], ['deletingTime', xmlTime(d.since)]]);
      await w.drain();
    }
    for (const c of u.cloning) {
      w.leaf('cloningVVOL', [['id', hex4(c.ldn)], ['cloningTime', xmlTime(c.since)]]);
      await w.drain();
    }
    w.end();
  }
  for (const rv of u.rvs) {
    w.leaf('rvVVOLList', [['id', hex4(rv.ldn)], ['type', rv.type], ['mvVMid', rv.mvVmId]]);
    await w.drain();
  }
  w.end();
}

/** The unManageVVOLList of a datacenter after the first: its lists, empty. */
function writeNoUnmanaged(w: XmlStreamWriter): void {
  w.start('unManageVVOLList');
  w.leaf('invalidVVOLList');
  w.leaf('actionVVOLList');
  w.end();
}

/** Writes the whole document through `w` and flushes it; the caller owns the file. */
export async function writeRelationDocument(w: XmlStreamWriter, source: RelationSource, model: RelationModel, t: DocumentTimes, o: DocumentOptions): Promise<void> {
  const a = model.array;
  w.declaration();
  const finishAt = w.startReserving('Information', [
    ['startTimestamp', xmlTime(t.startedAt)], ['finishTimestamp', xmlTime(t.startedAt)], ['infoType', INFO_TYPE],
    ['fileVersion', FILE_VERSION], ['vCenterServer', o.vCenterServer],
  ], 'finishTimestamp');
  w.start('diskArray', [['Ip', a.ip], ['serialNumber', a.serial], ['name', a.name], ['WWN', a.wwn], ['model', a.model]]);
  w.start('datacenterList');
  // See model.ts: each datacenter with its VMs; the unmanaged VVols once, in the first.
  const datacenters = model.datacenters.length ? model.datacenters : [''];
  for (const [i, dc] of datacenters.entries()) {
    w.start('datacenter', [['name', dc]]);
    await writeVms(w, source, model, datacenters.length === 1 ? model.vms : model.vms.filter((vm) => vm.datacenter === dc), o.pageVvols ?? 2000);
    if (i === 0) await writeUnmanaged(w, model);
    else writeNoUnmanaged(w);
    w.end(); // datacenter
  }
  w.end(); // datacenterList
  w.end(); // diskArray
  w.end(); // Information
  await w.finish();
  await w.fill(finishAt, xmlTime(t.finishedAt()));
}
