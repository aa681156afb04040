/**
 * The image store: the backup store of the image-backup scheduler (issue 11, section 3).
 * Content-addressed chunks shared by every image, one hashed manifest per image, atomic
 * commits, garbage found by reading the manifests. store.ts is the entry point.
 */
export { ImageStore, VERIFY_PROBLEMS_SHOWN } from './store';
export type { StoreUsage, ImageStoreOptions } from './store';
export { InThreadWriter } from './async-writer';
export { closeStoreWorker } from './worker-client';
export { StagedImage, MAX_CHUNK_CONTENT_BYTES } from './writer';
export type { SweepResult, RecoveryResult } from './gc';
export { checkImageId } from './layout';
