/**
 * /images: the backup images: list (by VM), show, delete by hand, verify (every chunk
 * and the manifest re-hashed) and restore (overwrites the VM's disks, leaves it
 * powered off). Translation only; the rules are the service's.
 */
import type { ApiRoute } from './route';
import { IMAGE_ID, json, noContent } from './route';
import type { ParamSpecs } from './validation';

const IMAGE_QUERY: ParamSpecs = {
  vm: { description: 'Only the images of this VM (by name).', schema: { type: 'string', minLength: 1, maxLength: 200 } },
};

const id = (p: Record<string, unknown>) => p.id as string;
/** The service names the image `imageId`; here it is the path's `id`. */
const FIELDS = { imageId: 'id' };

export const IMAGE_ROUTES: ApiRoute[] = [
  {
    method: 'get', path: '/images', operationId: 'listImages', tag: 'images', summary: 'List images',
    query: IMAGE_QUERY, ok: { status: 200, description: 'The images.', schema: 'Image', list: true }, errors: [],
    handle: (c) => {
      const { vm } = c.query as { vm?: string };
      return json(200, c.api.listImages(vm === undefined ? {} : { vmName: vm }));
    },
  },
  {
    method: 'get', path: '/images/{id}', operationId: 'getImage', tag: 'images', summary: 'Show an image',
    params: IMAGE_ID, ok: { status: 200, description: 'The image.', schema: 'Image' }, errors: [404], fields: FIELDS,
    handle: (c) => json(200, c.api.getImage(id(c.params))),
  },
  {
    method: 'delete', path: '/images/{id}', operationId: 'deleteImage', tag: 'images', summary: 'Delete an image',
    description: 'Chunks another image needs stay.',
    params: IMAGE_ID, ok: { status: 204, description: 'Deleted.' }, errors: [404, 409], fields: FIELDS,
    handle: (c) => {
      c.api.deleteImage(id(c.params));
      return noContent();
    },
  },
  {
    method: 'post', path: '/images/{id}/verify', operationId: 'verifyImage', tag: 'images', summary: 'Verify an image',
    description: 'The answer is 200 whether or not problems were found: see ok and problems.',
    params: IMAGE_ID, ok: { status: 200, description: 'What the check found.', schema: 'VerifyResult' }, errors: [404, 422], fields: FIELDS,
    handle: (c) => json(200, c.api.verifyImage(id(c.params))),
  },
  {
    method: 'post', path: '/images/{id}/restore', operationId: 'restoreImage', tag: 'images', summary: 'Restore a VM from an image',
    description: 'Overwrites all the VM\'s disks with the image\'s content and leaves the VM powered off; refused while a backup or restore of the VM runs, or when the VM no longer exists.',
    params: IMAGE_ID, ok: { status: 200, description: 'The restore job.', schema: 'RestoreResult' }, errors: [404, 409, 422], fields: FIELDS,
    handle: (c) => json(200, c.api.restore({ imageId: id(c.params) })),
  },
];
