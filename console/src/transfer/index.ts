/** The browser's transfer engine: what the app calls to upload and download. */
export { chunkBlob, type ChunkedFile, type ChunkInfo } from './chunker';
export { DEFAULT_PROFILE, LARGE_PROFILE, profileForFile } from './fastcdc';
export { downloadFile, IntegrityError, type DownloadedFile, type DownloadOptions, type DownloadProgress } from './download';
export {
  filesFromInput, listRecursive, walkEntries, walkEntry, zipFolder,
  type PickedFile, type PickedTree, type ZipFolderOptions, type ZipProgress,
} from './folders';
export { IndexedDbJournal, MemoryJournal, type UploadJournal } from './journal';
export {
  createFolder, StaleParentError, UploadError, uploadFile, uploadFiles,
  type FileProgress, type UploadManyOptions, type UploadOptions, type UploadOutcome, type UploadRequest,
} from './upload';
export { ZipWriter, crc32 } from './zip';
