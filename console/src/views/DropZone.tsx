import type { JSX } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { filesFromInput, walkEntries, type PickedTree } from '../transfer';

/**
 * Where files and whole folders are dropped, or picked with "Upload files" / "Upload folder" (buttons, so the keyboard
 * reaches them), to upload into the folder shown. A drop's items are walked as entries (folders with everything
 * below them, empty ones too); a folder picked with the webkitdirectory input keeps its relative paths.
 */
export function DropZone(props: { folder: string; upload?: (tree: PickedTree) => void }) {
  const [over, setOver] = useState(false);
  const [error, setError] = useState('');
  const filesRef = useRef<HTMLInputElement>(null);
  const folderRef = useRef<HTMLInputElement>(null);
  const upload = props.upload;
  if (!upload) {
    return <div class="dropzone disabled" aria-disabled="true">Uploading from the browser is not available in this build.</div>;
  }
  const fromInput = (e: JSX.TargetedEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    const files = filesFromInput(input.files ?? []);
    input.value = '';
    if (files.length > 0) upload({ files, emptyFolders: [] });
  };
  const onDrop = (e: JSX.TargetedDragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    setError('');
    const dt = e.dataTransfer;
    if (!dt) return;
    // Entries must be taken while the drop event runs; the walk itself may take longer.
    const entries = Array.from(dt.items ?? []).filter((i) => i.kind === 'file').map((i) => i.webkitGetAsEntry?.() ?? null);
    if (entries.some((x) => x)) {
      walkEntries(entries).then((tree) => upload(tree), (err: unknown) => setError(`The dropped items could not be read: ${String(err)}`));
    } else {
      const files = filesFromInput(dt.files);
      if (files.length > 0) upload({ files, emptyFolders: [] });
    }
  };
  const where = props.folder ? `“${props.folder}”` : 'the top folder';
  return (
    <div class={over ? 'dropzone over' : 'dropzone'} onDragOver={(e) => { e.preventDefault(); setOver(true); }}
      onDragLeave={() => setOver(false)} onDrop={onDrop}>
      <button type="button" onClick={() => filesRef.current?.click()}>Upload files</button>{' '}
      <button type="button" onClick={() => folderRef.current?.click()}>Upload folder</button>
      <span> or drop files and folders here to upload them to {where}</span>
      <input ref={filesRef} type="file" multiple class="visually-hidden" tabIndex={-1} aria-hidden="true"
        data-upload="files" onChange={fromInput} />
      <input ref={folderRef} type="file" multiple class="visually-hidden" tabIndex={-1} aria-hidden="true"
        data-upload="folder" onChange={fromInput} {...({ webkitdirectory: true } as Record<string, boolean>)} />
      {error && <p class="error" role="alert">{error}</p>}
    </div>
  );
}
