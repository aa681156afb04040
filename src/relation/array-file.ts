/**
 * The heavy part of a relation pass for one array: read its LDs through the engine
 * (model.ts), stream the document into a temp file, fsync it, zip the previous latest
 * file into the archive and put the new one in its place. The service runs it either
 * in its own thread (tests, the CLI) or in a worker thread with a connection of its own
 * (the daemon: worker.ts), so the same code writes the same bytes either way. What
 * decides whether a file is due (signatures, the state file, the lock, outcomes,
 * alarms) stays with the service.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from '../array/clock';
import type { DiskArray } from '../array/types';
import { commitTemp, discardTemp, fsyncDir, tempPathFor } from '../sys/atomic-file';
import { writeRelationDocument } from './document';
import { buildRelationModel, RelationSource, RvOwner } from './model';
import { ArrayFolders, fileStamp } from './paths';
import { archiveXml } from './rotation';
import { XmlStreamWriter } from './xml-writer';
import { VmNaming, type VmNamingData } from '../vcenter/naming';

/** One array's file to write: everything is plain data, so it crosses to a worker as it is. */
export interface ArrayFileRequest {
  array: DiskArray;
  folders: ArrayFolders;
  /** The latest XMLs there now (base names, sorted): archived and replaced. */
  existing: string[];
  /** What the previous pass remembered of backup-volume owners. */
  rvOwners?: Record<string, RvOwner>;
  /** The pass's clock reading for this file: its name, startTimestamp and the archive's time. */
  startedAt: number;
  datacenter: string;
  vCenterServer: string;
  /** How VMs are named (vCenter's inventory, as plain data); absent: by metadata, in `datacenter`. */
  naming?: VmNamingData;
  pageVvols?: number;
}

export interface WrittenFile {
  path: string;
  zipped?: string;
  at: number;
  rvOwners: Record<string, RvOwner>;
}

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Writes the array's new latest XML (and archives the previous one). Throws when the
 * file could not be written (the earlier files stay); `warn` gets what went wrong after
 * the new file was in place.
 */
export async function writeArrayFile(source: RelationSource, clock: Clock, req: ArrayFileRequest, warn: (message: string) => void): Promise<WrittenFile> {
  const { array: a, folders, existing, startedAt } = req;
  await fsp.mkdir(folders.latest, { recursive: true });
  await fsp.mkdir(folders.archive, { recursive: true });
  const model = buildRelationModel(source, a, { datacenter: req.datacenter, rvOwners: req.rvOwners, ...(req.naming ? { naming: VmNaming.of(req.naming) } : {}) });
  const target = path.join(folders.latest, `${fileStamp(startedAt)}.xml`);
  const temp = tempPathFor(target);
  try {
    const fh = await fsp.open(temp, 'w', 0o644);
    try {
      await writeRelationDocument(new XmlStreamWriter(fh), source, model, { startedAt, finishedAt: () => clock.now() }, {
        vCenterServer: req.vCenterServer, pageVvols: req.pageVvols,
      });
      await fh.sync();
    } finally {
      await fh.close();
    }
    // The previous latest goes into the archive before the new file takes its place, so
    // a failure here leaves the old latest where it was.
    for (const name of existing) await archiveXml(path.join(folders.latest, name), folders.archive, startedAt);
    await commitTemp(temp, target);
  } catch (e) {
    await discardTemp(temp);
    throw e;
  }
  try {
    for (const name of existing) {
      const old = path.join(folders.latest, name);
      if (old !== target) fs.rmSync(old, { force: true });
    }
    await fsyncDir(folders.latest);
  } catch (e) {
    // The new file is in place and the old one is archived: a leftover is removed next time.
    warn(`relation file: ${a.name}: cannot remove the superseded file from ${folders.latest}: ${describe(e)}`);
  }
  const zipped = existing.length ? path.join(folders.archive, `${existing[existing.length - 1].replace(/\.xml$/, '')}.zip`) : undefined;
  return { path: target, zipped, at: startedAt, rvOwners: model.rvOwners };
}
