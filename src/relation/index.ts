export * from './model';
export * from './service';
export { readSingleEntry, zipFile, crc32 } from './zip';
export { escapeAttr, XmlStreamWriter } from './xml-writer';
export { arrayFolders, fileStamp, parseFileStamp, xmlTime, LATEST_FOLDER, ARCHIVE_FOLDER } from './paths';
