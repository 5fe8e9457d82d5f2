import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { StartUpload } from '../hooks';

/**
 * Where files are dropped (or picked) to upload into the folder. It hands them to `startUpload`, which the transfer
 * module provides (chunking, hashing, presigned PUTs, per-file progress); without it, it says uploads are not here yet.
 */
export function DropZone(props: { folder: string; startUpload?: StartUpload }) {
  const [over, setOver] = useState(false);
  const start = props.startUpload;
  const take = (list: FileList | null | undefined) => {
    const files = list ? Array.from(list) : [];
    if (start && files.length > 0) start(files, props.folder);
  };
  const onDrop = (e: JSX.TargetedDragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    take(e.dataTransfer?.files);
  };
  if (!start) {
    return <div class="dropzone disabled" aria-disabled="true">Uploading from the browser is not available in this build yet.</div>;
  }
  return (
    <div class={over ? 'dropzone over' : 'dropzone'} onDragOver={(e) => { e.preventDefault(); setOver(true); }}
      onDragLeave={() => setOver(false)} onDrop={onDrop}>
      <span>Drop files here to upload them to {props.folder ? `“${props.folder}”` : 'the top folder'}, or </span>
      <label class="button">choose files<input type="file" multiple class="visually-hidden"
        onChange={(e) => take((e.currentTarget as HTMLInputElement).files)} /></label>
    </div>
  );
}
